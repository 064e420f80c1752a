"""Plain SQL through the platform's engine, for the hot paths.

Piccolo builds every query anew (columns, joins, parameters), which costs more CPU than SQLite
takes to run it: story intake spent three quarters of its time in the query builder. The
tables layer writes those few statements in SQL instead, with PostgreSQL's numbered
parameters (`$1`, `$2`, ...; SQLite reads them as `?1`, `?2`, ...). They run in the current
transaction when there is one, exactly like Piccolo's queries, and return rows as mappings.

Writes whose effect nothing reads before the commit (child rows, the audit event, the
idempotency key) go through `write_later`: on PostgreSQL, where every statement is a round
trip to the server, a write transaction sends them together as one statement just before it
commits (`WITH w0 AS (INSERT ...), w1 AS (INSERT ...) INSERT ...`); on SQLite, which runs in
the process, they run at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
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


class _HeldBack:
    """The writes one PostgreSQL write transaction holds back; closed once it has ended."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, Sequence[Any]]] = []
        self.parameters = 0
        self.open = True


# None outside a PostgreSQL write transaction. A task started inside one copies the variable;
# once the transaction has ended, its writes run at once rather than join a closed batch.
_held_back: ContextVar[_HeldBack | None] = ContextVar("civicfutures_held_back", default=None)
# Past this many parameters the held-back writes are sent at once (PostgreSQL takes 32,767).
HELD_BACK_PARAMETERS = 4000
_NUMBERED_PARAMETER = re.compile(r"\$(\d+)")


async def write_later(sql: str, *args: Any) -> None:
    """A write that returns nothing and that nothing reads before the commit."""
    held = _held_back.get()
    if held is None or not held.open:
        await engine().run_sql(sql, args)
        return
    held.writes.append((sql, args))
    held.parameters += len(args)
    if held.parameters > HELD_BACK_PARAMETERS:
        await send_held_back()


def hold_back_writes() -> Any:
    """Start holding back `write_later` writes (a PostgreSQL write transaction's start)."""
    return _held_back.set(_HeldBack())


def stop_holding_back(token: Any) -> None:
    held = _held_back.get()
    if held is not None:
        held.open = False
    _held_back.reset(token)


def _shifted(sql: str, offset: int) -> str:
    """The statement with its parameters renumbered from `offset + 1`."""
    return _NUMBERED_PARAMETER.sub(lambda match: f"${int(match[1]) + offset}", sql)


async def send_held_back() -> None:
    """Send the held-back writes as one statement (before the commit)."""
    held = _held_back.get()
    if held is None or not held.writes:
        return
    writes, held.writes, held.parameters = held.writes, [], 0
    statements: list[str] = []
    parameters: list[Any] = []
    for sql, args in writes:
        statements.append(_shifted(sql, len(parameters)) if parameters else sql)
        parameters.extend(args)
    *first, last = statements
    combined = "".join(
        f"{'WITH' if index == 0 else ','} w{index} AS ({sql}) " for index, sql in enumerate(first)
    )
    await engine().run_sql(combined + last, parameters)
