"""Two `civicfutures serve` processes, each in a working directory of its own, share nothing
but the database and the store (a local folder, or an S3 bucket on the session's S3 server):
a briefing requested from the first is built by a job and downloaded from the second.

On PostgreSQL the job runs in a `civicfutures worker`, killed (SIGKILL) in the middle of the
build; a second worker finishes it. On SQLite the server that received the request runs the
job; it is killed in the middle of the build, and the job runs again when a server starts
there again. Either way the briefing served at the end has the bytes of a build in one go.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import httpx
import pytest

from builders import story_body
from civicfutures.bench.server import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
QUICK_JOBS = {"CIVICFUTURES_JOB_HEARTBEAT": "0.5", "CIVICFUTURES_JOB_STALL": "4"}


def _environment(machine: Path, storage_url: str) -> dict[str, str]:
    env = os.environ.copy()
    env.update(QUICK_JOBS)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "platform"), env.get("PYTHONPATH", "")])
    # Each machine's own folders; only the database and the store are shared.
    env["CIVICFUTURES_EXPORTS_DIR"] = str(machine / "exports")
    env["CIVICFUTURES_VAR_DIR"] = str(machine / "var")
    env["CIVICFUTURES_STORAGE_URL"] = storage_url
    env["CIVICFUTURES_BRIEFING_SYNC_LIMIT"] = "0"
    return env


def _start(command: list[str], machine: Path, storage_url: str) -> subprocess.Popen:
    machine.mkdir(parents=True, exist_ok=True)
    with (machine / "log.txt").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "civicfutures.cli", *command],
            env=_environment(machine, storage_url),
            cwd=machine,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _launch(machine: Path, storage_url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = _start(["serve", "--port", str(port), "--workers", "1"], machine, storage_url)
    return process, f"http://127.0.0.1:{port}"


def _ready(process: subprocess.Popen, url: str, machine: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert process.poll() is None, (machine / "log.txt").read_text()
        with suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health/ready", timeout=5).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"no answer from {url}: {(machine / 'log.txt').read_text()}")


def _serve(machine: Path, storage_url: str) -> tuple[subprocess.Popen, str]:
    process, url = _launch(machine, storage_url)
    _ready(process, url, machine)
    return process, url


def _stop(process: subprocess.Popen, kill: bool = False) -> None:
    if process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


async def _job(http: httpx.AsyncClient, url: str, job: str, headers: dict) -> dict:
    answer = await http.get(f"{url}/api/v1/jobs/{job}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _until(http, url, job, headers, done, what: str) -> dict:
    for _attempt in range(12_000):
        state = await _job(http, url, job, headers)
        if done(state):
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"the job never {what}: {state}")


@pytest.mark.parametrize("backend", ["local", "s3"])
async def test_a_briefing_asked_of_one_machine_is_built_by_a_job_and_served_by_the_other(
    client, admin, world, token_for, engine_name, tmp_path, backend, request
):
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.briefings.params import BriefingIn
    from civicfutures.briefings.service import BriefingService

    if backend == "s3":
        from conftest import new_bucket

        storage_url = f"s3://{new_bucket(request.getfixturevalue('s3_endpoint'))}/platform"
    else:
        storage_url = (tmp_path / "shared-store").as_uri()
    for site in ("gdansk", "voru", "gdansk"):
        story = await client.post("/api/v1/stories", json=story_body(world, site), headers=admin)
        assert story.status_code == 201, story.text
    author = await token_for("author")
    first, second = tmp_path / "first", tmp_path / "second"
    processes: list[subprocess.Popen] = []
    try:
        # Both machines (and the worker) start at once: each spends most of its start
        # importing.
        server_a, url_a = _launch(first, storage_url)
        server_b, url_b = _launch(second, storage_url)
        processes += [server_a, server_b]
        worker = None
        if engine_name == "postgresql":
            worker = _start(["worker"], tmp_path / "worker", storage_url)
            processes.append(worker)
        _ready(server_a, url_a, first)
        _ready(server_b, url_b, second)
        async with httpx.AsyncClient(timeout=60) as http:
            answer = await http.post(
                f"{url_a}/api/v1/briefings",
                json={"project": "futures", "language": "en"},
                headers=author,
            )
            assert answer.status_code == 202, answer.text
            briefing, job = answer.json()["id"], answer.json()["job"]
            # The second machine sees the build under way, from the job's row.
            await _until(
                http,
                url_b,
                job,
                author,
                lambda s: s["status"] == "running" and s["step"] is not None,
                "started",
            )
            # Killed in the middle of the build: the worker, or on SQLite the server running it.
            victim = worker if worker is not None else server_a
            _stop(victim, kill=True)
            assert (await _job(http, url_b, job, author))["status"] == "running"
            if worker is not None:
                processes.append(_start(["worker"], tmp_path / "worker-2", storage_url))
            else:
                # A server starting there again runs the job its predecessor left stale.
                await asyncio.sleep(float(QUICK_JOBS["CIVICFUTURES_JOB_STALL"]) + 1)
                restarted, _url = _serve(first, storage_url)
                processes.append(restarted)
            finished = await _until(
                http, url_b, job, author, lambda s: s["status"] in ("done", "failed"), "ended"
            )
            assert finished["status"] == "done", finished
            assert finished["attempts"] == 2 and finished["result"]["briefing"] == briefing

            built = await http.get(f"{url_b}/api/v1/briefings/{briefing}", headers=author)
            assert built.json()["status"] == "ready", built.text
            files = {
                f["name"]: (await http.get(url_b + f["url"], headers=author)).content
                for f in built.json()["files"]
            }
            ranged = await http.get(
                f"{url_b}/api/v1/briefings/{briefing}/files/briefing.md",
                headers={**author, "Range": "bytes=0-9"},
            )
            assert ranged.status_code == 206 and ranged.content == files["briefing.md"][:10]
    finally:
        for process in processes:
            _stop(process)

    # Neither machine kept the briefing in its own folder: it lives in the shared store.
    for machine in (first, second):
        assert not list((machine / "exports").glob(f"briefings/{briefing}/*"))
    in_one_go = await BriefingService().build_into(
        SYSTEM, BriefingIn(project="futures", language="en"), tmp_path / "in-one-go"
    )
    assert len(files) > 3
    for name in files:
        assert files[name] == (in_one_go / name).read_bytes(), name
