"""Enqueueing, reading and recovering jobs for an actor (no Litestar here).

Who may read a job: the account that requested it, and admins; a job about a site is read
only by those who see that site. Any other job is as absent as a missing one (404).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from civicfutures.auth.actor import Actor
from civicfutures.errors import NotFound
from civicfutures.i18n import gettext as _
from civicfutures.jobs import runner, runners
from civicfutures.jobs.runner import now
from civicfutures.jobs.schemas import JobOut
from civicfutures.jobs.tables import Job
from civicfutures.settings import get_settings

ACTIVE = ("queued", "running")


def new_id() -> str:
    """A fresh job id."""
    return secrets.token_hex(12)


async def enqueue(
    kind: str,
    params: dict[str, Any],
    *,
    subject: str = "",
    actor: Actor | None = None,
    site_id: int | None = None,
    here: bool = False,
    observe: Callable[[str], None] | None = None,
    job_id: str | None = None,
) -> str:
    """Record a job and hand it to its runner; its id.

    `here`: run it now, in this task, once (`JobFailed` when it raises) rather than queue it,
    so that small work done within a request is tracked as every other job is. `job_id`: the
    id chosen beforehand (`new_id()`), for a job whose parameters name where it writes."""
    job_id = job_id or new_id()
    await Job.insert(
        Job(
            id=job_id,
            kind=kind,
            subject=subject,
            params=params,
            requested_by=actor.user_id if actor else None,
            site=site_id,
            created_at=now(),
        )
    )
    if here:
        await runner.execute(job_id, final=True, observe=observe)
        return job_id
    queue_id = await runners.submit(job_id)
    if queue_id is not None:
        await Job.update({Job.queue_id: queue_id}).where(Job.id == job_id)
    return job_id


async def latest(kind: str, subject: str) -> dict[str, Any] | None:
    """The newest job of this kind about this subject."""
    return (
        await Job.select()
        .where((Job.kind == kind) & (Job.subject == subject))
        .order_by(Job.created_at, ascending=False)
        .output(load_json=True)
        .first()
    )


async def active_for(kind: str, subject: str, actor: Actor) -> str | None:
    """The id of a job of this kind about this subject that the actor asked for and that is
    still queued or running: asking again while it is under way gives it, not another."""
    if actor.user_id is None:
        return None
    row = (
        await Job.select(Job.id)
        .where(
            (Job.kind == kind)
            & (Job.subject == subject)
            & (Job.requested_by == actor.user_id)
            & Job.status.is_in(list(ACTIVE))
        )
        .order_by(Job.created_at, ascending=False)
        .first()
    )
    return row["id"] if row else None


def location(job_id: str) -> str:
    """Where a job is read (the `Location` of a 202 answer)."""
    return f"/api/v1/jobs/{job_id}"


def failure_message(row: dict[str, Any]) -> str:
    """Why a failed job failed, in the reader's language (the technical cause kept last)."""
    # A platform error's message is kept as written in the source language: a catalog
    # message, translated here; any other cause is technical and shown as it is.
    cause = _(row["error"]) if row["error"] else _("its worker stopped")
    return _("The job failed: %(cause)s") % {"cause": cause}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def out(row: dict[str, Any]) -> JobOut:
    return JobOut(
        id=row["id"],
        kind=row["kind"],
        status=row["status"],
        progress=round(float(row["progress"]), 4),
        step=row["step"],
        attempts=int(row["attempts"]),
        result=row["result"] if row["status"] == "done" else None,
        error=failure_message(row) if row["status"] == "failed" else None,
        created_at=_iso(row["created_at"]) or "",
        started_at=_iso(row["started_at"]),
        finished_at=_iso(row["finished_at"]),
    )


def _visible(actor: Actor, row: dict[str, Any]) -> bool:
    if not actor.is_admin and (actor.user_id is None or row["requested_by"] != actor.user_id):
        return False
    return row["site"] is None or actor.sees_site(row["site"])


async def read(actor: Actor, job_id: str) -> JobOut:
    """A job the actor may read (404 for any other)."""
    row = await Job.select().where(Job.id == job_id).output(load_json=True).first()
    if row is None or not _visible(actor, row):
        raise NotFound(_("No such job."))
    return out(row)


async def recover_stalled() -> int:
    """Run again, in this process, the jobs of processes that died (SQLite): a running job
    whose heartbeat is older than the stall timeout, or a job queued that long ago and never
    started; past its last attempt it is failed instead. How many were taken up."""
    if runners.uses_queue():
        return 0
    settings = get_settings()
    cutoff = now() - dt.timedelta(seconds=settings.job_stall_s)
    stalled = await Job.select(Job.id, Job.attempts, Job.status, Job.heartbeat_at).where(
        Job.status.is_in(list(ACTIVE))
        & ((Job.heartbeat_at < cutoff) | (Job.heartbeat_at.is_null() & (Job.created_at < cutoff)))
    )
    taken = 0
    for row in stalled:
        # Claimed by renewing its heartbeat where it is still stale: another server process
        # starting at the same moment takes none of the same jobs.
        claimed = (
            await Job.update({Job.heartbeat_at: now()}, use_auto_update=False)
            .where(
                (Job.id == row["id"])
                & Job.status.is_in(list(ACTIVE))
                & (
                    (Job.heartbeat_at == row["heartbeat_at"])
                    if row["heartbeat_at"] is not None
                    else Job.heartbeat_at.is_null()
                )
            )
            .returning(Job.id)
        )
        if not claimed:
            continue
        if int(row["attempts"]) >= settings.job_attempts:
            await Job.update({Job.status: "failed", Job.error: None, Job.finished_at: now()}).where(
                Job.id == row["id"]
            )
            continue
        await Job.update({Job.status: "queued"}).where(Job.id == row["id"])
        await runners.submit(row["id"])
        taken += 1
    return taken


async def forget_params(kind: str, subjects: list[str]) -> None:
    """Empty the parameters of these subjects' jobs (what they were given may quote people
    who withdrew); a job still queued then fails rather than use them."""
    if subjects:
        await Job.update({Job.params: {}}).where(
            (Job.kind == kind) & Job.subject.is_in(list(subjects))
        )


async def depth() -> dict[tuple[str, str], int]:
    """Jobs queued and running now, by kind and status (for the metrics)."""
    rows = await Job.raw(
        "SELECT kind, status, COUNT(*) AS n FROM job "
        "WHERE status IN ('queued', 'running') GROUP BY kind, status"
    )
    return {(row["kind"], row["status"]): int(row["n"]) for row in rows}
