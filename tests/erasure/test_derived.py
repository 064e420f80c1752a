"""Withdrawal and erasure reach briefings, snapshots and exports built before them.

Each test here failed on the code before: a briefing built before a withdrawal kept being
listed and served with the storyteller's quote, even after their erasure, and the snapshot
and export files under the exports directory kept their words.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import polars as pl

from erasure.conftest import BODY, CODE, NEEDLES, STORY_KEY, build_briefing

WITHDRAWAL = {"consent": {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": []}}


def _exports_dir() -> Path:
    from civicfutures.settings import get_settings

    return Path(get_settings().exports_dir)


def _snapshot_ids(project: str = "futures") -> set[str]:
    root = _exports_dir() / "snapshots"
    found = set()
    for path in root.iterdir() if root.is_dir() else []:
        manifest = path / "manifest.json"
        if manifest.exists() and json.loads(manifest.read_text())["project"] == project:
            found.add(path.name)
    return found


def _holding(storyteller_id: int) -> set[str]:
    """The snapshots on disk holding this storyteller."""
    from civicfutures.analysis.snapshot import storyteller_ids

    root = _exports_dir() / "snapshots"
    return {name for name in _snapshot_ids() if storyteller_id in storyteller_ids(root / name)}


async def _export_now():
    """An export written to its work area and not yet fetched (a download under way)."""
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.exports.request import ExportRequest
    from civicfutures.exports.service import ExportService

    return await ExportService().export(
        SYSTEM,
        ExportRequest(kind="stories", project="futures", format="xlsx", include_codes=True),
    )


async def test_a_briefing_with_the_quote_is_withdrawn_when_its_storyteller_withdraws(
    client, admin, teller, sign_in
):
    built = await build_briefing(client, admin)
    other = await build_briefing(client, admin, site="voru")
    quote = BODY[: BODY.index(".") + 1]
    data = await client.get(f"/api/v1/briefings/{built['id']}/files/briefing.json", headers=admin)
    quotes = data.json()["tables"]["quotes"]
    text_column = [c["key"] for c in quotes["columns"]].index("text")
    assert [row[text_column] for row in quotes["rows"]] == [quote]

    withdrawn = await client.patch(
        f"/api/v1/storytellers/{teller['storyteller']['id']}", json=WITHDRAWAL, headers=admin
    )
    assert withdrawn.status_code == 200, withdrawn.text

    gone = await client.get(
        f"/api/v1/briefings/{built['id']}", headers={**admin, "Accept-Language": "pl"}
    )
    assert gone.status_code == 410
    assert gone.headers["content-type"].startswith("application/json")
    assert "wycofany" in gone.json()["detail"]
    for name in ("briefing.json", "briefing.html", "manifest.json"):
        file = await client.get(f"/api/v1/briefings/{built['id']}/files/{name}", headers=admin)
        assert file.status_code == 410, name
        assert quote not in file.text
    listed = [b["id"] for b in (await client.get("/api/v1/briefings", headers=admin)).json()]
    assert built["id"] not in listed and other["id"] in listed
    assert not (_exports_dir() / "briefings" / built["id"]).exists()
    # The job stays known, without content: that it was built, and that it was withdrawn.
    status = json.loads((_exports_dir() / "briefings" / f"{built['id']}.status.json").read_text())
    assert status["status"] == "withdrawn" and status["withdrawn_at"]
    assert status["storytellers"] == []
    # The Võru briefing never drew on a Gdańsk storyteller: it stays.
    kept = await client.get(f"/api/v1/briefings/{other['id']}", headers=admin)
    assert kept.status_code == 200 and kept.json()["status"] == "ready"

    await sign_in("author", lang="pl")
    page = await client.get(f"/pl/briefings/{built['id']}")
    assert page.status_code == 410
    assert page.headers["content-type"].startswith("text/html")
    assert "wycofany" in page.text and quote not in page.text
    download = await client.get(f"/pl/briefings/{built['id']}/files/briefing.html")
    assert download.status_code == 410 and quote not in download.text
    listing = await client.get("/pl/briefings")
    assert built["id"] not in listing.text and other["id"] in listing.text

    again = await build_briefing(client, admin)
    assert again["id"] != built["id"]
    data = await client.get(f"/api/v1/briefings/{again['id']}/files/briefing.json", headers=admin)
    assert data.json()["tables"]["quotes"]["rows"] == []


async def test_a_withdrawal_deletes_the_snapshots_and_exports_holding_the_storyteller(
    client, admin, teller
):
    await build_briefing(client, admin)
    export = await _export_now()
    assert export.path.exists()
    holding = _holding(teller["storyteller"]["id"])
    assert holding

    withdrawn = await client.patch(
        f"/api/v1/storytellers/{teller['storyteller']['id']}", json=WITHDRAWAL, headers=admin
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert not export.work.exists()
    assert not _holding(teller["storyteller"]["id"])
    assert not (_snapshot_ids() & holding)

    from civicfutures.db.tables import AuditEvent

    event = (
        await AuditEvent.select(AuditEvent.entity_id, AuditEvent.detail)
        .where(AuditEvent.action == "withdraw_derived")
        .output(load_json=True)
        .first()
    )
    assert event["entity_id"] == str(teller["storyteller"]["id"])
    assert holding <= set(event["detail"]["snapshots"])
    assert event["detail"]["exports"] >= 1 and event["detail"]["briefings"]


async def test_a_project_keeps_its_two_newest_snapshots(client, admin, world):
    from builders import story_body
    from civicfutures.analysis.service import AnalysisService

    written = []
    for n in range(4):
        body = story_body(world, body=f"Historia numer {n}: autobus nie przyjechał.")
        assert (await client.post("/api/v1/stories", json=body, headers=admin)).status_code == 201
        info = await AnalysisService().snapshot("futures")
        assert info.created
        written.append(info.id)
    assert _snapshot_ids() == set(written[-2:])
    # The same data again reuses the newest snapshot and writes (and prunes) nothing.
    reused = await AnalysisService().snapshot("futures")
    assert reused.id == written[-1] and not reused.created
    assert _snapshot_ids() == set(written[-2:])


def _file_texts(path: Path) -> list[bytes]:
    """A file's bytes, and what it holds decompressed where it is a zip or Parquet."""
    raw = path.read_bytes()
    texts = [raw]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            texts.extend(archive.read(name) for name in archive.namelist())
    if path.suffix == ".parquet":
        rows = pl.read_parquet(io.BytesIO(raw)).to_dicts()
        texts.append(json.dumps(rows, default=str, ensure_ascii=False).encode())
    return texts


def _exports_hits() -> list[str]:
    hits = []
    for path in sorted(_exports_dir().rglob("*")):
        if not path.is_file():
            continue
        for text in _file_texts(path):
            hits.extend(f"{path}: {n}" for n in NEEDLES if n.encode() in text)
    return hits


async def _database_hits() -> list[str]:
    from civicfutures.db.piccolo_app import APP_CONFIG

    hits = []
    for table in APP_CONFIG.table_classes:
        for row in await table.select():
            for column, value in row.items():
                text = value if isinstance(value, str) else json.dumps(value, default=str)
                hits.extend(
                    f"{table._meta.tablename}.{column}: {n}"
                    for n in NEEDLES
                    if n in text or n in json.dumps(text, ensure_ascii=True)
                )
    return hits


def _raw_bytes(path: Path) -> bytes:
    """The file's bytes, read by a child process.

    POSIX locks belong to a process, and closing any descriptor of a file drops all of that
    process's locks on it: opened and closed here, the database file would lose the locks of
    this process's SQLite connections. Another process closing its last connection would then
    take itself for the last, checkpoint and delete the WAL under them, and their next read
    would find the database malformed.
    """
    return subprocess.run(["cat", str(path)], check=True, capture_output=True).stdout


async def _sqlite_file_hits() -> list[str]:
    from civicfutures.db.lifecycle import engine
    from civicfutures.settings import get_settings

    db = engine()
    secure = await db.run_ddl("PRAGMA secure_delete")
    assert secure[0]["secure_delete"] == 1
    checkpoint = await db.run_ddl("PRAGMA wal_checkpoint(TRUNCATE)")
    assert checkpoint[0]["busy"] == 0
    hits = []
    base = get_settings().sqlite_path
    for path in (base, Path(f"{base}-wal"), Path(f"{base}-journal")):
        if path.exists():
            raw = _raw_bytes(path)
            hits.extend(f"{path.name}: {n}" for n in NEEDLES if n.encode() in raw)
    return hits


async def test_erasure_leaves_no_trace_in_the_database_or_the_exports(
    client, admin, teller, engine_name
):
    briefing = await build_briefing(client, admin)
    export = await _export_now()
    assert _snapshot_ids()
    # Before: the words are there, so the scans below can find them.
    assert any(CODE in hit for hit in _exports_hits())
    assert any("Zefirek" in hit for hit in _exports_hits())
    assert any(hit.startswith("story.") for hit in await _database_hits())
    if engine_name == "sqlite":
        assert await _sqlite_file_hits()

    erased = await client.delete(
        f"/api/v1/storytellers/{teller['storyteller']['id']}", headers=admin
    )
    assert erased.status_code == 204, erased.text

    assert await _database_hits() == []
    assert _exports_hits() == []
    if engine_name == "sqlite":
        assert await _sqlite_file_hits() == []
    assert not export.work.exists()
    gone = await client.get(f"/api/v1/briefings/{briefing['id']}", headers=admin)
    assert gone.status_code == 410
    replay = await client.post(
        "/api/v1/stories",
        json=teller["story_request"],
        headers={**admin, "Idempotency-Key": STORY_KEY},
    )
    assert replay.status_code == 410 and "Zefirek" not in replay.text


async def test_the_audit_log_keeps_ids_and_hashes_only(client, admin, teller):
    story_id = teller["story"]["id"]
    edited = await client.patch(
        f"/api/v1/stories/{story_id}",
        json={"title": "Tramwaj Zefirek wraca"},
        headers={**admin, "If-Match": '"1"'},
    )
    assert edited.status_code == 200, edited.text
    await build_briefing(client, admin)
    erased = await client.delete(
        f"/api/v1/storytellers/{teller['storyteller']['id']}", headers=admin
    )
    assert erased.status_code == 204

    from civicfutures.db.tables import AuditEvent

    events = await AuditEvent.select().output(load_json=True)
    assert {("update", "story"), ("erase", "storyteller"), ("build", "briefing")} <= {
        (e["action"], e["entity"]) for e in events
    }
    for event in events:
        assert re.fullmatch(r"[0-9a-f]*", event["entity_id"]), event
        for digest in (event["before_hash"], event["after_hash"]):
            assert re.fullmatch(r"([0-9a-f]{64})?", digest), event
        written = json.dumps(event, default=str, ensure_ascii=False)
        assert not [n for n in NEEDLES if n in written], event
