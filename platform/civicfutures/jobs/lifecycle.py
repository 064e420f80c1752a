"""The server's part in running jobs: app start-up and shutdown hooks.

At start-up on SQLite the jobs a stopped server left behind run again here; on PostgreSQL
with `serve --worker` a Procrastinate worker runs inside the server. At shutdown the worker
stops and the connection to the queue closes.
"""

from __future__ import annotations

import asyncio
import contextlib

from civicfutures.jobs import runners, service
from civicfutures.settings import get_settings

_WORKER: dict[str, asyncio.Task] = {}


async def start_jobs() -> None:
    if not runners.uses_queue():
        await service.recover_stalled()
    elif get_settings().serve_worker and "task" not in _WORKER:
        # The server handles its own signals; the worker must not take them over.
        _WORKER["task"] = asyncio.create_task(runners.run_worker(install_signal_handlers=False))


async def stop_jobs() -> None:
    task = _WORKER.pop("task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await runners.close()
