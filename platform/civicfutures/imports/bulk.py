"""Many rows in few statements, inside the caller's `write_transaction()`.

An import writes up to a few hundred thousand rows; one ORM save per row takes minutes, and
Piccolo's query builder spends most of its time assembling each of 26,000 parameters of a large
statement. Rows go instead as multi-row `INSERT ... VALUES` of at most 2,000 rows (fewer when a
row is wide, so no statement exceeds the engines' limits on bound parameters), written in the
engine's own placeholder style and handed to the engine as an already-compiled (frozen) Piccolo
query: whatever engine is configured runs it on the transaction's connection as usual.

On PostgreSQL the rows travel as one array per column through `unnest`, so a statement has a
dozen parameters whatever its length (a VALUES list of thousands of placeholders is slow for
PostgreSQL to parse and plan).

New ids come back with `RETURNING id`. Both engines assign a serial id per row in the order
rows are inserted (SQLite's next rowid; PostgreSQL's sequence, advancing row by row, with the
rows ordered by their position in the arrays), while the order of the returned rows is not
promised; the ids are therefore sorted, which puts them back in the order given. Values are passed as the drivers expect them: JSON already encoded as
text, dates and times as Python objects (Piccolo's SQLite adapters store them as it does).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

from piccolo.querystring import QueryString
from piccolo.table import Table

from civicfutures.db.lifecycle import engine

ROWS_PER_STATEMENT = 2_000
# SQLite allows 32,766 bound parameters since 3.32, PostgreSQL's protocol 32,767.
MAX_PARAMETERS = 32_000
ARRAY_ROWS = 200_000


def compiled(sql: str, arguments: list[Any]) -> QueryString:
    """A Piccolo query whose SQL and arguments are final (placeholders in the engine's style)."""
    query = QueryString(sql)
    query._frozen_compiled_strings = (sql, arguments)
    return query


async def run(sql: str, arguments: list[Any]) -> list[Any]:
    """Run one statement inside the current transaction; refuse to run outside one."""
    db = engine()
    if db.current_transaction.get() is None:
        raise RuntimeError("bulk writes run inside write_transaction()")
    return await db.run_querystring(compiled(sql, arguments))


def is_sqlite() -> bool:
    return engine().engine_type == "sqlite"


async def insert_rows(
    table: type[Table],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool = False,
) -> list[int]:
    """Insert rows; with `returning`, their new ids in the order of `rows`."""
    if not rows:
        return []
    sqlite = is_sqlite()
    width = len(columns)
    # On PostgreSQL a statement has one parameter per column whatever its length: one
    # set-based INSERT per table (up to ARRAY_ROWS rows) instead of many small ones.
    per_statement = (
        max(1, min(ROWS_PER_STATEMENT, MAX_PARAMETERS // width)) if sqlite else ARRAY_ROWS
    )
    names = ", ".join(f'"{name}"' for name in columns)
    target = f'INSERT INTO "{table._meta.tablename}" ({names})'
    suffix = ' RETURNING "id"' if returning else ""
    ids: list[int] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        if sqlite:
            group = "(" + ", ".join("?" * width) + ")"
            sql = f"{target} VALUES {', '.join([group] * len(chunk))}{suffix}"
            arguments = list(chain.from_iterable(chunk))
        else:
            # One array per column: a statement of a dozen parameters, which PostgreSQL parses
            # and plans at once, rather than a VALUES list of 26,000 placeholders.
            arrays = ", ".join(
                f"${i + 1}::{table._meta.get_column_by_name(name).column_type}[]"
                for i, name in enumerate(columns)
            )
            sql = (
                f"{target} SELECT {names} FROM unnest({arrays}) WITH ORDINALITY"
                f' AS given({names}, "given_order") ORDER BY "given_order"{suffix}'
            )
            arguments = [list(column) for column in zip(*chunk, strict=True)]
        answer = await run(sql, arguments)
        if returning:
            ids.extend(row["id"] for row in answer)
    if returning:
        if len(ids) != len(rows):  # pragma: no cover - a driver answering short is a bug
            raise RuntimeError(f"inserted {len(rows)} rows, got {len(ids)} ids")
        ids.sort()
    return ids


async def lock_for_import(project_id: int) -> None:
    """Serialise imports into one project on PostgreSQL (SQLite's BEGIN IMMEDIATE already does)."""
    if not is_sqlite():
        await run(
            "SELECT pg_advisory_xact_lock(hashtext($1))", [f"civicfutures.import:{project_id}"]
        )
