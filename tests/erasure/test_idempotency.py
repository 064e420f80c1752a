"""Idempotency records hold references, never answers; a replay reads the resource anew.

Before, the record kept the whole first answer: a retry after the storyteller's erasure
answered 201 with the erased story's text, and the text stayed in the table.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from builders import story_body
from erasure.conftest import BODY, CODE, STORY_KEY


async def _records() -> list[dict]:
    from civicfutures.db.tables import IdempotencyKey

    return await IdempotencyKey.select().order_by(IdempotencyKey.id)


async def test_the_record_holds_a_reference_and_a_digest_only(client, admin, teller):
    (record,) = await _records()
    assert set(record) == {
        "id",
        "scope",
        "key",
        "fingerprint",
        "status_code",
        "resource_type",
        "resource_id",
        "answer_sha256",
        "created_at",
    }
    assert (record["resource_type"], record["resource_id"]) == (
        "story",
        str(teller["story"]["id"]),
    )
    assert record["status_code"] == 201 and record["key"] == STORY_KEY
    assert not [v for v in record.values() if isinstance(v, str) and ("Zefirek" in v or CODE in v)]


async def test_a_replay_answers_the_resource_as_it_is_now(client, admin, teller):
    headers = {**admin, "Idempotency-Key": STORY_KEY}
    same = await client.post("/api/v1/stories", json=teller["story_request"], headers=headers)
    assert same.status_code == 201 and same.headers["idempotent-replayed"] == "true"
    assert same.json() == teller["story"]
    (record,) = await _records()
    assert record["answer_sha256"] == hashlib.sha256(same.content).hexdigest()

    edited = await client.patch(
        f"/api/v1/stories/{teller['story']['id']}",
        json={"title": "Tramwaj wrócił"},
        headers={**admin, "If-Match": '"1"'},
    )
    assert edited.status_code == 200, edited.text
    again = await client.post("/api/v1/stories", json=teller["story_request"], headers=headers)
    assert again.status_code == 201
    assert again.json() == edited.json()
    assert again.json()["title"] == "Tramwaj wrócił"

    from civicfutures.db.tables import Story

    assert await Story.count().where(Story.body == BODY) == 1


async def test_a_replay_after_erasure_is_gone(client, admin, teller):
    erased = await client.delete(
        f"/api/v1/storytellers/{teller['storyteller']['id']}", headers=admin
    )
    assert erased.status_code == 204
    replay = await client.post(
        "/api/v1/stories",
        json=teller["story_request"],
        headers={**admin, "Idempotency-Key": STORY_KEY, "Accept-Language": "uk"},
    )
    assert replay.status_code == 410, replay.text
    assert "Zefirek" not in replay.text and CODE not in replay.text
    assert "відкликано або стерто" in replay.json()["detail"]
    assert replay.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_a_replay_after_withdrawal_is_gone(client, admin, world):
    teller = world["storytellers"]["gdansk"][1]
    key = {**admin, "Idempotency-Key": "teller-then-withdraw"}
    body = {
        "site": "gdansk",
        "code": "GDANSK-LATE",
        "consent": {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": ["research"]},
    }
    created = await client.post("/api/v1/storytellers", json=body, headers=key)
    assert created.status_code == 201
    story = story_body(world, storytellers=[teller["id"], created.json()["id"]])
    story_key = {**admin, "Idempotency-Key": "group-story"}
    assert (await client.post("/api/v1/stories", json=story, headers=story_key)).status_code == 201
    withdrawal = {"consent": {**body["consent"], "scopes": []}}
    response = await client.patch(
        f"/api/v1/storytellers/{created.json()['id']}", json=withdrawal, headers=admin
    )
    assert response.status_code == 200
    assert (await client.post("/api/v1/storytellers", json=body, headers=key)).status_code == 410
    assert (await client.post("/api/v1/stories", json=story, headers=story_key)).status_code == 410


async def test_an_expired_key_is_forgotten_and_runs_as_new(client, admin, world, monkeypatch):
    from civicfutures.db.tables import IdempotencyKey, Story
    from civicfutures.settings import get_settings

    monkeypatch.setenv("CIVICFUTURES_IDEMPOTENCY_TTL_HOURS", "2")
    get_settings.cache_clear()
    try:
        headers = {**admin, "Idempotency-Key": "old-key"}
        first = await client.post("/api/v1/stories", json=story_body(world), headers=headers)
        assert first.status_code == 201
        stale = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
        await IdempotencyKey.update({IdempotencyKey.created_at: stale}).where(
            IdempotencyKey.key == "old-key"
        )
        other = {**admin, "Idempotency-Key": "other-key"}
        assert (
            await client.post("/api/v1/stories", json=story_body(world), headers=other)
        ).status_code == 201
        # Writing the other key deleted the expired one.
        assert [r["key"] for r in await _records()] == ["other-key"]
        again = await client.post("/api/v1/stories", json=story_body(world), headers=headers)
        assert again.status_code == 201
        assert "idempotent-replayed" not in again.headers
        assert again.json()["id"] > first.json()["id"]
        assert await Story.count() == 3
        assert sorted(r["key"] for r in await _records()) == ["old-key", "other-key"]
    finally:
        monkeypatch.delenv("CIVICFUTURES_IDEMPOTENCY_TTL_HOURS")
        get_settings.cache_clear()


async def test_the_default_lifetime_is_a_day(monkeypatch):
    from civicfutures.settings import Settings

    monkeypatch.delenv("CIVICFUTURES_IDEMPOTENCY_TTL_HOURS", raising=False)
    assert Settings().idempotency_ttl_hours == 24
