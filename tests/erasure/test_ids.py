"""An erased storyteller's id is never given to the next one (SQLite reused the largest id)."""

from __future__ import annotations

from builders import story_body


def _teller(code: str) -> dict:
    return {
        "site": "gdansk",
        "code": code,
        "consent": {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": ["research"]},
    }


async def test_ids_of_erased_storytellers_and_stories_are_not_reused(client, admin, world):
    from civicfutures.db.tables import AuditEvent

    first = await client.post("/api/v1/storytellers", json=_teller("GDANSK-A"), headers=admin)
    assert first.status_code == 201
    story = await client.post(
        "/api/v1/stories",
        json=story_body(world, storytellers=[first.json()["id"]]),
        headers=admin,
    )
    assert story.status_code == 201
    erased = await client.delete(f"/api/v1/storytellers/{first.json()['id']}", headers=admin)
    assert erased.status_code == 204

    second = await client.post("/api/v1/storytellers", json=_teller("GDANSK-B"), headers=admin)
    assert second.status_code == 201
    assert second.json()["id"] > first.json()["id"]
    next_story = await client.post(
        "/api/v1/stories",
        json=story_body(world, storytellers=[second.json()["id"]]),
        headers=admin,
    )
    assert next_story.json()["id"] > story.json()["id"]
    events = await AuditEvent.select(AuditEvent.action).where(
        (AuditEvent.entity == "storyteller") & (AuditEvent.entity_id == str(first.json()["id"]))
    )
    assert sorted(e["action"] for e in events) == ["create", "erase"]


async def test_every_id_comes_from_a_counter_that_never_goes_back(engine_name, client):
    """SQLite: AUTOINCREMENT on every table; PostgreSQL: a sequence behind every id. Jobs
    are the exception: their ids are random (96 bits), never counted, so never given twice."""
    from piccolo.columns import Varchar

    from civicfutures.db.lifecycle import engine
    from civicfutures.db.piccolo_app import APP_CONFIG

    random_ids = sorted(
        table._meta.tablename
        for table in APP_CONFIG.table_classes
        if isinstance(table._meta.primary_key, Varchar)
    )
    assert random_ids == ["job"]
    names = sorted(
        table._meta.tablename
        for table in APP_CONFIG.table_classes
        if table._meta.tablename not in random_ids
    )
    if engine_name == "sqlite":
        rows = await engine().run_ddl("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        counted = {r["name"] for r in rows if "AUTOINCREMENT" in r["sql"].upper()}
    else:
        rows = await engine().run_ddl(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'id' "
            "AND table_schema = 'public' AND column_default LIKE 'nextval(%'"
        )
        counted = {r["table_name"] for r in rows}
    assert [name for name in names if name not in counted] == []
