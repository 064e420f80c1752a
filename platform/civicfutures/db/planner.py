"""The planner's statistics, refreshed after a bulk write rather than left to chance.

Both engines choose a plan from table statistics: PostgreSQL's autovacuum refreshes them only
after a delay and a share of changed rows, SQLite never by itself. Right after an import of
many rows the old statistics describe an almost empty table, and the planner picks plans made
for one (a ranked search for one story took seconds instead of milliseconds on 100,000 freshly
imported stories). A bulk writer calls `refresh` after its commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from civicfutures.db.lifecycle import engine
from civicfutures.db.sql import fetch

# Rows a write must add before refreshing is worth its cost (a sampled pass over each table).
REFRESH_AFTER_ROWS = 1_000
# SQLite reads at most this many rows per index, as `PRAGMA optimize` does: enough for the plan.
SQLITE_ANALYSIS_LIMIT = 1_000


async def refresh(tables: Iterable[str]) -> None:
    """Bring the statistics of `tables` up to date (names are the platform's own, never input)."""
    names = sorted(set(tables))
    if not names:
        return
    if engine().engine_type == "sqlite":
        await fetch(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
        for name in names:
            await fetch(f'ANALYZE "{name}"')
        return
    await fetch("ANALYZE " + ", ".join(f'"{name}"' for name in names))
