"""The server killed (SIGKILL) in the middle of an import: nothing is left, and it runs again."""

import asyncio
import csv
import io
import os
import signal
import sqlite3
import threading
import time

import asyncpg
import httpx
import pytest

from faults.support import Seed, Served, environment, serve

pytestmark = pytest.mark.faults

STORIES = 10_000
THEMES = ("youth_disengagement", "distrust_of_institutions", "digital_participation_gap")


def _spreadsheet() -> bytes:
    """A CSV of many short stories for Gdańsk, told at ten new workshops."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["Site", "Workshop date", "Workshop type", "Storyteller code", "age_band",
         "Consent version", "Consent scopes", "Story type", "Horizon year", "Story language",
         "Title", "Story", "Themes"]
    )  # fmt: skip
    for n in range(STORIES):
        writer.writerow(
            ["gdansk", f"2026-02-{1 + n % 10:02d}", "storytelling", f"KILL-{n // 3:05d}",
             "16-24", "2025-01", "research; quote", "present", "", "pl", f"Import {n}",
             f"Opowieść numer {n}: brakuje miejsca dla młodych w dzielnicy.",
             f"{THEMES[n % 3]}; {THEMES[(n + 1) % 3]}"]
        )  # fmt: skip
    return out.getvalue().encode()


def _counts(database_url: str) -> dict[str, int]:
    tables = ("story", "workshop", "storyteller", "coding", "idempotency_key", "audit_event")
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            return {
                t: connection.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables
            }

    async def count() -> dict[str, int]:
        connection = await asyncpg.connect(database_url)
        try:
            return {t: await connection.fetchval(f"SELECT COUNT(*) FROM {t}") for t in tables}
        finally:
            await connection.close()

    return asyncio.run(count())


def _wal_size(database_url: str) -> int:
    wal = database_url.removeprefix("sqlite:///") + "-wal"
    return os.path.getsize(wal) if os.path.exists(wal) else 0


def _writing_rows(database_url: str, wal_at_start: int) -> bool:
    """True once the import's transaction has written rows it has not committed yet.

    SQLite: the transaction outgrew SQLite's page cache and spilled into the WAL.
    PostgreSQL: the session holding the import's advisory lock has a transaction id, which a
    transaction gets with its first written row.
    """
    if database_url.startswith("sqlite:///"):
        return _wal_size(database_url) > wal_at_start + 1024 * 1024

    async def written() -> bool:
        connection = await asyncpg.connect(database_url)
        try:
            return bool(
                await connection.fetchval(
                    "SELECT COUNT(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted AND a.backend_xid IS NOT NULL"
                )
            )
        finally:
            await connection.close()

    return asyncio.run(written())


def _upload(served: Served, data: bytes, key: str) -> httpx.Response:
    return httpx.post(
        f"{served.url}/api/v1/imports",
        params={"project": "euarenas-futures", "site": "gdansk", "filename": "stories.csv"},
        content=data,
        headers={**served.auth, "Content-Type": "text/csv", "Idempotency-Key": key},
        timeout=120,
    )


def test_an_import_killed_midway_leaves_nothing_and_runs_again(fault_database: Seed, tmp_path):
    data = _spreadsheet()
    env = environment(fault_database.url, tmp_path)
    # The commit runs within the request, as imports under the synchronous limit do; a large
    # import's job is killed and run again in tests/jobs/test_import_job_runs.py.
    env["CIVICFUTURES_IMPORT_SYNC_LIMIT"] = str(10**6)
    before = _counts(fault_database.url)
    with serve(fault_database.url, tmp_path, fault_database.token, env) as served:
        outcome: list[object] = []
        upload = threading.Thread(
            target=lambda: outcome.append(_try_upload(served, data)), daemon=True
        )
        wal_at_start = _wal_size(fault_database.url)
        upload.start()
        deadline = time.monotonic() + 60
        while not _writing_rows(fault_database.url, wal_at_start):
            assert upload.is_alive(), f"the import ended before it was caught writing: {outcome}"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.005)
        os.killpg(served.process.pid, signal.SIGKILL)
        served.process.wait(timeout=10)
        upload.join(timeout=30)
    assert outcome and not isinstance(outcome[0], httpx.Response), "the import was answered"
    assert _counts(fault_database.url) == before, "the killed import left rows behind"

    with serve(fault_database.url, tmp_path, fault_database.token, env) as served:
        again = _upload(served, data, key="kill-import")
        assert again.status_code == 201, again.text[:500]
        assert again.json()["created"]["stories"] == STORIES
        once_more = _upload(served, data, key="kill-import-2")
        assert once_more.status_code == 201
        assert once_more.json()["created"]["stories"] == 0
    assert _counts(fault_database.url)["story"] == before["story"] + STORIES


def _try_upload(served: Served, data: bytes) -> object:
    try:
        return _upload(served, data, key="kill-import")
    except httpx.HTTPError as error:
        return error
