"""Start and stop database resources with the application."""

from __future__ import annotations

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from civicfutures.db.sqlite_engine import SharedConnectionSQLiteEngine
from civicfutures.db.tables import Project


def engine():
    """The engine every table uses (they share one)."""
    return Project._meta.db


async def open_database() -> None:
    """Open the PostgreSQL pool once; a connection per query is ten times slower."""
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is None:
        await db.start_connection_pool()


async def close_database() -> None:
    """Close the PostgreSQL pool, or this process's SQLite connections."""
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        await db.close_connection_pool()
    elif isinstance(db, SharedConnectionSQLiteEngine):
        await db.close()


async def database_answers(db: Engine | None = None) -> bool:
    """True when a trivial query succeeds on `db` (by default the shared engine): health checks."""
    try:
        await (db or engine()).run_ddl("SELECT 1", in_pool=True)
    except Exception:
        return False
    return True
