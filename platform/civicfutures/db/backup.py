"""Backup and restore of the whole database, on either engine."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from civicfutures.settings import Settings


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def backup(settings: Settings, target: Path) -> Path:
    """Write a consistent copy of the database to `target` while the platform keeps running.

    SQLite uses the online backup API (a consistent snapshot even under writes);
    PostgreSQL uses pg_dump's custom format.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if settings.engine == "sqlite":
        source = sqlite3.connect(settings.sqlite_path)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target
    _require_tool("pg_dump")
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), settings.database_url])
    return target


def restore(settings: Settings, source: Path) -> None:
    """Replace the database's content with a backup made by `backup()`."""
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    if settings.engine == "sqlite":
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(settings.sqlite_path, timeout=settings.sqlite_busy_timeout_s)
        try:
            with live:
                backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
        return
    _require_tool("pg_restore")
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            settings.database_url,
            str(source),
        ]
    )


def _require_tool(name: str) -> None:
    if shutil.which(name) is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client tools")


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{command[0]} exited with {result.returncode}")
