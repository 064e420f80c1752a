"""API tokens in the browser: made (shown once), listed and revoked by admins for anyone and by
every signed-in user for themself, through the real HTTP stack; each action audited."""

from __future__ import annotations

import html
import re

import pytest

from civicfutures.auth.accounts import actor_for_token, create_user, issue_token, token_digest
from civicfutures.db.tables import ApiToken, AuditEvent, User
from civicfutures.settings import get_settings
from pages.conftest import PASSWORD, csrf_token

TOKEN = re.compile(r'id="new-token-value"[^>]*value="(cf_[^"]+)"')


async def _user(email: str, role: str = "researcher") -> int:
    return await create_user(email, role, password=PASSWORD)


async def _post(client, path: str, form_page: str, data: dict):
    page = await client.get(form_page)
    assert page.status_code == 200, page.text
    return await client.post(path, data={**data, "_csrf_token": csrf_token(page.text)})


async def test_an_admin_makes_a_token_that_is_shown_once_and_works(client, sign_in):
    admin = await sign_in("admin")
    owner = await _user("owner@example.org")
    made = await _post(
        client,
        "/en/admin/tokens",
        "/en/admin/tokens",
        {"user": str(owner), "name": "R notebook", "expires_days": "30"},
    )
    assert made.status_code == 200, made.text
    assert made.headers["cache-control"] == "no-store"
    token = TOKEN.search(made.text).group(1)
    assert "New token for <bdi>owner@example.org</bdi>" in made.text
    # Only the digest is stored; the token works as its owner at once.
    row = await ApiToken.select().where(ApiToken.user == owner).first()
    assert row["token_hash"] == token_digest(token) and row["name"] == "R notebook"
    assert token not in str(row)
    acting = await actor_for_token(token)
    assert acting is not None and acting.user_id == owner
    assert 25 * 86400 < (row["expires_at"] - row["created_at"]).total_seconds() <= 30 * 86400 + 60
    # Listed afterwards, never shown again.
    listed = await client.get("/en/admin/tokens")
    assert token not in listed.text and row["token_hash"] not in listed.text
    assert "R notebook" in listed.text and "owner@example.org" in listed.text
    assert "new-token-value" not in listed.text
    event = (
        await AuditEvent.select()
        .output(load_json=True)
        .where(AuditEvent.entity == "api_token")
        .first()
    )
    assert (event["action"], event["entity_id"], event["actor_label"]) == (
        "create",
        str(row["id"]),
        admin,
    )
    assert event["detail"]["fields"] == ["expires_at", "name"]
    assert event["detail"]["user"] == owner


async def test_an_admin_revokes_a_token_once(client, sign_in):
    await sign_in("admin")
    owner = await _user("owner@example.org")
    issued = await issue_token(owner, 7, "cron")
    revoked = await _post(client, f"/en/admin/tokens/{issued.id}/revoke", "/en/admin/tokens", {})
    assert revoked.status_code == 303
    assert revoked.headers["location"] == "/en/admin/tokens?revoked=1"
    assert await actor_for_token(issued.token) is None
    page = await client.get("/en/admin/tokens?revoked=1")
    assert "The token has been revoked." in page.text and "Revoked" in page.text
    again = await _post(client, f"/en/admin/tokens/{issued.id}/revoke", "/en/admin/tokens", {})
    assert again.status_code == 409
    assert 'href="#tokens">The token is already revoked.' in again.text
    events = (
        await AuditEvent.select(AuditEvent.action)
        .where((AuditEvent.entity == "api_token") & (AuditEvent.entity_id == str(issued.id)))
        .order_by(AuditEvent.id)
    )
    assert [e["action"] for e in events] == ["create", "revoke"]


@pytest.mark.parametrize("token_id", ["999999", "2147483648", "99999999999999999999"])
async def test_revoking_an_unknown_token_is_404(client, sign_in, token_id):
    await sign_in("admin")
    answer = await _post(client, f"/en/admin/tokens/{token_id}/revoke", "/en/admin/tokens", {})
    assert answer.status_code in {404}, answer.text[:300]
    assert "No such token." in answer.text


@pytest.mark.parametrize(
    ("days", "status"),
    [("0", 422), ("-3", 422), ("", 422), ("seven", 422), ("1e3", 422), ("99999999999", 422)],
)
async def test_a_token_must_expire_within_the_maximum(client, sign_in, days, status):
    await sign_in("admin")
    owner = await _user("owner@example.org")
    answer = await _post(
        client, "/en/admin/tokens", "/en/admin/tokens", {"user": str(owner), "expires_days": days}
    )
    maximum = get_settings().token_max_days
    assert answer.status_code == status
    assert f'href="#token-expires_days">Choose between 1 and {maximum} days.' in answer.text
    assert 'id="token-expires_days-error"' in answer.text
    assert f'value="{html.escape(days)}"' in answer.text
    assert not await ApiToken.exists()
    assert not await AuditEvent.exists().where(AuditEvent.entity == "api_token")


async def test_past_the_maximum_is_refused_and_the_maximum_accepted(client, sign_in):
    await sign_in("admin")
    owner = await _user("owner@example.org")
    maximum = get_settings().token_max_days
    over = await _post(
        client,
        "/en/admin/tokens",
        "/en/admin/tokens",
        {"user": str(owner), "expires_days": str(maximum + 1)},
    )
    assert over.status_code == 422 and not await ApiToken.exists()
    at_most = await _post(
        client,
        "/en/admin/tokens",
        "/en/admin/tokens",
        {"user": str(owner), "expires_days": str(maximum)},
    )
    assert at_most.status_code == 200 and await ApiToken.count() == 1


@pytest.mark.parametrize("user", ["", "abc", "0", "999999", "99999999999999"])
async def test_the_account_must_be_chosen_and_exist(client, sign_in, user):
    await sign_in("admin")
    answer = await _post(
        client, "/en/admin/tokens", "/en/admin/tokens", {"user": user, "expires_days": "7"}
    )
    assert answer.status_code in {404, 422}
    assert 'href="#token-user">' in answer.text
    assert not await ApiToken.exists()


async def test_a_label_longer_than_the_column_is_refused(client, sign_in):
    await sign_in("admin")
    owner = await _user("owner@example.org")
    answer = await _post(
        client,
        "/en/admin/tokens",
        "/en/admin/tokens",
        {"user": str(owner), "name": "x" * 101, "expires_days": "7"},
    )
    assert answer.status_code == 422
    assert 'href="#token-name">At most 100 characters.' in answer.text
    assert not await ApiToken.exists()


async def test_an_admin_revokes_another_admins_token_from_the_admin_page_only(client, sign_in):
    """On the admin page any token; on "your account" another admin's token does not exist."""
    await sign_in("admin")
    other = await _user("other-admin@example.org", "admin")
    issued = await issue_token(other, 7, "theirs")
    mine = await _post(client, f"/en/account/tokens/{issued.id}/revoke", "/en/account", {})
    assert mine.status_code == 404 and "No such token." in mine.text
    assert await actor_for_token(issued.token) is not None
    admin_page = await _post(client, f"/en/admin/tokens/{issued.id}/revoke", "/en/admin/tokens", {})
    assert admin_page.status_code == 303
    assert await actor_for_token(issued.token) is None


async def test_a_researcher_manages_their_own_tokens(client, sign_in):
    email = await sign_in("researcher")
    me = (await User.select(User.id).where(User.email == email).first())["id"]
    other = await _user("someone@example.org")
    theirs = await issue_token(other, 7, "not yours")
    page = await client.get("/en/account")
    assert page.status_code == 200
    assert "not yours" not in page.text and "No tokens yet." in page.text
    made = await _post(
        client, "/en/account/tokens", "/en/account", {"name": "notebook", "expires_days": "14"}
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    token = TOKEN.search(made.text).group(1)
    assert "Your new token" in made.text
    acting = await actor_for_token(token)
    assert acting is not None and acting.user_id == me
    # The token calls the API as the researcher.
    api = await client.get(
        "/api/v1/forms/story?lang=en", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code in {200, 404}, api.text
    listed = await client.get("/en/account")
    assert token not in listed.text and "notebook" in listed.text
    row = await ApiToken.select(ApiToken.id).where(ApiToken.user == me).first()
    # Another user's token id: not found, and left alone.
    foreign = await _post(client, f"/en/account/tokens/{theirs.id}/revoke", "/en/account", {})
    assert foreign.status_code == 404
    assert await actor_for_token(theirs.token) is not None
    gone = await _post(client, f"/en/account/tokens/{row['id']}/revoke", "/en/account", {})
    assert gone.status_code == 303 and gone.headers["location"] == "/en/account?revoked=1"
    assert await actor_for_token(token) is None
    twice = await _post(client, f"/en/account/tokens/{row['id']}/revoke", "/en/account", {})
    assert twice.status_code == 409
    # The researcher may not open the admin token page nor make tokens for others there.
    assert (await client.get("/en/admin/tokens")).status_code == 403
    events = (
        await AuditEvent.select(AuditEvent.action, AuditEvent.actor_label)
        .where((AuditEvent.entity == "api_token") & (AuditEvent.entity_id == str(row["id"])))
        .order_by(AuditEvent.id)
    )
    assert [(e["action"], e["actor_label"]) for e in events] == [
        ("create", email),
        ("revoke", email),
    ]


async def test_a_user_cannot_issue_a_token_for_someone_else_through_the_service(client):
    from civicfutures.auth.accounts import actor_for_user
    from civicfutures.errors import Forbidden

    me = await _user("me@example.org")
    other = await _user("other@example.org")
    actor = await actor_for_user(me)
    with pytest.raises(Forbidden):
        await issue_token(other, 7, "", actor)
    with pytest.raises(Forbidden):
        await issue_token("other@example.org", 7, "", actor)
    assert not await ApiToken.exists()


@pytest.mark.parametrize("lang", ["pl", "ar"])
async def test_token_pages_speak_the_page_language(client, sign_in, lang):
    await sign_in("admin", lang=lang)
    owner = await _user("owner@example.org")
    answer = await _post(
        client,
        f"/{lang}/admin/tokens",
        f"/{lang}/admin/tokens",
        {"user": str(owner), "expires_days": "0"},
    )
    assert answer.status_code == 422
    assert f'<html lang="{lang}"' in answer.text
    assert "Choose between 1 and" not in answer.text
