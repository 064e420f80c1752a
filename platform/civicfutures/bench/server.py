"""The real server in a process of its own: Granian (default) or uvicorn, on 127.0.0.1."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

APP_FACTORY = "civicfutures.app:create_app"
SERVERS = ("granian", "uvicorn")


def free_port() -> int:
    """A port nobody listens on right now, on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def default_server() -> str:
    """Granian when installed (Rust HTTP stack, faster), otherwise uvicorn."""
    return "granian" if importlib.util.find_spec("granian") else "uvicorn"


def server_command(kind: str, port: int, workers: int) -> list[str]:
    """The command line that serves the app factory with `workers` processes."""
    if kind == "granian":
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "info",
            APP_FACTORY,
        ]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        APP_FACTORY,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "info",
    ]


# What each server logs once a worker serves requests (at log level info).
WORKER_READY = {"granian": "Started worker-", "uvicorn": "Application startup complete"}


def wait_until_ready(
    url: str,
    process: subprocess.Popen,
    kind: str,
    workers: int,
    log_path: Path,
    # Workers import the whole application: on 2 cores shared with other work (load 15) two
    # of them took over 90 s to start.
    timeout_s: float = 300,
) -> None:
    """Return once every worker has started and `/health` answers 200; fail early on exit.

    Waiting for every worker matters: figures measured while one still starts are too low, and
    a server stopped while a worker starts waits for it.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        log = log_path.read_text(encoding="utf-8", errors="replace")
        if log.count(WORKER_READY[kind]) >= workers:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    return
        time.sleep(0.2)
    raise RuntimeError(f"the server was not ready on {url} within {timeout_s:.0f} s")


def stop(process: subprocess.Popen, timeout_s: float = 15) -> None:
    """Stop the server (it stops its workers), then its whole process group if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout_s)


@contextlib.contextmanager
def running_server(
    kind: str, workers: int, env: dict[str, str], log_path: Path
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start the server, wait for it to be healthy, yield its base URL, stop it afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            server_command(kind, port, workers),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_ready(url, process, kind, workers, log_path)
        yield url, process
    finally:
        stop(process)
