"""`civicfutures bench jobs`: a briefing over N stories built by a job while the API answers.

A fresh database gets N synthetic stories (the import benchmark's corpus, through the import
service). Then a server (`civicfutures serve`) and, on PostgreSQL, a `civicfutures worker`
start as separate processes sharing only the database and a store folder. A client process
(this one) keeps asking the server for the story list and `/health/ready` with a few
connections: first for a baseline, then from the moment a briefing is requested until its job
is done. The figures are the job's own times (queued, running, attempts) and the latency of
the API before and during the build, side by side, with the load average. On SQLite there is
no worker: the server runs the job itself, and the figures show what that costs its requests.
Not a test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BENCH_DATABASE = "civicfutures_bench_jobs"
AUTHOR = "author@bench.civicfutures.eu"


@dataclass
class Sample:
    """The latencies (seconds) of the requests of one phase, and what went wrong."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    # With `stamped`: when each request (or error, latency None) was sent.
    sent: list[tuple[float, float | None]] = field(default_factory=list)

    def between(self, start: float, end: float) -> Sample:
        """The requests sent from `start` to `end` (perf_counter seconds)."""
        chosen = [(at, latency) for at, latency in self.sent if start <= at < end]
        return Sample(
            seconds=end - start,
            latencies=[latency for _, latency in chosen if latency is not None],
            errors=sum(1 for _, latency in chosen if latency is None),
        )

    def figures(self) -> dict[str, float]:
        ordered = sorted(self.latencies) or [0.0]

        def share(p: float) -> float:
            return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

        return {
            "requests": len(self.latencies),
            "per_second": len(self.latencies) / self.seconds if self.seconds else 0.0,
            "p50": statistics.median(ordered),
            "p95": share(0.95),
            "p99": share(0.99),
            "max": ordered[-1],
            "errors": self.errors,
        }


async def _filled(stories: int, workdir: Path) -> str:
    """N synthetic stories in a new project (its slug), with the database opened around the
    import (the settings name the benchmark's)."""
    import civicfutures.db  # noqa: F401  (names the Piccolo configuration before tables load)
    from civicfutures.db.lifecycle import close_database, open_database
    from civicfutures.imports.bench import import_corpus

    await open_database()
    try:
        slug, _created = await import_corpus(stories, workdir)
        return slug
    finally:
        await close_database()


def _environment(database_url: str, workdir: Path) -> dict[str, str]:
    from civicfutures.bench.database import server_environment

    env = server_environment(database_url, workdir)
    env.update(
        {
            "CIVICFUTURES_STORAGE_URL": (workdir / "store").as_uri(),
            "CIVICFUTURES_VAR_DIR": str(workdir / "var"),
            # Every briefing is a job, whatever the project's size.
            "CIVICFUTURES_BRIEFING_SYNC_LIMIT": "0",
        }
    )
    return env


async def _sample(
    http: httpx.AsyncClient,
    paths: list[str],
    headers: dict[str, str],
    until: Callable[[], bool],
    connections: int,
    rate: float,
    stamped: bool = False,
) -> Sample:
    """Ask for `paths` in turn on `connections` connections until `until()` holds, each
    connection at most `rate` times a second: the load of people using the site, not a flood
    that would take the cores from the job."""
    sample = Sample()
    interval = connections / rate

    async def one_connection(offset: int) -> None:
        turn = offset
        await asyncio.sleep(offset * interval / connections)
        while not until():
            path = paths[turn % len(paths)]
            turn += 1
            clock = time.perf_counter()
            latency = None
            try:
                answer = await http.get(path, headers=headers)
                if answer.status_code == 200:
                    latency = time.perf_counter() - clock
            except httpx.HTTPError:
                pass
            if latency is None:
                sample.errors += 1
            else:
                sample.latencies.append(latency)
            if stamped:
                sample.sent.append((clock, latency))
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - clock)))

    started = time.perf_counter()
    await asyncio.gather(*(one_connection(i) for i in range(connections)))
    sample.seconds = time.perf_counter() - started
    return sample


async def _during_build(
    url: str, token: str, slug: str, baseline_s: float, connections: int, rate: float
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    paths = [f"/api/v1/stories?project={slug}&limit=20", "/health/ready"]
    limits = httpx.Limits(max_connections=connections + 2)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        end = time.monotonic() + baseline_s
        before = await _sample(
            http, paths, headers, lambda: time.monotonic() > end, connections, rate
        )
        state: dict[str, Any] = {"status": "requested"}
        steps: list[tuple[float, str, float]] = []
        # Sampled from the request on: the request itself takes (or reuses) the snapshot.
        during = asyncio.create_task(
            _sample(
                http,
                paths,
                headers,
                lambda: state["status"] in ("done", "failed"),
                connections,
                rate,
                stamped=True,
            )
        )
        asked = time.perf_counter()
        answer = await http.post(
            "/api/v1/briefings", json={"project": slug, "language": "en"}, headers=headers
        )
        queued = time.perf_counter()
        if answer.status_code != 202:
            state["status"] = "failed"
            await during
            raise RuntimeError(f"the briefing was not queued: {answer.status_code} {answer.text}")
        job_id = answer.json()["job"]
        while state["status"] not in ("done", "failed"):
            await asyncio.sleep(0.25)
            state = (await http.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
            if state.get("step") and (not steps or steps[-1][1] != state["step"]):
                steps.append((time.perf_counter() - asked, state["step"], state["progress"]))
        built = time.perf_counter() - asked
        sampled = await during
        briefing = await http.get(f"/api/v1/briefings/{answer.json()['id']}", headers=headers)
    return {
        "before": before.figures(),
        "request": sampled.between(asked, queued).figures(),
        "build": sampled.between(queued, asked + built).figures(),
        "job": state,
        "steps": steps,
        "end_to_end_s": built,
        "request_s": queued - asked,
        "briefing_status": briefing.json().get("status"),
        "files": len(briefing.json().get("files", [])),
    }


def _worker(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "civicfutures.cli", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def run(
    stories: int,
    engine: str,
    pg_admin_url: str,
    baseline_s: float,
    connections: int,
    rate: float,
    echo: Callable[[str], None],
) -> dict[str, Any]:
    """Fill a fresh database, start the processes, measure; the figures."""
    from civicfutures.bench.database import command, drop_database, fresh_database
    from civicfutures.bench.server import running_server, stop
    from civicfutures.imports.bench import configure

    workdir = Path(tempfile.mkdtemp(prefix="civicfutures-bench-jobs-"))
    database_url = fresh_database(engine, workdir, pg_admin_url, name=BENCH_DATABASE)
    try:
        configure(stories, database_url)
        echo(f"... importing {stories:,} stories ({engine})")
        clock = time.perf_counter()
        slug = asyncio.run(_filled(stories, workdir))
        imported = time.perf_counter() - clock
        env = _environment(database_url, workdir)
        command(env, "users", "create", AUTHOR, "--role", "author")
        token = command(env, "tokens", "create", AUTHOR).strip().splitlines()[-1]
        worker = _worker(env, workdir / "worker.log") if engine == "postgresql" else None
        try:
            with running_server("uvicorn", 2, env, workdir / "server.log") as (url, _server):
                echo(f"... serving on {url}" + (" beside a worker" if worker else ""))
                load_before = os.getloadavg()
                figures = asyncio.run(
                    _during_build(url, token, slug, baseline_s, connections, rate)
                )
        finally:
            if worker is not None:
                stop(worker)
        figures.update(
            {
                "engine": engine,
                "stories": stories,
                "import_s": imported,
                "connections": connections,
                "rate": rate,
                "load_before": load_before,
                "load_after": os.getloadavg(),
            }
        )
        return figures
    finally:
        drop_database(database_url, pg_admin_url)
        shutil.rmtree(workdir, ignore_errors=True)


def render(figures: dict[str, Any]) -> str:
    ms = 1000.0
    job = figures["job"]
    lines = [
        f"engine {figures['engine']}: {figures['stories']:,} stories imported in "
        f"{figures['import_s']:.1f} s; {figures['connections']} client connections asking for "
        f"the story list and /health/ready in turn, {figures['rate']:g} requests/s in all",
        "load average before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}".format(
            *figures["load_before"], *figures["load_after"]
        ),
        f"POST /api/v1/briefings answered 202 in {figures['request_s']:.2f} s; "
        f"job {job['status']} after {figures['end_to_end_s']:.1f} s from the request "
        f"(attempts {job.get('attempts')}, started {job.get('started_at')}, finished "
        f"{job.get('finished_at')}); briefing {figures['briefing_status']} with "
        f"{figures['files']} files",
        "  steps seen: "
        + ", ".join(
            f"{at:.1f} s {step} ({fraction:.0%})" for at, step, fraction in figures["steps"]
        ),
        f"{'API':<22} {'requests':>9} {'req/s':>8} {'p50':>8} {'p95':>8} {'p99':>8} "
        f"{'max':>8} {'errors':>7}",
    ]
    phases = {
        "before": "before the request",
        "request": "while it snapshots",
        "build": "while the job builds",
    }
    for phase, label in phases.items():
        row = figures[phase]
        lines.append(
            f"{label:<22} {row['requests']:>9,} {row['per_second']:>8.1f} "
            f"{row['p50'] * ms:>6.1f}ms {row['p95'] * ms:>6.1f}ms {row['p99'] * ms:>6.1f}ms "
            f"{row['max'] * ms:>6.1f}ms {row['errors']:>7}"
        )
    return "\n".join(lines)
