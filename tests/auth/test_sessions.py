"""Sessions are server-side records: a copied cookie stops working once the session is revoked."""

from civicfutures.auth.accounts import add_membership, create_user, remove_membership, set_active
from civicfutures.auth.actor import SYSTEM
from civicfutures.db.tables import Membership, UserSession

PASSWORD = "correct horse battery"


async def _signed_in_cookie(client, email: str) -> str:
    await client.get("/en/login")
    signed = await client.post(
        "/en/login",
        data={
            "email": email,
            "password": PASSWORD,
            "_csrf_token": client.cookies.get("civicfutures_csrf"),
        },
    )
    assert signed.status_code == 303, signed.text
    return client.cookies.get("civicfutures_session")


async def _opens_admin(client, cookie: str) -> int:
    """The answer to a request that carries only the copied session cookie."""
    response = await client.get(
        "/en/admin/users", headers={"Cookie": f"civicfutures_session={cookie}"}
    )
    return response.status_code


async def test_a_copied_cookie_stops_working_after_sign_out(client, world):
    await create_user("admin@example.org", "admin", password=PASSWORD)
    copied = await _signed_in_cookie(client, "admin@example.org")
    assert await _opens_admin(client, copied) == 200
    out = await client.post(
        "/en/logout", data={"_csrf_token": client.cookies.get("civicfutures_csrf")}
    )
    assert out.status_code == 303
    client.cookies.clear()
    assert await _opens_admin(client, copied) == 303
    assert await UserSession.count().where(UserSession.revoked_at.is_null()) == 0


async def test_a_role_change_ends_the_user_s_sessions(client, world):
    user_id = await create_user("admin@example.org", "admin", password=PASSWORD)
    copied = await _signed_in_cookie(client, "admin@example.org")
    client.cookies.clear()
    second = await _signed_in_cookie(client, "admin@example.org")
    client.cookies.clear()
    await add_membership(SYSTEM, user_id, "researcher", None)
    assert await _opens_admin(client, copied) == 303
    assert await _opens_admin(client, second) == 303
    fresh = await _signed_in_cookie(client, "admin@example.org")
    client.cookies.clear()
    assert await _opens_admin(client, fresh) == 200
    membership = await Membership.select(Membership.id).where(Membership.role == "researcher")
    await remove_membership(SYSTEM, membership[0]["id"])
    assert await _opens_admin(client, fresh) == 303


async def test_deactivation_ends_the_user_s_sessions_and_others_keep_theirs(client, world):
    user_id = await create_user("admin@example.org", "admin", password=PASSWORD)
    await create_user("other@example.org", "admin", password=PASSWORD)
    copied = await _signed_in_cookie(client, "admin@example.org")
    client.cookies.clear()
    other = await _signed_in_cookie(client, "other@example.org")
    client.cookies.clear()
    await set_active(SYSTEM, user_id, False)
    await set_active(SYSTEM, user_id, True)
    assert await _opens_admin(client, copied) == 303
    assert await _opens_admin(client, other) == 200
