"""The Piccolo engine for a database URL: SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

import sqlite3

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from civicfutures.settings import Settings


def make_engine(settings: Settings) -> Engine:
    """Build the engine the URL's scheme names; the same tables serve both."""
    if settings.engine == "sqlite":
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        _prepare_sqlite_file(str(path), settings.sqlite_busy_timeout_s)
        # `timeout` is sqlite3's busy timeout: writers wait for a lock instead of failing at once.
        return SQLiteEngine(path=str(path), timeout=settings.sqlite_busy_timeout_s)
    return PostgresEngine(config={"dsn": _asyncpg_dsn(settings.database_url)})


def _prepare_sqlite_file(path: str, busy_timeout_s: float) -> None:
    """Switch the file to WAL once: readers then never block the writer (persistent per file)."""
    connection = sqlite3.connect(path, timeout=busy_timeout_s)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
    finally:
        connection.close()


def _asyncpg_dsn(url: str) -> str:
    """asyncpg wants `postgresql://` or `postgres://`, without a driver suffix."""
    for prefix in ("postgresql+asyncpg://", "postgres+asyncpg://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    return url
