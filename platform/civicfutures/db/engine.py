"""The Piccolo engine for a database URL: SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

import sqlite3

from piccolo.engine.base import Engine

from civicfutures.db.postgres_engine import FailFastPostgresEngine
from civicfutures.db.sqlite_engine import SharedConnectionSQLiteEngine
from civicfutures.settings import Settings


def make_engine(settings: Settings) -> Engine:
    """Build the engine the URL's scheme names; the same tables serve both."""
    if settings.engine == "sqlite":
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        _prepare_sqlite_file(str(path), settings.sqlite_busy_timeout_s)
        # `timeout` is sqlite3's busy timeout: writers wait for a lock instead of failing at once.
        return SharedConnectionSQLiteEngine(
            path=str(path),
            timeout=settings.sqlite_busy_timeout_s,
            readers=settings.sqlite_readers,
            synchronous=settings.sqlite_synchronous,
        )
    return FailFastPostgresEngine(
        config={"dsn": _asyncpg_dsn(settings.database_url)},
        pool_size=settings.pg_pool_size,
        connect_timeout_s=settings.pg_connect_timeout_s,
        command_timeout_s=settings.pg_command_timeout_s,
    )


def _prepare_sqlite_file(path: str, busy_timeout_s: float) -> None:
    """Switch the file to WAL once: readers then never block the writer (persistent per file)."""
    connection = sqlite3.connect(path, timeout=busy_timeout_s)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def _asyncpg_dsn(url: str) -> str:
    """asyncpg wants `postgresql://` or `postgres://`, without a driver suffix."""
    for prefix in ("postgresql+asyncpg://", "postgres+asyncpg://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    return url
