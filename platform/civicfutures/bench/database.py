"""The benchmark's own database: created fresh, filled with the demo, counted afterwards.

The benchmark never touches the database of `CIVICFUTURES_DATABASE_URL`: SQLite gets a file
in a temporary folder, PostgreSQL a database of its own (dropped and created again each run).
The demo is loaded through the `civicfutures` command, exactly as an operator would.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import asyncpg

BENCH_PG_DATABASE = "civicfutures_bench"
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# The demo account that enters stories: a partner of the Gdańsk site.
BENCH_USER = "gdansk@demo.civicfutures.eu"
# The demo admin publishes the archive the benchmark reads.
BENCH_ADMIN = "admin@demo.civicfutures.eu"
TITLE_PREFIX = "bench "


def fresh_database(
    engine: str, workdir: Path, pg_admin_url: str, name: str = BENCH_PG_DATABASE
) -> str:
    """A database URL for an empty database of the given engine."""
    if engine == "sqlite":
        path = workdir / f"{name}.db"
        for suffix in ("", "-wal", "-shm", "-writer.lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    asyncio.run(_recreate_pg_database(pg_admin_url, name))
    return f"{pg_admin_url.rsplit('/', 1)[0]}/{name}"


def drop_database(database_url: str, pg_admin_url: str) -> None:
    """Remove a PostgreSQL database made by `fresh_database` (SQLite files go with their folder)."""
    if database_url.startswith("postgres"):
        asyncio.run(
            _recreate_pg_database(pg_admin_url, database_url.rsplit("/", 1)[1], create=False)
        )


async def _recreate_pg_database(admin_url: str, name: str, create: bool = True) -> None:
    connection = await asyncpg.connect(admin_url, timeout=10)
    try:
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if create:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def command(env: dict[str, str], *args: str) -> str:
    """Run `civicfutures ARGS` against the benchmark database; its output, or an error."""
    result = subprocess.run(
        [sys.executable, "-m", "civicfutures.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"civicfutures {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def load_demo_and_token(env: dict[str, str], email: str = BENCH_USER) -> str:
    """Migrate, load the demo project with its accounts, and return an API token of `email`."""
    command(env, "demo")
    return token(env, email)


def token(env: dict[str, str], email: str) -> str:
    """A new API token of the demo account `email`."""
    return command(env, "tokens", "create", email, "--name", "bench").strip().splitlines()[-1]


def stored_titles(database_url: str, pattern: str) -> Counter[str]:
    """How many stories hold each title matching the SQL LIKE `pattern`."""
    if database_url.startswith("sqlite:///"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30)
        try:
            rows = connection.execute(
                "SELECT title, COUNT(*) FROM story WHERE title LIKE ? GROUP BY title", (pattern,)
            ).fetchall()
        finally:
            connection.close()
        return Counter({title: count for title, count in rows})
    return asyncio.run(_pg_titles(database_url, pattern))


async def _pg_titles(database_url: str, pattern: str) -> Counter[str]:
    connection = await asyncpg.connect(database_url, timeout=10)
    try:
        rows = await connection.fetch(
            "SELECT title, COUNT(*) AS n FROM story WHERE title LIKE $1 GROUP BY title", pattern
        )
    finally:
        await connection.close()
    return Counter({row["title"]: row["n"] for row in rows})


def server_environment(database_url: str, workdir: Path) -> dict[str, str]:
    """The environment of the benchmark's commands and server: its own database and folders."""
    env = dict(os.environ)
    env.update(
        {
            "CIVICFUTURES_DATABASE_URL": database_url,
            "CIVICFUTURES_EXPORTS_DIR": str(workdir / "exports"),
            "CIVICFUTURES_SECRET_KEY": env.get("CIVICFUTURES_SECRET_KEY") or os.urandom(16).hex(),
            "CIVICFUTURES_LOG_LEVEL": "warning",
        }
    )
    env.pop("PICCOLO_CONF", None)
    return env
