"""Load from a separate process: wrk when installed, else the bundled Python generator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Scenario:
    """One kind of request, repeated: its method, path, headers and (for writes) body."""

    name: str
    method: str
    path: str
    expect: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # A JSON body with "@KEY@" where each request's unique Idempotency-Key goes.
    body_template: str = ""


@dataclass(frozen=True)
class Figures:
    """What one scenario measured."""

    scenario: str
    requests: int
    duration_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    statuses: dict[str, int]
    acked: list[str]

    @property
    def rate(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0


def generator() -> str:
    """`wrk` when it is on the PATH (C, event loop per thread), otherwise `python`."""
    return "wrk" if shutil.which("wrk") else "python"


def run(
    scenario: Scenario, url: str, run_id: str, seconds: float, connections: int, threads: int = 2
) -> Figures:
    """Drive one scenario for `seconds` on `connections` connections; bounded in time."""
    with tempfile.TemporaryDirectory(prefix="civicfutures-load-") as tmp:
        result_path = Path(tmp) / "result.json"
        timeout = seconds + 60
        if generator() == "wrk":
            _run_wrk(scenario, url, run_id, seconds, connections, threads, result_path, timeout)
        else:
            _run_python(scenario, url, run_id, seconds, connections, result_path, timeout)
        raw: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    unexpected = sum(
        count for status, count in raw["statuses"].items() if int(status) != scenario.expect
    )
    return Figures(
        scenario=scenario.name,
        requests=int(raw["requests"]),
        duration_s=float(raw["duration_s"]),
        p50_ms=float(raw["p50_ms"]),
        p99_ms=float(raw["p99_ms"]),
        max_ms=float(raw["max_ms"]),
        errors=unexpected + int(raw["socket_errors"]) + int(raw["timeouts"]),
        statuses=dict(raw["statuses"]),
        acked=list(raw["acked"]),
    )


def _run_wrk(
    scenario: Scenario,
    url: str,
    run_id: str,
    seconds: float,
    connections: int,
    threads: int,
    result_path: Path,
    timeout: float,
) -> None:
    script = resources.files("civicfutures.bench").joinpath("wrk.lua")
    headers = dict(scenario.headers)
    if scenario.body_template:
        headers["Content-Type"] = "application/json"
    header_lines = "\n".join(f"{name}: {value}" for name, value in headers.items())
    with resources.as_file(script) as script_path:
        subprocess.run(
            [
                "wrk",
                f"--threads={min(threads, connections)}",
                f"--connections={connections}",
                f"--duration={max(1, round(seconds))}s",
                "--timeout=10s",
                f"--script={script_path}",
                url + scenario.path,
                "--",
                scenario.method,
                scenario.path,
                scenario.body_template,
                run_id,
                header_lines,
            ],
            env={**os.environ, "CIVICFUTURES_BENCH_RESULT": str(result_path)},
            capture_output=True,
            timeout=timeout,
            check=True,
        )


def _run_python(
    scenario: Scenario,
    url: str,
    run_id: str,
    seconds: float,
    connections: int,
    result_path: Path,
    timeout: float,
) -> None:
    spec_path = result_path.with_name("spec.json")
    spec = {
        "url": url,
        "method": scenario.method,
        "path": scenario.path,
        "headers": scenario.headers,
        "template": scenario.body_template,
        "run": run_id,
        "seconds": seconds,
        "connections": connections,
    }
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "civicfutures.bench.loadgen", str(spec_path), str(result_path)],
        capture_output=True,
        timeout=timeout,
        check=True,
    )
