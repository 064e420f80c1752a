"""The password rule (length after NFKC, the common-password list, context words) wherever a
password is set, and a new password ending the account's sessions."""

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher, profiles

from auth.test_pages import sign_in
from civicfutures.auth.accounts import create_user, set_password
from civicfutures.auth.actor import SYSTEM
from civicfutures.auth.passwords import common_passwords, password_problem
from civicfutures.db.tables import AuditEvent, User, UserSession
from civicfutures.demo.accounts import DEMO_PASSWORD, DEMO_USERS
from civicfutures.errors import InvalidInput
from civicfutures.i18n import use_locale

PASSWORD = "correct horse battery"
EMAIL = "anna.kowalska@example.org"


def civicfutures(*args: str, check: bool = True, stdin: str | None = None):
    script = Path(sys.executable).with_name("civicfutures")
    result = subprocess.run(
        [str(script), *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
        input=stdin,
    )
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("abcdefghijk", "Use at least 12 characters."),
        # Six e + combining acute: 12 code points typed, 6 after NFKC composes them.
        ("e\u0301" * 6, "Use at least 12 characters."),
        ("x" * 1025, "Use at most 1,024 characters."),
        ("qwerty123456", "This password is on a list of common or leaked passwords"),
        ("QWERTY123456", "This password is on a list of common or leaked passwords"),
        ("1Q2W3E4R5T6Y", "This password is on a list of common or leaked passwords"),
        ("my anna.kowalska@example.org", "must not contain your e-mail address"),
        ("Anna.Kowalska forever", "must not contain your e-mail address"),
        ("Anna-Kowalska forever", "must not contain your e-mail address"),
        ("Civic-Futures-2026!", "must not contain the name of the platform"),
        ("my civicfutures secret", "must not contain the name of the platform"),
    ],
)
def test_the_rule_refuses(password, problem):
    with use_locale("en"):
        assert problem in (password_problem(password, EMAIL) or "")


@pytest.mark.parametrize(
    "password",
    [
        "abcdefghijkl",  # twelve, no composition rule
        "\ufb03" * 4,  # four ligatures, twelve characters after NFKC: "ffiffiffiffi"
        "x" * 1024,
        "zażółć gęślą jaźń",
        "пароль для бабусі",
        DEMO_PASSWORD,
        "anna and the sea",  # a part of the name is not the name: "anna" is in many passphrases
    ],
)
def test_the_rule_accepts(password):
    assert password_problem(password, EMAIL) is None


def test_the_shipped_list_is_the_documented_one():
    words = common_passwords()
    assert len(words) == 19_729  # 20,000 lines, some repeated
    assert {"password", "123456", "qwerty123456"} <= words
    assert all(word == word.lower() for word in words)


def test_the_demo_password_passes_for_every_demo_account():
    assert DEMO_PASSWORD != "civicfutures-demo"
    for email, _role, _sites in DEMO_USERS:
        assert password_problem(DEMO_PASSWORD, email) is None


async def test_a_refused_password_creates_no_user(client):
    with use_locale("pl"), pytest.raises(InvalidInput) as refused:
        await create_user(EMAIL, "researcher", password="short")
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("password", "Użyj co najmniej 12 znaków.")
    ]
    assert not await User.exists().where(User.email == EMAIL)


async def test_the_admin_page_names_the_password_field_in_the_page_s_language(client, world):
    await create_user("admin@example.org", "admin", password=PASSWORD)
    await sign_in(client, "admin@example.org")
    csrf = client.cookies.get("civicfutures_csrf")
    refused = await client.post(
        "/pl/admin/users",
        data={
            "email": "new@example.org",
            "password": "qwerty123456",
            "role": "researcher",
            "site": "*",
            "_csrf_token": csrf,
        },
    )
    assert refused.status_code == 422
    assert 'href="#new-password"' in refused.text
    assert "To hasło jest na liście popularnych lub ujawnionych haseł" in refused.text
    assert not await User.exists().where(User.email == "new@example.org")


async def _opens(client, cookie: str, path: str = "/en/admin/users") -> int:
    """The answer to a request from another browser holding only a copy of the cookie."""
    async with httpx.AsyncClient(
        transport=client._transport,
        base_url=client.base_url,
        cookies={"civicfutures_session": cookie},
    ) as elsewhere:
        return (await elsewhere.get(path)).status_code


async def _opens_admin(client, cookie: str) -> int:
    return await _opens(client, cookie)


async def test_an_admin_setting_a_password_ends_the_user_s_sessions(client, world):
    admin_id = await create_user("admin@example.org", "admin", password=PASSWORD)
    other_id = await create_user("other@example.org", "admin", password=PASSWORD)
    assert (await sign_in(client, "other@example.org")).status_code == 303
    copied = client.cookies.get("civicfutures_session")
    client.cookies.clear()
    assert await _opens_admin(client, copied) == 200
    await sign_in(client, "admin@example.org")
    csrf = client.cookies.get("civicfutures_csrf")
    short = await client.post(
        f"/en/admin/users/{other_id}/password", data={"password": "short", "_csrf_token": csrf}
    )
    assert short.status_code == 422
    assert f'href="#password-{other_id}"' in short.text
    assert "Use at least 12 characters." in short.text
    assert await _opens_admin(client, copied) == 200
    done = await client.post(
        f"/en/admin/users/{other_id}/password",
        data={"password": "a brand new passphrase", "_csrf_token": csrf},
    )
    assert done.status_code == 303, done.text
    # The other account's copied cookie no longer opens anything; the admin's own session lives.
    assert await _opens_admin(client, copied) == 303
    assert (await client.get("/en/admin/users")).status_code == 200
    assert (
        await UserSession.count().where(
            (UserSession.user == other_id) & UserSession.revoked_at.is_null()
        )
        == 0
    )
    assert (
        await UserSession.count().where(
            (UserSession.user == admin_id) & UserSession.revoked_at.is_null()
        )
        == 1
    )
    client.cookies.clear()
    assert (await sign_in(client, "other@example.org")).status_code == 401
    new = await sign_in(client, "other@example.org", password="a brand new passphrase")
    assert new.status_code == 303
    event = await AuditEvent.select(AuditEvent.action, AuditEvent.detail).where(
        AuditEvent.action == "set_password"
    )
    assert len(event) == 1 and "sessions_revoked" in event[0]["detail"]


async def test_a_user_changes_their_own_password_and_other_sessions_end(client, world):
    await create_user("partner@gdansk.example", "partner", ["gdansk"], password=PASSWORD)
    await sign_in(client, "partner@gdansk.example")
    elsewhere = client.cookies.get("civicfutures_session")
    client.cookies.clear()
    await sign_in(client, "partner@gdansk.example")
    assert await _opens(client, elsewhere, "/en/account/password") == 200
    form = await client.get("/pl/account/password")
    assert form.status_code == 200 and "Zmień hasło" in form.text
    csrf = client.cookies.get("civicfutures_csrf")
    wrong = await client.post(
        "/pl/account/password",
        data={
            "current_password": "not it",
            "password": "a brand new passphrase",
            "_csrf_token": csrf,
        },
    )
    assert wrong.status_code == 422 and "Obecne hasło jest nieprawidłowe." in wrong.text
    mine = await client.post(
        "/en/account/password",
        data={
            "current_password": PASSWORD,
            "password": "partner@gdansk.example and more",
            "_csrf_token": csrf,
        },
    )
    assert mine.status_code == 422 and "must not contain your e-mail address" in mine.text
    changed = await client.post(
        "/en/account/password",
        data={
            "current_password": PASSWORD,
            "password": "a brand new passphrase",
            "_csrf_token": csrf,
        },
    )
    assert changed.status_code == 303
    assert changed.headers["location"] == "/en/account/password?changed=1"
    # This browser carries on in a fresh session; the session elsewhere has ended.
    after = await client.get("/en/account/password?changed=1")
    assert after.status_code == 200 and "Your password has been changed" in after.text
    assert await _opens(client, elsewhere, "/en/account/password") == 303
    client.cookies.clear()
    assert (await sign_in(client, "partner@gdansk.example")).status_code == 401
    again = await sign_in(client, "partner@gdansk.example", password="a brand new passphrase")
    assert again.status_code == 303


async def test_set_password_from_the_shell_ends_sessions(client, world):
    await create_user("admin@example.org", "admin", password=PASSWORD)
    await sign_in(client, "admin@example.org")
    copied = client.cookies.get("civicfutures_session")
    client.cookies.clear()
    refused = civicfutures(
        "users", "set-password", "admin@example.org", "--password", "abc", check=False
    )
    assert refused.returncode == 1
    assert "password: Use at least 12 characters." in refused.stderr
    assert await _opens_admin(client, copied) == 200
    # Prompted twice, hidden; read from stdin here.
    done = civicfutures(
        "users", "set-password", "Admin@Example.org", stdin="a shell-set passphrase\n" * 2
    )
    assert "password set for admin@example.org" in done.stdout
    assert await _opens_admin(client, copied) == 303
    assert (await sign_in(client, "admin@example.org")).status_code == 401
    client.cookies.clear()
    assert (await sign_in(client, "admin@example.org", "a shell-set passphrase")).status_code == 303
    unknown = civicfutures(
        "users",
        "set-password",
        "nobody@example.org",
        "--password",
        "long enough words",
        check=False,
    )
    assert unknown.returncode == 1 and "No such user" in unknown.stderr


async def test_users_create_refuses_a_common_password_from_the_shell(client, world):
    refused = civicfutures(
        "users",
        "create",
        "x@example.org",
        "--role",
        "researcher",
        "--password",
        "qwerty123456",
        check=False,
    )
    assert refused.returncode == 1
    assert "password: This password is on a list of common or leaked passwords" in refused.stderr
    assert not await User.exists().where(User.email == "x@example.org")


async def test_a_password_set_before_normalisation_still_signs_in(client, world):
    """A hash made from the typed (non-NFKC) form, as before the rule, still verifies."""
    typed = "ﬁve ﬁne ﬁsh swim"  # ligatures: NFKC turns each into "fi"
    user_id = await create_user("legacy@example.org", "researcher")
    legacy = PasswordHasher.from_parameters(profiles.CHEAPEST).hash(typed)
    await User.update({User.password_hash: legacy}).where(User.id == user_id)
    assert (await sign_in(client, "legacy@example.org", typed)).status_code == 303
    client.cookies.clear()
    await set_password(SYSTEM, user_id, typed)
    # Stored in NFKC form now: typing it either way signs in.
    assert (await sign_in(client, "legacy@example.org", "five fine fish swim")).status_code == 303
