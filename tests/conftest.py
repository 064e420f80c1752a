"""Test harness: the real app on a real database, SQLite or PostgreSQL.

Choose the engine with `pytest --engine postgresql` (or CIVICFUTURES_TEST_ENGINE). The
database is created fresh for the session and migrated with the project's migrations; every
test starts from empty tables. Nothing of ours is mocked.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from builders import empty_tables

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get(
    "CIVICFUTURES_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# One database per test run, so two runs on one machine never empty each other's tables.
PG_TEST_DB = os.environ.get("CIVICFUTURES_TEST_PG_DB", f"civicfutures_test_{os.getpid()}")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine",
        choices=["sqlite", "postgresql"],
        default=os.environ.get("CIVICFUTURES_TEST_ENGINE", "sqlite"),
        help="database engine the suite runs on",
    )


async def _pg_database(create: bool) -> None:
    """Drop the run's database, and create it afresh when asked."""
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            PG_TEST_DB,
        )
        await connection.execute(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}"')
        if create:
            await connection.execute(f'CREATE DATABASE "{PG_TEST_DB}"')
    finally:
        await connection.close()


def pytest_configure(config: pytest.Config) -> None:
    engine = config.getoption("--engine")
    os.chdir(ROOT)
    workdir = Path(tempfile.mkdtemp(prefix="civicfutures-tests-"))
    os.environ["CIVICFUTURES_EXPORTS_DIR"] = str(workdir / "exports")
    os.environ["CIVICFUTURES_VAR_DIR"] = str(workdir / "var")
    # Production-strength argon2 costs ~0.2 s a hash; the suite creates hundreds of users.
    os.environ["CIVICFUTURES_PASSWORD_HASH_PROFILE"] = "CHEAPEST"
    os.environ["CIVICFUTURES_LOGIN_RATE_PER_MINUTE"] = "100000"
    if engine == "postgresql":
        asyncio.run(_pg_database(create=True))
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        os.environ["CIVICFUTURES_DATABASE_URL"] = f"{base}/{PG_TEST_DB}"
    else:
        os.environ["CIVICFUTURES_DATABASE_URL"] = f"sqlite:///{workdir / 'test.db'}"
    config.engine = engine  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    if (
        getattr(config, "engine", None) == "postgresql"
        and "CIVICFUTURES_TEST_PG_DB" not in os.environ
    ):
        # A leftover database is harmless; never fail the run for it.
        with contextlib.suppress(Exception):
            asyncio.run(_pg_database(create=False))


def pytest_report_header(config: pytest.Config) -> str:
    return f"civicfutures database engine: {config.engine}"  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def engine_name(pytestconfig: pytest.Config) -> str:
    return pytestconfig.engine  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
async def migrated() -> None:
    import civicfutures.db  # noqa: F401
    from civicfutures.db.migrate import migrate

    await migrate()


@pytest.fixture(scope="session")
async def app(migrated: None):
    from civicfutures.app import create_app

    return create_app()


@pytest.fixture(scope="session")
async def client(app) -> AsyncIterator:
    """The whole ASGI app (middleware, guards, handlers, errors) behind an HTTP client.

    Requests run in the tests' own event loop, so the app, the PostgreSQL pool and the
    tests' direct database checks share one loop; the harness opens the pool the way the
    app's start-up hook does.
    """
    import httpx

    from civicfutures.db.lifecycle import close_database, open_database

    await open_database()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as http:
        yield http
    await close_database()


@pytest.fixture(autouse=True)
async def empty_database(client) -> None:
    """Every test starts from empty tables and a client without cookies, and without the
    exports and recordings kept for earlier tests (PostgreSQL gives their ids out again)."""
    client.cookies.clear()
    await empty_tables()
    shutil.rmtree(Path(os.environ["CIVICFUTURES_EXPORTS_DIR"]) / "work", ignore_errors=True)
    for stored in ("exports", "recordings"):
        shutil.rmtree(Path(os.environ["CIVICFUTURES_EXPORTS_DIR"]) / stored, ignore_errors=True)


@pytest.fixture
async def job_worker(engine_name: str) -> AsyncIterator[None]:
    """Queued jobs run: on PostgreSQL a Procrastinate worker in the tests' event loop (as
    `serve --worker` runs one); on SQLite the server process runs them without one."""
    if engine_name != "postgresql":
        yield
        return
    from civicfutures.jobs.runners import run_worker

    task = asyncio.create_task(run_worker(install_signal_handlers=False))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


# Headless Chromium for the browser tests and the briefings' rendering checks.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator:
    """One headless Chromium for the session: launching it costs seconds, a context none."""
    from playwright.async_api import async_playwright

    assert CHROMIUM.exists(), f"Chromium is missing at {CHROMIUM} (make test installs it)"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def browser(chromium) -> AsyncIterator:
    """The session's Chromium; every context a test opens (its cookies, storage and pages) is
    closed after it, so no test sees another's."""
    yield chromium
    for context in chromium.contexts:
        await context.close()


Headers = dict[str, str]


@pytest.fixture
def token_for() -> Callable[..., Awaitable[Headers]]:
    """Make a user with a role (partners on sites) and return its Authorization header."""
    counter = {"n": 0}

    async def make(role: str, *sites: str, unsuppressed: bool = False) -> Headers:
        from civicfutures.auth.accounts import create_token, create_user

        counter["n"] += 1
        email = f"{role}{counter['n']}@test.civicfutures.eu"
        await create_user(
            email, role, sites, password="correct horse battery", unsuppressed=unsuppressed
        )
        return {"Authorization": f"Bearer {await create_token(email)}"}

    return make


@pytest.fixture
async def admin(token_for) -> Headers:
    return await token_for("admin")


@pytest.fixture
async def demo() -> dict:
    """The shipped demo project, loaded through the services."""
    from civicfutures.demo import demo_data, load_demo

    await load_demo()
    return demo_data()


@pytest.fixture
async def world(client, admin) -> dict:
    """A small project built through the API: two sites in two countries, a codebook,
    a workshop and two storytellers per site."""

    async def post(path: str, body: dict) -> dict:
        response = await client.post(path, json=body, headers=admin)
        assert response.status_code == 201, response.text
        return response.json()

    await post(
        "/api/v1/projects",
        {
            "slug": "futures",
            "name": "Futures",
            "default_language": "en",
            "disclosure_threshold": 2,
            "demographics": [
                {
                    "name": "age_band",
                    "choices": [{"value": "16-24"}, {"value": "25-64"}, {"value": "65+"}],
                }
            ],
        },
    )
    sites = {
        "gdansk": await post(
            "/api/v1/sites",
            {
                "project": "futures",
                "slug": "gdansk",
                "name": "Gdańsk",
                "country": "PL",
                "languages": ["pl", "uk"],
            },
        ),
        "voru": await post(
            "/api/v1/sites",
            {
                "project": "futures",
                "slug": "voru",
                "name": "Võru",
                "country": "EE",
                "languages": ["et", "vro"],
            },
        ),
    }
    themes = [
        await post(
            "/api/v1/themes",
            {
                "project": "futures",
                "key": "youth_voice",
                "kind": "challenge",
                "labels": {
                    "en": "Young people unheard",
                    "pl": "Niesłyszalny głos młodych",
                    "et": "Noorte hääl jääb kuulmata",
                    "vro": "Nuuri helü",
                },
            },
        ),
        await post(
            "/api/v1/themes",
            {
                "project": "futures",
                "key": "digital_tools",
                "kind": "vision",
                "labels": {
                    "en": "Digital democracy tools",
                    "pl": "Cyfrowe narzędzia demokracji",
                    "et": "Digitaalsed demokraatia tööriistad",
                },
            },
        ),
    ]
    workshops, tellers = {}, {}
    for slug, language in (("gdansk", "pl"), ("voru", "et")):
        workshops[slug] = await post(
            "/api/v1/workshops",
            {"site": slug, "date": "2025-03-15", "kind": "storytelling", "language": language},
        )
        tellers[slug] = [
            await post(
                "/api/v1/storytellers",
                {
                    "site": slug,
                    "code": f"{slug.upper()}-{n}",
                    "demographics": {"age_band": "16-24"},
                    "consent": {
                        "version": "v1",
                        "given_at": "2025-03-15T10:00:00Z",
                        "scopes": ["research", "quote"],
                    },
                },
            )
            for n in (1, 2)
        ]
    return {"sites": sites, "themes": themes, "workshops": workshops, "storytellers": tellers}


# Both storage backends: a local folder, and an S3 bucket served by `moto_server` (started
# once per session on a free port, stopped at the end).
S3_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3-compatible endpoint for the session, its variables set for the store to read."""
    port = _free_port()
    server = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or "moto_server"
    process = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint, timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.1)
    saved = {name: os.environ.get(name) for name in [*S3_ENVIRONMENT, "AWS_ENDPOINT_URL"]}
    os.environ.update(S3_ENVIRONMENT, AWS_ENDPOINT_URL=endpoint)
    try:
        yield endpoint
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        process.terminate()
        process.wait(timeout=10)


def new_bucket(endpoint: str) -> str:
    name = f"civicfutures-{uuid.uuid4().hex[:12]}"
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/{name}", method="PUT"))
    return name


@pytest.fixture(params=["local", "s3"])
def storage_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty store of each kind."""
    if request.param == "local":
        folder = Path(tempfile.mkdtemp(prefix="civicfutures-storage-"))
        yield folder.as_uri()
        shutil.rmtree(folder, ignore_errors=True)
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        yield f"s3://{new_bucket(endpoint)}/platform"


@pytest.fixture
def storage_in_use(storage_url: str, monkeypatch) -> Iterator[str]:
    """The app's store set to `storage_url` (each backend) for the test."""
    from civicfutures.settings import get_settings

    monkeypatch.setenv("CIVICFUTURES_STORAGE_URL", storage_url)
    get_settings.cache_clear()
    yield storage_url
    monkeypatch.undo()
    get_settings.cache_clear()
