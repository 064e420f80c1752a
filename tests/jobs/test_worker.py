"""`civicfutures worker`: on PostgreSQL a worker killed (SIGKILL) in the middle of a briefing
build leaves its job to another worker, which builds the same bytes as a build in one go. On
SQLite the command says it is not needed (the server runs its jobs)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _worker(log: Path) -> subprocess.Popen:
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "platform"), env.get("PYTHONPATH", "")])
    # A short heartbeat and stall time keep the hand-over quick.
    env["CIVICFUTURES_JOB_HEARTBEAT"] = "0.5"
    env["CIVICFUTURES_JOB_STALL"] = "4"
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "civicfutures.cli", "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _job_row(job: str) -> dict:
    from civicfutures.jobs.tables import Job

    return await Job.select().where(Job.id == job).first()


async def test_a_killed_workers_job_is_finished_by_another(
    client, world, token_for, monkeypatch, engine_name, tmp_path
):
    if engine_name != "postgresql":
        answer = subprocess.run(
            [sys.executable, "-m", "civicfutures.cli", "worker"],
            env={**os.environ, "PYTHONPATH": str(ROOT / "platform")},
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert answer.returncode == 0, answer.stderr
        assert "No worker is needed on SQLite" in answer.stdout
        return

    from civicfutures.auth.actor import SYSTEM
    from civicfutures.briefings import service
    from civicfutures.briefings.manifest import MANIFEST
    from civicfutures.briefings.params import BriefingIn

    monkeypatch.setattr(service, "SYNC_LIMIT", -1)
    author = await token_for("author")
    log = tmp_path / "workers.log"
    first = _worker(log)
    second = None
    try:
        answer = await client.post(
            "/api/v1/briefings", json={"project": "futures", "language": "en"}, headers=author
        )
        assert answer.status_code == 202, answer.text
        briefing, job = answer.json()["id"], answer.json()["job"]
        # Killed once the build is under way: the worker has taken the job and begun a step.
        for _attempt in range(6000):
            row = await _job_row(job)
            if row["status"] == "running" and row["step"] is not None:
                break
            assert first.poll() is None, log.read_text()
            await asyncio.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait()
        row = await _job_row(job)
        assert (row["status"], row["attempts"]) == ("running", 1), (row, log.read_text())
        mid_build = (await client.get(f"/api/v1/jobs/{job}", headers=author)).json()
        assert mid_build["status"] == "running" and 0 <= mid_build["progress"] < 1

        second = _worker(log)
        for _attempt in range(3000):
            state = (await client.get(f"/api/v1/jobs/{job}", headers=author)).json()
            if state["status"] in ("done", "failed"):
                break
            assert second.poll() is None, log.read_text()
            await asyncio.sleep(0.05)
        assert state["status"] == "done", (state, log.read_text())
        assert state["attempts"] == 2 and state["result"]["briefing"] == briefing
    finally:
        _stop(first)
        if second is not None:
            _stop(second)

    built = await client.get(f"/api/v1/briefings/{briefing}", headers=author)
    assert built.json()["status"] == "ready", built.text
    store = service.BriefingService().store
    in_one_go = await service.BriefingService().build_into(
        SYSTEM, BriefingIn(project="futures", language="en"), tmp_path / "in-one-go"
    )
    names = [MANIFEST, *(f["name"] for f in built.json()["files"] if f["name"] != MANIFEST)]
    assert len(names) > 3
    for name in names:
        stored = store.read_sync(service.storage.file_key(briefing, name))
        assert stored == (in_one_go / name).read_bytes(), name
