"""Who may read and write what: tokens, partners' sites, read-only roles, protections."""

import datetime as dt

import pytest

from builders import story_body
from civicfutures.auth.accounts import (
    create_token,
    remove_membership,
    revoke_token,
    set_active,
)
from civicfutures.auth.actor import SYSTEM
from civicfutures.db.tables import ApiToken, AuditEvent, Membership, Story, User


@pytest.fixture
async def stories(client, admin, world) -> dict:
    """One story per site."""
    return {
        site: (
            await client.post("/api/v1/stories", json=story_body(world, site), headers=admin)
        ).json()
        for site in ("gdansk", "voru")
    }


async def test_anonymous_api_calls_get_401(client, world):
    for path in ("/api/v1/stories", "/api/v1/projects", "/api/v1/sites", "/api/v1/storytellers"):
        response = await client.get(path)
        assert response.status_code == 401, path
        assert response.json()["status_code"] == 401
    assert (await client.post("/api/v1/stories", json=story_body(world))).status_code == 401
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/schema/openapi.json")).status_code == 200


async def test_unknown_expired_and_revoked_tokens_get_401(client, admin, token_for):
    assert (
        await client.get("/api/v1/projects", headers={"Authorization": "Bearer cf_nope"})
    ).status_code == 401
    headers = await token_for("researcher")
    token = headers["Authorization"].split()[1]
    assert (await client.get("/api/v1/projects", headers=headers)).status_code == 200
    assert await revoke_token(token)
    assert (await client.get("/api/v1/projects", headers=headers)).status_code == 401
    email = (await User.select(User.email).where(User.email.like("researcher%")).first())["email"]
    expiring = await create_token(email, expires_days=1)
    await ApiToken.update(
        {ApiToken.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
    ).where(ApiToken.revoked_at.is_null())
    assert (
        await client.get("/api/v1/projects", headers={"Authorization": f"Bearer {expiring}"})
    ).status_code == 401


async def test_deactivation_and_role_changes_apply_to_a_token_at_once(client, token_for):
    """Tokens are cached for a few seconds; changes made through the platform empty the cache."""
    headers = await token_for("researcher")
    assert (await client.get("/api/v1/projects", headers=headers)).status_code == 200
    user = await User.select(User.id).where(User.email.like("researcher%")).first()
    await set_active(SYSTEM, user["id"], False)
    assert (await client.get("/api/v1/projects", headers=headers)).status_code == 401
    await set_active(SYSTEM, user["id"], True)
    assert (await client.get("/api/v1/projects", headers=headers)).status_code == 200
    membership = await Membership.select(Membership.id).where(Membership.user == user["id"]).first()
    await remove_membership(SYSTEM, membership["id"])
    assert (await client.get("/api/v1/projects", headers=headers)).status_code == 403


async def test_tokens_are_stored_hashed(token_for):
    headers = await token_for("researcher")
    token = headers["Authorization"].split()[1]
    stored = await ApiToken.select(ApiToken.token_hash).first()
    assert token not in stored["token_hash"] and len(stored["token_hash"]) == 64


async def test_partner_sees_and_changes_only_its_own_site(client, token_for, world, stories):
    partner = await token_for("partner", "gdansk")
    own, other = stories["gdansk"], stories["voru"]

    listing = (await client.get("/api/v1/stories", headers=partner)).json()
    assert [item["id"] for item in listing["items"]] == [own["id"]]
    assert listing["total"] == 1
    assert (await client.get("/api/v1/stories?site=voru", headers=partner)).json()["total"] == 0
    assert (await client.get("/api/v1/stories?country=EE", headers=partner)).json()["total"] == 0
    assert [s["slug"] for s in (await client.get("/api/v1/sites", headers=partner)).json()] == [
        "gdansk"
    ]

    assert (await client.get(f"/api/v1/stories/{own['id']}", headers=partner)).status_code == 200
    hidden = await client.get(f"/api/v1/stories/{other['id']}", headers=partner)
    assert hidden.status_code == 404
    assert "voru" not in hidden.text and "Võru" not in hidden.text
    assert (await client.get("/api/v1/sites/voru", headers=partner)).status_code == 404
    voru_teller = world["storytellers"]["voru"][0]["id"]
    assert (
        await client.get(f"/api/v1/storytellers/{voru_teller}", headers=partner)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/workshops/{world['workshops']['voru']['id']}", headers=partner)
    ).status_code == 404

    patch = await client.patch(
        f"/api/v1/stories/{other['id']}", json={"title": "x"}, headers={**partner, "If-Match": "1"}
    )
    assert patch.status_code == 404
    into_other = await client.post(
        "/api/v1/stories", json=story_body(world, "voru"), headers=partner
    )
    assert into_other.status_code == 404
    assert (
        await client.delete(f"/api/v1/storytellers/{voru_teller}", headers=partner)
    ).status_code == 404
    withdraw = await client.patch(
        f"/api/v1/storytellers/{voru_teller}",
        json={"consent": {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": []}},
        headers=partner,
    )
    assert withdraw.status_code == 404
    assert await Story.count() == 2

    mine = await client.post(
        "/api/v1/stories", json=story_body(world, "gdansk", title="Moja"), headers=partner
    )
    assert mine.status_code == 201


@pytest.mark.parametrize("role", ["researcher", "author"])
async def test_readers_read_across_sites_and_cannot_write(client, token_for, world, stories, role):
    headers = await token_for(role)
    assert (await client.get("/api/v1/stories", headers=headers)).json()["total"] == 2
    assert (
        await client.get(f"/api/v1/stories/{stories['voru']['id']}", headers=headers)
    ).status_code == 200
    assert (
        await client.post("/api/v1/stories", json=story_body(world), headers=headers)
    ).status_code == 403
    patch = await client.patch(
        f"/api/v1/stories/{stories['voru']['id']}",
        json={"title": "x"},
        headers={**headers, "If-Match": "1"},
    )
    assert patch.status_code == 403
    teller = world["storytellers"]["voru"][0]["id"]
    assert (
        await client.delete(f"/api/v1/storytellers/{teller}", headers=headers)
    ).status_code == 403
    assert (await client.get("/api/v1/audit", headers=headers)).status_code == 403


async def test_only_admins_set_up_projects(client, token_for, world):
    partner = await token_for("partner", "gdansk")
    response = await client.post(
        "/api/v1/sites",
        json={"project": "futures", "slug": "x", "name": "X", "country": "PL", "languages": ["pl"]},
        headers=partner,
    )
    assert response.status_code == 403


async def test_security_headers_on_every_answer(client, admin):
    for path, headers in (
        ("/health", {}),
        ("/api/v1/projects", admin),
        ("/api/v1/nothing-here", admin),
    ):
        response = await client.get(path, headers=headers)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        csp = response.headers["content-security-policy"]
        assert (
            "frame-ancestors 'none'" in csp
            and "script-src 'self'" in csp
            and "unsafe-inline" not in csp
        )


async def test_no_stack_trace_reaches_a_client(client, admin):
    response = await client.get("/api/v1/stories/99999999999999999999", headers=admin)
    assert response.status_code in (400, 404)
    assert "Traceback" not in response.text


async def test_audit_log_is_append_only(client, admin, world):
    assert await AuditEvent.count() > 0
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.update({AuditEvent.action: "forged"}).where(AuditEvent.id > 0)
    assert not await AuditEvent.exists().where(AuditEvent.action == "forged")


async def test_subject_access_export_holds_everything_under_a_code(client, admin, world, stories):
    response = await client.get(
        "/api/v1/subject-access?project=futures&code=GDANSK-1", headers=admin
    )
    assert response.status_code == 200, response.text
    export = response.json()
    assert export["storyteller"]["code"] == "GDANSK-1"
    assert [s["id"] for s in export["stories"]] == [stories["gdansk"]["id"]]
    assert export["stories"][0]["translations"][0]["language"] == "en"
    assert [e["action"] for e in export["audit_events"]] == ["create"]
