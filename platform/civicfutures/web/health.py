"""Health checks: `/health` (database), `/health/live` (process) and `/health/ready` (all a
request needs: the database, a writable exports folder, the storage layer and the job queue)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import anyio
from litestar import MediaType, Request, Response, get
from piccolo.engine.base import Engine

from civicfutures.db.lifecycle import database_answers
from civicfutures.jobs.runners import queue_answers
from civicfutures.storage.objects import storage_for
from civicfutures.web.auth import public

UNAVAILABLE_HEADERS = {"Retry-After": "2"}
STORAGE_PATIENCE = 3.0
"""Seconds the store has to answer: a store that does not is failing, whatever its retries."""


@dataclass(frozen=True)
class Readiness:
    """What `/health/ready` checks; kept in the app's state by `create_app`."""

    database: Engine | None
    """The database to ask; None for the process's shared engine."""
    exports_dir: Path
    storage_url: str


def exports_writable(folder: Path) -> bool:
    """True when a file can be created (and removed) in the exports folder."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


async def storage_answers(url: str) -> bool:
    """True when the store answers a metadata request (a missing probe object is an answer)."""

    def probe() -> bool:
        storage_for(url).exists_sync("health-probe")
        return True

    with anyio.move_on_after(STORAGE_PATIENCE):
        try:
            return await anyio.to_thread.run_sync(probe, abandon_on_cancel=True)
        except Exception:
            return False
    return False


@get(
    "/health",
    guards=[public],
    tags=["operations"],
    summary="Liveness and database check",
    media_type=MediaType.JSON,
)
async def health() -> Response[dict[str, str]]:
    if await database_answers():
        return Response({"status": "ok"})
    return Response({"status": "unavailable"}, status_code=503, headers=UNAVAILABLE_HEADERS)


@get(
    "/health/live",
    guards=[public],
    tags=["operations"],
    summary="Liveness: the process answers (no database asked)",
    media_type=MediaType.JSON,
)
async def health_live() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/health/ready",
    guards=[public],
    tags=["operations"],
    summary="Readiness: the database, the storage and the job queue answer, the exports folder is writable",
    description="503 with the failing checks named in `failing` when one fails.",
    media_type=MediaType.JSON,
)
async def health_ready(request: Request) -> Response[dict[str, object]]:
    readiness: Readiness = request.app.state.readiness
    checks = {
        "database": "ok" if await database_answers(readiness.database) else "failing",
        "exports": "ok" if exports_writable(readiness.exports_dir) else "failing",
        "storage": "ok" if await storage_answers(readiness.storage_url) else "failing",
        "queue": "ok" if await queue_answers(readiness.database) else "failing",
    }
    failing = [name for name, state in checks.items() if state != "ok"]
    if not failing:
        return Response({"status": "ok", "checks": checks})
    return Response(
        {"status": "unavailable", "failing": failing, "checks": checks},
        status_code=503,
        headers=UNAVAILABLE_HEADERS,
    )
