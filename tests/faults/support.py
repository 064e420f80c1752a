"""What the fault tests share: the real server, its database, a load, a throwaway PostgreSQL.

Each test serves `civicfutures` with Granian on 127.0.0.1 against a database of its own (a
SQLite file, or a PostgreSQL database named for this run), loads the demo project and acts as
the demo partner of Gdańsk. The suite's test database is never touched, and the PostgreSQL
outage is staged on a throwaway cluster under /tmp, never on the shared one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from civicfutures.bench import database as bench_db
from civicfutures.bench.server import running_server

PG_ADMIN_URL = os.environ.get(
    "CIVICFUTURES_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Served:
    """A running server with the demo project, and how to talk to it as a partner."""

    url: str
    token: str
    database_url: str
    env: dict[str, str]
    process: subprocess.Popen
    workshop_id: int = 0
    storyteller_id: int = 0

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def story(self, title: str) -> dict:
        """A valid story for the Gdańsk workshop, recognisable by its title."""
        return {
            "workshop": self.workshop_id,
            "storytellers": [self.storyteller_id],
            "kind": "future",
            "horizon_year": 2040,
            "language": "pl",
            "title": title,
            "body": "W 2040 roku każda dzielnica ma radę młodzieżową, której głos się liczy.",
            "translations": [],
            "codings": [{"theme": "youth_disengagement", "coder": "faults"}],
        }

    def story_bytes(self, title: str) -> bytes:
        """The exact body a client sends, and sends again on a retry (same key, same bytes)."""
        return json.dumps(self.story(title), ensure_ascii=False).encode()

    def post_story(self, client: httpx.Client, key: str) -> httpx.Response:
        return client.post(
            "/api/v1/stories",
            content=self.story_bytes(key),
            headers={"Idempotency-Key": key, "Content-Type": "application/json"},
        )

    def titles(self, pattern: str) -> Counter[str]:
        return bench_db.stored_titles(self.database_url, pattern)


@dataclass(frozen=True)
class Seed:
    """A database holding the demo project, and a token of the demo partner of Gdańsk."""

    url: str
    token: str


def environment(database_url: str, folder: Path) -> dict[str, str]:
    """The server's environment: its own database and folders, cheap password hashing."""
    env = bench_db.server_environment(database_url, folder)
    env["CIVICFUTURES_PASSWORD_HASH_PROFILE"] = "CHEAPEST"
    return env


def prepare(database_url: str, folder: Path) -> tuple[dict[str, str], str]:
    """The server's environment, with the demo project loaded and a partner's token."""
    env = environment(database_url, folder)
    return env, bench_db.load_demo_and_token(env)


def copy_database(seed_url: str, name: str, folder: Path) -> str:
    """A copy of the seed database under a new name (a file, or a database from a template)."""
    if seed_url.startswith("sqlite:///"):
        target = folder / f"{name}.db"
        source = sqlite3.connect(seed_url.removeprefix("sqlite:///"))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return f"sqlite:///{target}"
    asyncio.run(_copy_pg_database(seed_url, name))
    return f"{seed_url.rsplit('/', 1)[0]}/{name}"


async def _copy_pg_database(seed_url: str, name: str) -> None:
    admin_url = seed_url.rsplit("/", 1)[0] + "/postgres"
    seed = seed_url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(admin_url, timeout=10)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{seed}"')
    finally:
        await connection.close()


@contextlib.contextmanager
def serve(
    database_url: str, folder: Path, token: str, env: dict[str, str], workers: int = 1
) -> Iterator[Served]:
    """Granian with `workers` processes on a free port; stopped (or found killed) afterwards."""
    with running_server("granian", workers, env, folder / "server.log") as (url, process):
        served = Served(url=url, token=token, database_url=database_url, env=env, process=process)
        with httpx.Client(base_url=url, headers=served.auth, timeout=10) as client:
            served.workshop_id = client.get("/api/v1/workshops?site=gdansk").json()[0]["id"]
            served.storyteller_id = client.get("/api/v1/storytellers?site=gdansk").json()[0]["id"]
        yield served


@dataclass
class Attempt:
    key: str
    status: int  # 0: no answer (connection error or timeout)
    seconds: float
    started: float


@dataclass
class StoryLoad:
    """Story POSTs with unique Idempotency-Keys from a few connections, in a thread of its own."""

    served: Served
    connections: int = 4
    prefix: str = "load"
    attempts: list[Attempt] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._drive()), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    async def _drive(self) -> None:
        async with httpx.AsyncClient(
            base_url=self.served.url, headers=self.served.auth, timeout=10
        ) as client:
            await asyncio.gather(*(self._connection(client, n) for n in range(self.connections)))

    async def _connection(self, client: httpx.AsyncClient, number: int) -> None:
        count = 0
        while not self._stop.is_set():
            count += 1
            key = f"{self.prefix}-{number}-{count}"
            started = time.monotonic()
            try:
                answer = await client.post(
                    "/api/v1/stories",
                    content=self.served.story_bytes(key),
                    headers={"Idempotency-Key": key, "Content-Type": "application/json"},
                )
                status = answer.status_code
            except httpx.HTTPError:
                status = 0
            self.attempts.append(Attempt(key, status, time.monotonic() - started, started))
            if status != 201:  # a client backs off before its next story
                await asyncio.sleep(0.2)

    def acknowledged(self) -> list[str]:
        return [a.key for a in self.attempts if a.status == 201]

    def unanswered(self) -> list[str]:
        return [a.key for a in self.attempts if a.status != 201]


def retry_until_created(served: Served, keys: list[str], deadline_s: float = 20) -> None:
    """Send each unacknowledged POST again with its key, as a client would, until it is 201."""
    deadline = time.monotonic() + deadline_s
    with httpx.Client(base_url=served.url, headers=served.auth, timeout=10) as client:
        for key in keys:
            while True:
                answer = served.post_story(client, key)
                if answer.status_code == 201:
                    break
                assert answer.status_code == 503, answer.text
                assert time.monotonic() < deadline, f"{key} still refused: {answer.text}"
                time.sleep(0.2)


# ---------------------------------------------------------------- a throwaway PostgreSQL


def postgres_bin() -> Path | None:
    found = shutil.which("pg_config")
    if found:
        bindir = subprocess.run([found, "--bindir"], capture_output=True, text=True).stdout
        if (Path(bindir.strip()) / "pg_ctl").exists():
            return Path(bindir.strip())
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return candidates[-1].parent if candidates else None


@dataclass
class Cluster:
    """A PostgreSQL cluster in a temporary folder, on a port of its own; ours to stop."""

    bindir: Path
    folder: Path
    port: int

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.folder} -c fsync=off"
        )
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-o", options,
                  "-l", str(self.folder / "postgres.log"), "-w", "start")  # fmt: skip

    def stop(self, mode: str = "immediate") -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop")
