"""A real server on a free port for the suite's headless Chromium (`browser`) to drive.

The server is `uvicorn` in a subprocess on the test session's own database, so what the
browser submits is checked in that database by the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pages.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(settings: dict[str, str] | None = None) -> Iterator[str]:
    """uvicorn serving the app on a free port, with `settings` added to its environment."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "platform"), **(settings or {})}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "civicfutures.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    # Generous: on a loaded machine importing the app alone can take half a minute.
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"the server did not start:\n{output}")
        time.sleep(0.2)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def live_server(migrated) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1, on the tests' database."""
    yield from _serve()


@pytest.fixture(scope="module")
def queueing_server(migrated) -> Iterator[str]:
    """The app served as `live_server` is, but handing every export and every import of more
    than one story to a job: the server runs in its own process, so the settings the other
    tests override in theirs must be in its environment from the start."""
    yield from _serve(
        {"CIVICFUTURES_EXPORT_SYNC_LIMIT": "0", "CIVICFUTURES_IMPORT_SYNC_LIMIT": "1"}
    )


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


async def sign_in_page(page, base: str, lang: str, email: str) -> None:
    """Sign in through the sign-in form, as a partner would."""
    await page.goto(f"{base}/{lang}/login")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    async with page.expect_navigation():
        await page.click("form:not(.inline-form) button[type=submit]")
