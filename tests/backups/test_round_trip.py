"""`civicfutures backup` then `civicfutures restore` into an empty deployment (a new database,
an empty store of the same kind at another address, an empty exports folder): a server on the
restored deployment serves the same briefing, recording and subtitles, byte for byte."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from archive.conftest import fill_shelf, publish_archive
from builders import checkout_env, story_body
from conftest import PG_ADMIN_URL, new_bucket
from recordings.conftest import subtitles, upload
from recordings.media import POLISH_VTT, wav_bytes

ROOT = Path(__file__).resolve().parents[2]


def civicfutures(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    command = Path(sys.executable).with_name("civicfutures")
    result = subprocess.run(
        [str(command), *args], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """The app served by uvicorn on a free port for the deployment `env` describes."""
    port = _free_port()
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
    # Generous: on a loaded machine importing the app alone can take minutes; this bounds a
    # server that never starts, it measures nothing.
    deadline = time.monotonic() + 600
    try:
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=10).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"the restored server did not start:\n{output}")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def source_storage(storage_in_use: str) -> str:
    """The deployment backed up keeps its objects in a fresh store of each kind."""
    return storage_in_use


@pytest.fixture
def empty_deployment(source_storage: str, engine_name: str, tmp_path: Path) -> Iterator[dict]:
    """The environment of a new deployment: an empty database, an empty store of the same
    kind at another address, an empty exports folder."""
    env = checkout_env()
    if source_storage.startswith("s3://"):
        storage = f"s3://{new_bucket(os.environ['AWS_ENDPOINT_URL'])}/restored"
    else:
        storage = (tmp_path / "restored-storage").as_uri()
    env["CIVICFUTURES_STORAGE_URL"] = storage
    env["CIVICFUTURES_EXPORTS_DIR"] = str(tmp_path / "restored-exports")
    env["CIVICFUTURES_VAR_DIR"] = str(tmp_path / "restored-var")
    env["CIVICFUTURES_METRICS_DIR"] = str(tmp_path / "restored-metrics")
    database = f"civicfutures_restored_{uuid.uuid4().hex[:12]}"
    if engine_name == "postgresql":
        asyncio.run(_pg(f'CREATE DATABASE "{database}"'))
        env["CIVICFUTURES_DATABASE_URL"] = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{database}"
    else:
        env["CIVICFUTURES_DATABASE_URL"] = f"sqlite:///{tmp_path / 'restored.db'}"
    yield env
    if engine_name == "postgresql":
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


async def _pg(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def test_a_restored_deployment_serves_the_same_files(
    client, admin, world, source_storage, empty_deployment, tmp_path
):
    from civicfutures.storage.objects import get_storage

    assert get_storage().url == source_storage
    shelf = await fill_shelf(client, admin, world)
    await publish_archive(client, admin)
    story = shelf["public"]
    wav = wav_bytes()
    assert (await upload(client, admin, story, wav)).status_code == 201
    assert (await subtitles(client, admin, story, "pl", POLISH_VTT)).status_code == 200
    for site in ("gdansk", "voru"):
        added = await client.post("/api/v1/stories", json=story_body(world, site), headers=admin)
        assert added.status_code == 201, added.text
    built = await client.post(
        "/api/v1/briefings", json={"project": "futures", "site": "gdansk"}, headers=admin
    )
    assert built.status_code == 201, built.text
    briefing = built.json()["id"]
    paths = [
        f"/api/v1/briefings/{briefing}/files/briefing.html",
        f"/api/v1/briefings/{briefing}/files/tables.xlsx",
        f"/archive/futures/stories/{story}/recording",
        f"/archive/futures/stories/{story}/subtitles/pl",
    ]
    served = {}
    for path in paths:
        answer = await client.get(path, headers=admin)
        assert answer.status_code == 200, (path, answer.text)
        served[path] = answer.content
    assert served[paths[2]] == wav

    backup = tmp_path / "deployment.backup"
    civicfutures(checkout_env(), "backup", str(backup))
    with tarfile.open(backup) as archive:
        names = archive.getnames()
    recording_keys = [info.key for info in await get_storage().list(f"recordings/story-{story}")]
    assert recording_keys and all(f"storage/{key}" in names for key in recording_keys)

    restored = civicfutures(empty_deployment, "restore", "--yes", str(backup))
    assert "restored from" in restored.stdout
    with serving(empty_deployment) as base:
        for path, expected in served.items():
            answer = httpx.get(base + path, headers=admin, timeout=60)
            assert answer.status_code == 200, (path, answer.text)
            assert answer.content == expected, path
