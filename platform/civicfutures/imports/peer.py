"""The yardstick of `civicfutures bench import`: the rows an import wrote, written again raw.

After a committed import, its rows are read back, removed (the audit log, which is
append-only, keeps its rows and gets copies), and written again into the same tables of the
same database (every index, foreign key and trigger in place) in one transaction by the
driver alone: `executemany` of a one-row INSERT per table on SQLite, COPY
(`copy_records_to_table`) on PostgreSQL, where the search index's tsvector travels in its
binary form as read (asyncpg has no codec of its own for it). Reading and removing are not timed; the writes and
the commit are. Nothing is checked, parsed, folded or hashed there: what the import spends
beyond it is its own work.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

# Parents before children, as the foreign keys want them written.
TABLES = ("workshop", "storyteller", "story", "story_storyteller", "translation", "coding")
AUDIT = "audit_event"
# PostgreSQL's search index tables, keyed by story.
SEARCH = ("story_search", "story_lexemes")


@dataclass
class Written:
    """The rows an import wrote, per table, as the database stores them."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


async def high_water(database_url: str) -> dict[str, int]:
    """The largest id of each table the import writes, taken before it runs."""
    if database_url.startswith("sqlite"):
        with _sqlite(database_url) as connection:
            return {
                table: connection.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"').fetchone()[
                    0
                ]
                for table in (*TABLES, AUDIT)
            }
    return await _pg_high_water(database_url)


async def rewrite(database_url: str, before: dict[str, int]) -> tuple[float, float, int]:
    """Seconds and CPU seconds of this process to write again every row with an id above
    `before`, and how many rows."""
    if database_url.startswith("sqlite"):
        return _sqlite_rewrite(database_url, before)
    return await _pg_rewrite(database_url, before)


# ---------------------------------------------------------------------- SQLite


def _sqlite(database_url: str) -> sqlite3.Connection:
    connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    # The pragmas of the platform's own connections (`db/sqlite_engine.py`).
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA secure_delete = ON")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA busy_timeout = 10000")
    return connection


def _sqlite_rewrite(database_url: str, before: dict[str, int]) -> tuple[float, float, int]:
    connection = _sqlite(database_url)
    try:
        written = Written()
        for table in (*TABLES, AUDIT):
            cursor = connection.execute(
                f'SELECT * FROM "{table}" WHERE id > ? ORDER BY id', (before[table],)
            )
            columns = [column[0] for column in cursor.description]
            if table == AUDIT:
                columns = columns[1:]
                written.rows[table] = [row[1:] for row in cursor.fetchall()]
            else:
                written.rows[table] = cursor.fetchall()
            written.columns[table] = columns
        search = connection.execute(
            "SELECT rowid, title, body FROM story_search WHERE rowid > ? ORDER BY rowid",
            (before["story"],),
        ).fetchall()
        connection.execute("BEGIN IMMEDIATE")
        for table in reversed(TABLES):
            connection.execute(f'DELETE FROM "{table}" WHERE id > ?', (before[table],))
        connection.execute("COMMIT")

        started, cpu = time.perf_counter(), time.process_time()
        connection.execute("BEGIN IMMEDIATE")
        for table in (*TABLES, AUDIT):
            columns = written.columns[table]
            names = ", ".join(f'"{name}"' for name in columns)
            marks = ", ".join("?" * len(columns))
            connection.executemany(
                f'INSERT INTO "{table}" ({names}) VALUES ({marks})', written.rows[table]
            )
        connection.executemany(
            "INSERT INTO story_search (rowid, title, body) VALUES (?, ?, ?)", search
        )
        connection.execute("COMMIT")
        return (
            time.perf_counter() - started,
            time.process_time() - cpu,
            written.total + len(search),
        )
    finally:
        connection.close()


# ---------------------------------------------------------------------- PostgreSQL


async def _pg_high_water(database_url: str) -> dict[str, int]:
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        return {
            table: await connection.fetchval(f'SELECT coalesce(max(id), 0) FROM "{table}"')
            for table in (*TABLES, AUDIT)
        }
    finally:
        await connection.close()


async def _pg_rewrite(database_url: str, before: dict[str, int]) -> tuple[float, float, int]:
    import asyncpg

    connection = await asyncpg.connect(database_url)
    await connection.set_type_codec(
        "tsvector", schema="pg_catalog", encoder=bytes, decoder=bytes, format="binary"
    )
    try:
        written = Written()
        for table in (*TABLES, AUDIT, *SEARCH):
            key = "story" if table in SEARCH else "id"
            floor = before["story" if table in SEARCH else table]
            records = await connection.fetch(
                f'SELECT * FROM "{table}" WHERE "{key}" > $1 ORDER BY "{key}"', floor
            )
            columns = list(records[0].keys()) if records else []
            rows = [tuple(record.values()) for record in records]
            if table == AUDIT:
                columns, rows = columns[1:], [row[1:] for row in rows]
            written.columns[table], written.rows[table] = columns, rows
        async with connection.transaction():
            for table in reversed(TABLES):
                await connection.execute(f'DELETE FROM "{table}" WHERE id > $1', before[table])

        started, cpu = time.perf_counter(), time.process_time()
        async with connection.transaction():
            for table in (*TABLES, *SEARCH, AUDIT):
                if written.rows[table]:
                    await connection.copy_records_to_table(
                        table, records=written.rows[table], columns=written.columns[table]
                    )
        return time.perf_counter() - started, time.process_time() - cpu, written.total
    finally:
        await connection.close()
