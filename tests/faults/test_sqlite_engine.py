"""The SQLite engine under concurrency: transactions never interleave, cancellations leave
nothing open, long reads leave the event loop, and waits end in "database is locked"."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from civicfutures.db.lifecycle import engine
from civicfutures.db.sqlite_engine import SharedConnectionSQLiteEngine
from civicfutures.db.tables import Project
from civicfutures.db.transactions import write_transaction
from civicfutures.settings import get_settings

pytestmark = pytest.mark.faults


@pytest.fixture
def db(engine_name: str) -> SharedConnectionSQLiteEngine:
    if engine_name != "sqlite":
        pytest.skip("the SQLite engine's own behaviour")
    return engine()


async def _project(slug: str) -> None:
    await Project.insert(Project(slug=slug, name=slug))


async def test_concurrent_transactions_never_see_each_others_uncommitted_rows(db):
    """Two requests at once: the second waits for the first instead of joining its transaction."""
    seen: list[int] = []

    async def failing_write() -> None:
        with pytest.raises(RuntimeError):
            async with write_transaction():
                await _project("rolled-back")
                await asyncio.sleep(0.05)  # another request runs meanwhile
                raise RuntimeError("the request fails")

    async def reader_in_transaction() -> None:
        await asyncio.sleep(0.01)
        async with write_transaction():
            seen.append(await Project.count().where(Project.slug == "rolled-back"))

    await asyncio.gather(failing_write(), reader_in_transaction(), _project("outside"))
    assert seen == [0]
    assert await Project.count().where(Project.slug == "rolled-back") == 0
    assert await Project.count().where(Project.slug == "outside") == 1


async def test_a_cancelled_request_leaves_no_transaction_open(db):
    async def slow_write() -> None:
        async with write_transaction():
            await _project("cancelled")
            await asyncio.sleep(10)

    task = asyncio.create_task(slow_write())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with write_transaction():
        await _project("after")
    assert await Project.count().where(Project.slug == "cancelled") == 0
    assert not db.lanes().writer.raw.in_transaction


async def test_a_long_read_runs_off_the_event_loop(db):
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)
    before = ticks
    # A recursive count to three million: far beyond the inline budget.
    rows = await db.run_ddl(
        "SELECT COUNT(*) AS n FROM (WITH RECURSIVE c(x) AS "
        "(SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT x FROM c)"
    )
    during = ticks - before
    beat.cancel()
    assert rows == [{"n": 3_000_000}]
    # Run inline, the read would have let the heartbeat beat once at most.
    assert during > 5, "the loop was blocked while the read ran"


async def test_a_write_waits_for_a_foreign_lock_then_reports_it_locked(db, monkeypatch):
    monkeypatch.setattr(db, "wait_s", 0.3)
    other = sqlite3.connect(get_settings().sqlite_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            async with write_transaction():
                await _project("blocked")
        # Reads do not wait for writers: this one is answered while the lock is still held.
        assert await Project.count() >= 0
        assert other.in_transaction
    finally:
        other.rollback()
        other.close()
    assert await Project.count().where(Project.slug == "blocked") == 0
    async with write_transaction():
        await _project("unblocked")
    assert await Project.count().where(Project.slug == "unblocked") == 1


async def test_a_bulk_write_runs_off_the_loop_and_a_cancelled_one_leaves_nothing(db):
    from piccolo.querystring import QueryString

    rows = 400  # 800 bound values: past the bulk threshold
    values = ", ".join(["({}, {}, 'en', 5, '[]', CURRENT_TIMESTAMP)"] * rows)
    arguments = [value for n in range(rows) for value in (f"bulk-{n}", f"Bulk {n}")]
    insert = QueryString(
        "INSERT INTO project (slug, name, default_language, disclosure_threshold, "
        f"demographics, created_at) VALUES {values}",
        *arguments,
    )

    async def bulk(then_wait: bool) -> None:
        async with write_transaction():
            await db.run_querystring(insert)
            if then_wait:
                await asyncio.sleep(10)

    task = asyncio.create_task(bulk(then_wait=True))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await Project.count().where(Project.slug.like("bulk-%")) == 0
    await bulk(then_wait=False)
    assert await Project.count().where(Project.slug.like("bulk-%")) == rows
