"""Sign-in, sign-out and the administration pages, through the real app with sessions and CSRF."""

from civicfutures.auth.accounts import create_user
from civicfutures.db.tables import AuditEvent, Membership, User

PASSWORD = "correct horse battery"


async def sign_in(client, email: str, password: str = PASSWORD, next_: str = "", lang: str = "en"):
    await client.get(f"/{lang}/login")
    return await client.post(
        f"/{lang}/login",
        data={
            "email": email,
            "password": password,
            "next": next_,
            "_csrf_token": client.cookies.get("civicfutures_csrf"),
        },
    )


async def test_pages_send_anonymous_visitors_to_sign_in_and_back(client, world):
    await create_user("partner@gdansk.example", "partner", ["gdansk"], password=PASSWORD)
    first = await client.get("/pl/admin/users")
    assert first.status_code == 303
    assert first.headers["location"] == "/pl/login?next=/pl/admin/users"
    login = await client.get("/pl/login?next=/pl/")
    assert login.status_code == 200
    assert '<html lang="pl"' in login.text
    assert "Zaloguj" in login.text
    signed = await sign_in(client, "partner@gdansk.example", next_="/pl/", lang="pl")
    assert signed.status_code == 303 and signed.headers["location"] == "/pl/"
    session = [
        c for c in signed.headers.get_list("set-cookie") if c.startswith("civicfutures_session")
    ]
    assert session, signed.headers
    assert "httponly" in session[0].lower() and "samesite=lax" in session[0].lower()


async def test_failed_sign_in_is_generic_and_keeps_the_email(client):
    await create_user("someone@example.org", "researcher", password=PASSWORD)
    wrong = await sign_in(client, "someone@example.org", "nope")
    unknown = await sign_in(client, "nobody@example.org", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert 'value="someone@example.org"' in wrong.text


async def test_open_redirects_are_refused(client):
    await create_user("someone@example.org", "researcher", password=PASSWORD)
    response = await sign_in(client, "someone@example.org", next_="//evil.example/")
    assert response.headers["location"] == "/en/"


async def test_forms_without_csrf_token_are_refused(client):
    await create_user("someone@example.org", "researcher", password=PASSWORD)
    await client.get("/en/login")
    response = await client.post(
        "/en/login", data={"email": "someone@example.org", "password": PASSWORD}
    )
    assert response.status_code == 403


async def test_sign_out_ends_the_session(client, world):
    await create_user("admin@example.org", "admin", password=PASSWORD)
    await sign_in(client, "admin@example.org")
    assert (await client.get("/en/admin/users")).status_code == 200
    out = await client.post(
        "/en/logout", data={"_csrf_token": client.cookies.get("civicfutures_csrf")}
    )
    assert out.status_code == 303
    assert (await client.get("/en/admin/users")).status_code == 303


async def test_admin_manages_accounts_from_the_pages(client, world):
    await create_user("admin@example.org", "admin", password=PASSWORD)
    await sign_in(client, "admin@example.org")
    csrf = client.cookies.get("civicfutures_csrf")
    created = await client.post(
        "/en/admin/users",
        data={
            "email": "new@voru.example",
            "password": "long enough pass",
            "role": "partner",
            "site": "voru",
            "_csrf_token": csrf,
        },
    )
    assert created.status_code == 303
    user = await User.select().where(User.email == "new@voru.example").first()
    assert [m["role"] for m in await Membership.select().where(Membership.user == user["id"])] == [
        "partner"
    ]
    listed = await client.get("/en/admin/users")
    assert "partner · <bdi>Võru</bdi>" in listed.text
    unchosen = await client.post(
        "/en/admin/users",
        data={"email": "x@example.org", "role": "", "site": "", "_csrf_token": csrf},
    )
    assert unchosen.status_code == 422
    assert 'href="#new-role">Choose a role.' in unchosen.text
    assert 'href="#new-site">Choose a site, or all sites.' in unchosen.text
    refused = await client.post(
        "/en/admin/users",
        data={"email": "x@example.org", "role": "partner", "site": "*", "_csrf_token": csrf},
    )
    assert refused.status_code == 422
    assert "Name at least one site for a partner." in refused.text
    assert not await User.exists().where(User.email == "x@example.org")
    off = await client.post(
        f"/en/admin/users/{user['id']}/active", data={"active": "0", "_csrf_token": csrf}
    )
    assert off.status_code == 303
    assert not (await User.select(User.is_active).where(User.id == user["id"]).first())["is_active"]
    page = await client.get("/en/admin/audit?entity=user")
    assert page.status_code == 200 and "deactivate" in page.text
    assert await AuditEvent.exists().where(AuditEvent.action == "deactivate")


async def test_non_admins_cannot_open_administration(client, world):
    await create_user("partner@gdansk.example", "partner", ["gdansk"], password=PASSWORD)
    await sign_in(client, "partner@gdansk.example")
    assert (await client.get("/en/admin/users")).status_code == 403
    assert (await client.get("/en/admin/audit")).status_code == 403
