"""Handing jobs to a runner: Procrastinate on PostgreSQL, this process on SQLite.

On PostgreSQL a job is a Procrastinate job (a row of its tables, in our database) whose task
runs `runner.execute`; `civicfutures worker` (or `serve --worker`) runs them, heartbeats, and
gives the running jobs of a worker that stopped heartbeating to the others (stalled-job
retry). A job that raised before its last attempt is retried by Procrastinate's retry
strategy. On SQLite the job runs as a task of the process that enqueued it; a job left
running by a process that died is found by its stale heartbeat at the next start
(`service.recover_stalled`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Any

from piccolo.engine.base import Engine

from civicfutures.jobs import runner
from civicfutures.settings import get_settings

logger = logging.getLogger(__name__)

TASK = "civicfutures.run_job"

# This process's connection to the queue, opened at the first job it defers.
_DEFERRING: dict[str, Any] = {}
# Jobs running in this process (SQLite), kept referenced until they finish.
_IN_PROCESS: set[asyncio.Task] = set()


def uses_queue() -> bool:
    """True on PostgreSQL, where Procrastinate holds the jobs."""
    return get_settings().engine == "postgresql"


def conninfo() -> str:
    """The database URL as psycopg takes it (no driver suffix)."""
    url = get_settings().database_url
    for prefix in ("postgresql+asyncpg://", "postgres+asyncpg://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    return url


def procrastinate_app(pool_size: int = 2):
    """A Procrastinate app on our database, with the one task that runs any of our jobs."""
    import procrastinate

    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=conninfo(), min_size=1, max_size=max(2, pool_size)
        )
    )

    @app.task(
        name=TASK,
        retry=procrastinate.RetryStrategy(retry_exceptions=[runner.RetryJob], wait=1),
    )
    async def run_job(job_id: str) -> None:
        await runner.execute(job_id)

    return app


async def apply_queue_schema() -> None:
    """Create Procrastinate's tables and functions (once: a migration calls this)."""
    import procrastinate
    from procrastinate.schema import SchemaManager

    connector = procrastinate.PsycopgConnector(conninfo=conninfo(), min_size=1, max_size=1)
    await connector.open_async()
    try:
        present = await connector.execute_query_one_async(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"
        )
        if not present["present"]:
            await SchemaManager(connector).apply_schema_async()
    finally:
        await connector.close_async()


async def submit(job_id: str) -> int | None:
    """Hand the job to its runner; Procrastinate's id of it (None when run in this process)."""
    if uses_queue():
        from procrastinate.exceptions import ConnectorException

        try:
            return await _defer(job_id)
        except ConnectorException:
            # The pooled connections outlived what they knew of the database (it restarted,
            # or was restored and its queue types have new ids): once more on new ones.
            logger.warning("the queue's connections went stale; opening new ones")
            with contextlib.suppress(Exception):
                await close()
            return await _defer(job_id)
    task = asyncio.create_task(_run_here(job_id))
    _IN_PROCESS.add(task)
    task.add_done_callback(_IN_PROCESS.discard)
    return None


async def _defer(job_id: str) -> int:
    app = _DEFERRING.get("app")
    if app is None:
        app = procrastinate_app()
        await app.open_async()
        _DEFERRING["app"] = app
    return await app.configure_task(TASK).defer_async(job_id=job_id)


async def _run_here(job_id: str) -> None:
    """Run a job in this process, again after a failed attempt until its last."""
    while True:
        try:
            await runner.execute(job_id)
        except runner.RetryJob:
            await asyncio.sleep(1)
            continue
        except runner.JobFailed:
            pass
        except Exception:
            # The row could not be written (the database went away): the job stays as it
            # was and the next start finds it stalled.
            logger.exception("job %s could not run", job_id)
        return


async def close() -> None:
    """Close this process's connection to the queue (a shutdown hook)."""
    app = _DEFERRING.pop("app", None)
    if app is not None:
        await app.close_async()


async def queue_answers(db: Engine | None = None) -> bool:
    """True when the queue can take jobs: Procrastinate's table answers on `db` (by default
    the shared engine) when it is PostgreSQL; always on SQLite, where this process runs them."""
    from civicfutures.db.lifecycle import engine

    db = db or engine()
    if db.engine_type == "sqlite":
        return True
    try:
        await db.run_ddl("SELECT 1 FROM procrastinate_jobs LIMIT 1", in_pool=True)
    except Exception:
        return False
    return True


async def _alive(job_id: str | None, stall_s: float) -> bool:
    """True when our row of the job had a heartbeat within the stall time: its worker only
    missed its own (a busy machine), and running the job twice at once would waste a build."""
    from civicfutures.jobs.tables import Job

    if job_id is None:
        return False
    row = await Job.select(Job.heartbeat_at).where(Job.id == job_id).first()
    if row is None or row["heartbeat_at"] is None:
        return False
    return runner.now() - row["heartbeat_at"] < dt.timedelta(seconds=stall_s)


async def _retry_stalled(app) -> None:
    """Give the jobs of workers that stopped heartbeating to the living ones."""
    settings = get_settings()
    while True:
        await asyncio.sleep(max(0.5, settings.job_stall_s / 2))
        try:
            stalled = await app.job_manager.get_stalled_jobs(
                task_name=TASK, seconds_since_heartbeat=settings.job_stall_s
            )
            for job in stalled:
                if await _alive(job.task_kwargs.get("job_id"), settings.job_stall_s):
                    continue
                logger.warning("job %s of a stopped worker runs again", job.id)
                await app.job_manager.retry_job(job)
        except Exception:
            logger.exception("stalled jobs could not be retried")


async def run_worker(install_signal_handlers: bool = True) -> None:
    """Run a Procrastinate worker (with the stalled-job retry) until cancelled or signalled."""
    settings = get_settings()
    app = procrastinate_app(settings.job_concurrency + 1)
    async with app.open_async():
        recovery = asyncio.create_task(_retry_stalled(app))
        try:
            await app.run_worker_async(
                name="civicfutures",
                concurrency=settings.job_concurrency,
                install_signal_handlers=install_signal_handlers,
                update_heartbeat_interval=settings.job_heartbeat_s,
                stalled_worker_timeout=settings.job_stall_s,
            )
        finally:
            recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovery
