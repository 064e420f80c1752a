"""Sign-in does the same work for every e-mail address, known or not."""

import pytest
from argon2 import PasswordHasher

from auth.test_pages import sign_in
from civicfutures.auth.accounts import create_user, dummy_hash, set_active
from civicfutures.auth.actor import SYSTEM
from civicfutures.db.tables import User

PASSWORD = "correct horse battery"


@pytest.fixture
def verified(monkeypatch) -> list[str]:
    """The hashes argon2 verifies, in order (the real verification still runs)."""
    hashes: list[str] = []
    real = PasswordHasher.verify

    def spy(self, hash, password):  # noqa: A002
        hashes.append(hash if isinstance(hash, str) else hash.decode())
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    return hashes


def _message(html: str) -> str:
    start = html.index("<p>", html.index('role="alert"'))
    return html[start : html.index("</p>", start)]


async def test_an_unknown_e_mail_is_verified_against_the_dummy_hash(client, verified):
    await create_user("known@example.org", "researcher", password=PASSWORD)
    stored = (await User.select(User.password_hash).first())["password_hash"]
    verified.clear()
    unknown = await sign_in(client, "nobody@example.org", PASSWORD)
    assert verified == [dummy_hash()]
    verified.clear()
    wrong = await sign_in(client, "known@example.org", "not the password at all")
    assert verified == [stored]
    assert unknown.status_code == wrong.status_code == 401
    assert _message(unknown.text) == _message(wrong.text)


async def test_inactive_and_password_less_accounts_cost_the_same_verification(client, verified):
    inactive = await create_user("inactive@example.org", "researcher", password=PASSWORD)
    await set_active(SYSTEM, inactive, False)
    await create_user("nopassword@example.org", "researcher")
    verified.clear()
    assert (await sign_in(client, "inactive@example.org", PASSWORD)).status_code == 401
    assert (await sign_in(client, "nopassword@example.org", "")).status_code == 401
    assert verified == [dummy_hash(), dummy_hash()]


def test_the_dummy_hash_has_the_parameters_of_real_ones():
    from civicfutures.auth.accounts import hash_password

    real = hash_password(PASSWORD)
    assert dummy_hash() is dummy_hash()
    assert dummy_hash().rsplit("$", 2)[0] == real.rsplit("$", 2)[0]
