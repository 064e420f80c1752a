"""Running one job: its row marked running, heartbeats while it works, its progress written
as it goes, and its end (done with a result, queued again, or failed) recorded.

The same code runs under Procrastinate's worker (PostgreSQL) and as a task of the server
(SQLite). A job may run more than once (its worker died, or it raised before its last
attempt); its function is idempotent, so running it again gives the same result.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import Histogram

from civicfutures.errors import Problem
from civicfutures.i18n.runtime import DEFAULT_LOCALE, use_locale
from civicfutures.jobs.kinds import function_for
from civicfutures.jobs.tables import Job
from civicfutures.settings import get_settings

logger = logging.getLogger(__name__)

DURATION = Histogram(
    "civicfutures_job_duration_seconds",
    "Time a background job ran in this process, by kind and outcome, in seconds.",
    ["kind", "status"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)


class RetryJob(Exception):
    """The job raised before its last attempt: the queue runs it again."""


class JobFailed(Exception):
    """The job raised on its last attempt: it stays failed."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _heartbeat(job_id: str) -> None:
    """Renew the job's heartbeat until cancelled: a stale one tells its process died."""
    interval = get_settings().job_heartbeat_s
    while True:
        await asyncio.sleep(interval)
        try:
            await Job.update({Job.heartbeat_at: now()}).where(Job.id == job_id)
        except Exception as error:
            # A missed beat (SQLite's write lock held past its busy timeout by the job's
            # own long transaction, e.g. an import's commit) must not end a job that works.
            logger.warning("job %s missed a heartbeat: %s", job_id, error)


async def execute(
    job_id: str, *, final: bool = False, observe: Callable[[str], None] | None = None
) -> None:
    """Run the job once (nothing when it is already done or failed).

    `final`: this run is its last attempt whatever the count (a job run within a request,
    whose caller sees the error at once). `observe` hears each step too (a progress bar)."""
    row = await Job.select().where(Job.id == job_id).output(load_json=True).first()
    if row is None or row["status"] in ("done", "failed"):
        return
    attempts = int(row["attempts"]) + 1
    started = now()
    await Job.update(
        {
            Job.status: "running",
            Job.attempts: attempts,
            Job.started_at: started,
            Job.heartbeat_at: started,
            Job.error: None,
        }
    ).where(Job.id == job_id)

    async def progress(step: str, fraction: float) -> None:
        if observe is not None:
            observe(step)
        await Job.update(
            {Job.step: step, Job.progress: max(0.0, min(1.0, fraction)), Job.heartbeat_at: now()}
        ).where(Job.id == job_id)

    beating = asyncio.create_task(_heartbeat(job_id))
    clock = time.perf_counter()
    try:
        # In the source language whoever enqueued it: the row keeps the message itself,
        # each reader sees it translated (`service.failure_message`).
        with use_locale(DEFAULT_LOCALE):
            result = await function_for(row["kind"])(row["params"], progress)
    except Exception as error:
        detail = error.detail if isinstance(error, Problem) else f"{type(error).__name__}: {error}"
        logger.warning("job %s (%s) attempt %s failed: %s", job_id, row["kind"], attempts, detail)
        last = final or attempts >= get_settings().job_attempts
        ended = {Job.params: {}, Job.finished_at: now()} if last else {}
        await Job.update(
            {Job.status: "failed" if last else "queued", Job.error: detail, **ended}
        ).where(Job.id == job_id)
        DURATION.labels(row["kind"], "failed").observe(time.perf_counter() - clock)
        raise (JobFailed if last else RetryJob)(detail) from error
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
    await Job.update(
        {
            Job.status: "done",
            Job.step: "done",
            Job.progress: 1.0,
            Job.result: _json(result),
            Job.finished_at: now(),
            # An ended job is never run again: it keeps nothing of what it was given.
            Job.params: {},
        }
    ).where(Job.id == job_id)
    DURATION.labels(row["kind"], "done").observe(time.perf_counter() - clock)


def _json(value: Any) -> Any:
    return value if value is not None else {}
