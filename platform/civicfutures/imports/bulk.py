"""Many rows in few statements, inside the caller's `write_transaction()`.

An import writes up to a few hundred thousand rows; one ORM save per row takes minutes, and
Piccolo's query builder spends most of its time assembling each of 26,000 parameters of a large
statement.

On SQLite rows go as multi-row `INSERT ... VALUES` of at most 2,000 rows (fewer when a row is
wide, so no statement exceeds the limit on bound parameters), written in the engine's own
placeholder style and handed to the engine as an already-compiled (frozen) Piccolo query, so it
runs on the transaction's connection as usual. New ids come back with `RETURNING id`: SQLite
assigns the next rowid per row in the order rows are inserted, while the order of the returned
rows is not promised; the ids are therefore sorted, which puts them back in the order given.

On PostgreSQL rows go by COPY (binary, asyncpg's `copy_records_to_table`) on the connection of
the current transaction: the server's cheapest way in, and the same the import's yardstick
uses. COPY returns nothing, so rows that need their new ids (to be referenced by the rows
written after them) take them beforehand from their table's sequence, `nextval` once per row
in one statement: every id is the sequence's own, never handed to a concurrent writer, and
never handed out again when this transaction rolls back (the sequence does not go back, so a
retry takes new ones). Values are passed as the drivers expect them: JSON already encoded as
text, dates and times as Python objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

from piccolo.querystring import QueryString
from piccolo.table import Table

from civicfutures.db.lifecycle import engine

ROWS_PER_STATEMENT = 2_000
# SQLite allows 32,766 bound parameters since 3.32.
MAX_PARAMETERS = 32_000
# Rows per COPY on PostgreSQL: each COPY is one statement, which the engine's command timeout
# bounds, even on a busy server.
COPY_ROWS = 50_000


def compiled(sql: str, arguments: list[Any]) -> QueryString:
    """A Piccolo query whose SQL and arguments are final (placeholders in the engine's style)."""
    query = QueryString(sql)
    query._frozen_compiled_strings = (sql, arguments)
    return query


def _transaction() -> Any:
    """The current transaction; bulk writes refuse to run outside one."""
    transaction = engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk writes run inside write_transaction()")
    return transaction


async def run(sql: str, arguments: list[Any]) -> list[Any]:
    """Run one statement inside the current transaction."""
    _transaction()
    return await engine().run_querystring(compiled(sql, arguments))


def connection() -> Any:
    """The asyncpg connection of the current PostgreSQL transaction (for COPY)."""
    return _transaction().connection


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
    if not is_sqlite():
        return await _copy_rows(table, columns, rows, returning=returning)
    width = len(columns)
    per_statement = max(1, min(ROWS_PER_STATEMENT, MAX_PARAMETERS // width))
    names = ", ".join(f'"{name}"' for name in columns)
    target = f'INSERT INTO "{table._meta.tablename}" ({names})'
    suffix = ' RETURNING "id"' if returning else ""
    group = "(" + ", ".join("?" * width) + ")"
    ids: list[int] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        sql = f"{target} VALUES {', '.join([group] * len(chunk))}{suffix}"
        answer = await run(sql, list(chain.from_iterable(chunk)))
        if returning:
            ids.extend(row["id"] for row in answer)
    if returning:
        if len(ids) != len(rows):  # pragma: no cover - a driver answering short is a bug
            raise RuntimeError(f"inserted {len(rows)} rows, got {len(ids)} ids")
        ids.sort()
    return ids


async def new_ids(table: type[Table], count: int) -> list[int]:
    """`count` ids of `table`'s sequence (PostgreSQL), ascending, taken for this transaction's
    rows: `nextval` per id, so a concurrent writer's ids are never among them."""
    ids = await connection().fetchval(
        "SELECT array_agg(nextval(sequence.name)) FROM "
        "(SELECT pg_get_serial_sequence($1, 'id')::regclass AS name) AS sequence, "
        "generate_series(1, $2)",
        f'"{table._meta.tablename}"',
        count,
    )
    # Ascending, as the rows are given: ids follow the file's order, as on SQLite.
    return sorted(ids)


async def _copy_rows(
    table: type[Table],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool,
) -> list[int]:
    """COPY rows into `table` (PostgreSQL); with `returning`, under ids taken beforehand."""
    ids = await new_ids(table, len(rows)) if returning else []
    names = ["id", *columns] if returning else list(columns)
    for start in range(0, len(rows), COPY_ROWS):
        chunk = rows[start : start + COPY_ROWS]
        records: Any = chunk
        if returning:
            taken = ids[start : start + COPY_ROWS]
            records = [(new_id, *row) for new_id, row in zip(taken, chunk, strict=True)]
        await connection().copy_records_to_table(
            table._meta.tablename, records=records, columns=names
        )
    return ids


async def lock_for_import(project_id: int) -> None:
    """Serialise imports into one project on PostgreSQL (SQLite's BEGIN IMMEDIATE already does)."""
    if not is_sqlite():
        await run(
            "SELECT pg_advisory_xact_lock(hashtext($1))", [f"civicfutures.import:{project_id}"]
        )
