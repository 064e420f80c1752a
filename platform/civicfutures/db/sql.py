"""Plain SQL through the platform's engine, for the hot paths.

Piccolo builds every query anew (columns, joins, parameters), which costs more CPU than SQLite
takes to run it: story intake spent three quarters of its time in the query builder. The
tables layer writes those few statements in SQL instead, with PostgreSQL's numbered
parameters (`$1`, `$2`, ...; SQLite reads them as `?1`, `?2`, ...). They run in the current
transaction when there is one, exactly like Piccolo's queries, and return rows as mappings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from civicfutures.db.lifecycle import engine


async def fetch(sql: str, *args: Any) -> Sequence[Mapping[str, Any]]:
    """Run one statement; its rows (empty for a statement without RETURNING)."""
    return await engine().run_sql(sql, args)


async def fetch_one(sql: str, *args: Any) -> Mapping[str, Any] | None:
    """The first row of one statement, or None."""
    rows = await engine().run_sql(sql, args)
    return rows[0] if rows else None


def placeholders(count: int, start: int = 1) -> str:
    """`$1, $2, ..., $count` (from `start`): the parameters of an IN list or a VALUES row."""
    return ", ".join(f"${number}" for number in range(start, start + count))


def values_rows(rows: int, width: int, start: int = 1) -> str:
    """`($1, $2), ($3, $4)`: the VALUES of a multi-row INSERT of `rows` rows of `width`."""
    return ", ".join(f"({placeholders(width, start + row * width)})" for row in range(rows))
