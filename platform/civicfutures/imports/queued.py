"""Large imports committed by a job (`civicfutures.jobs`, kind `import`), off the request.

A file with more stories than CIVICFUTURES_IMPORT_SYNC_LIMIT is read and checked in the
request as any other (a file with problems is answered at once, 422, and queues nothing);
a clean one is then kept on the storage layer (`queued_files.py`, so a worker on another
machine reads it) and its commit queued. The key is a digest of the file's
SHA-256, the project, the site and the user: the same upload asked again while its job is
queued or running is that job, not a second one. The job's parameters name the file by that
digest, the project and site by their slugs and the actor by id, never anything of the
file's content; its name (which may name a person) stays in the note beside the bytes.

The job reads the file again and commits it as a request would, as the user who asked (their
roles and sites as they are when it runs: a partner still imports into their own sites
only), in one transaction. It records its report in its own row inside that transaction, so
a job run again after its worker died once the rows were committed answers the same report
and writes nothing; before that commit nothing was written, and the run starts over. The
file is deleted once the job has its report; as a checked file (`kept.py`), it is deleted
too when a storyteller of its site withdraws (a file naming no site, whose rows name theirs,
whatever the site), and its job then fails asking for the file again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from typing import Any

import msgspec

from civicfutures.auth.accounts import actor_for_user
from civicfutures.auth.actor import Actor
from civicfutures.db.lifecycle import engine
from civicfutures.errors import Forbidden, Problem
from civicfutures.i18n import gettext as _
from civicfutures.i18n.runtime import DEFAULT_LOCALE, current_locale, use_locale
from civicfutures.imports.queued_files import QueuedFiles
from civicfutures.imports.report import ImportReport
from civicfutures.imports.service import ImportRejected, ImportService, PreparedImport
from civicfutures.imports.sources import SourceFile
from civicfutures.jobs import service as jobs
from civicfutures.jobs.kinds import Progress
from civicfutures.jobs.schemas import JobOut
from civicfutures.jobs.tables import Job
from civicfutures.settings import get_settings
from civicfutures.storage.objects import Storage

JOB_KIND = "import"
# Where each stage of the import lies on the job's progress (from, to): reading the file is
# quick, matching it quicker; writing the rows is most of a large commit.
STAGES = {"read": (0.0, 0.2), "check": (0.2, 0.3), "write": (0.3, 1.0)}
FLUSH_SECONDS = 0.5


def subject(sha256: str, project: str, site: str | None, user_id: int) -> str:
    """What makes two commit requests the same upload: one job for them while it runs."""
    return hashlib.sha256(f"{sha256}\n{project}\n{site or ''}\n{user_id}".encode()).hexdigest()


class StageProgress:
    """The import's `progress(stage, done, total)` calls turned into the job's step and
    fraction, written every FLUSH_SECONDS by a task of its own (the reading stage calls from
    a worker thread; a database write per row would slow the import)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.latest: tuple[str, float] = ("read", 0.0)
        self.written: tuple[str, float] | None = None
        self.task: asyncio.Task | None = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        low, high = STAGES.get(stage, (0.0, 1.0))
        share = min(done / total, 1.0) if total else 0.0
        fraction = low + (high - low) * share
        # Never backwards: an estimate of the rows may be passed by the rows read.
        if fraction >= self.latest[1]:
            self.latest = (stage, fraction)

    async def flush(self) -> None:
        if self.latest != self.written:
            self.written = self.latest
            await self.progress(*self.latest)

    async def _follow(self) -> None:
        while True:
            await self.flush()
            await asyncio.sleep(FLUSH_SECONDS)

    def start(self) -> None:
        # Created outside the import's transaction, the task writes on a connection of its
        # own: the progress is seen while the rows are still being written (PostgreSQL).
        self.task = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None
        await self.flush()


class ImportJobs:
    """Queues the commit of large files and runs it (the function of kind `import`)."""

    def __init__(self, store: Storage | None = None, sync_limit: int | None = None) -> None:
        self.files = QueuedFiles(store)
        self.sync_limit = get_settings().import_sync_limit if sync_limit is None else sync_limit

    def takes(self, prepared: PreparedImport) -> bool:
        """True when this checked file's commit is a job: clean, and more stories than the
        limit, asked by a user (a job acts as its user again)."""
        return (
            not prepared.problems
            and prepared.actor.user_id is not None
            and prepared.parsed.story_count > self.sync_limit
        )

    async def commit_or_queue(
        self, actor: Actor, source: SourceFile, project: str, site: str | None
    ) -> ImportReport | JobOut:
        """Commit a file in the request, or queue its commit when it is large (the pages)."""
        service = ImportService()
        async with service.slot():
            prepared = await service.prepare(actor, source, project, site)
            if self.takes(prepared):
                return await self.queue(prepared, source)
            return await service.commit(prepared)

    async def queue(self, prepared: PreparedImport, source: SourceFile) -> JobOut:
        """The job committing this file: the one already queued or running for the same
        upload, or a new one with the file kept on the store."""
        actor, context = prepared.actor, prepared.context
        assert actor.user_id is not None
        sha256 = prepared.info.sha256
        site = (
            context.sites[context.default_site_id]["slug"]
            if context.default_site_id is not None
            else None
        )
        key = subject(sha256, context.project_slug, site, actor.user_id)
        running = await jobs.latest(JOB_KIND, key)
        if running is not None and running["status"] in jobs.ACTIVE:
            return jobs.out(running)
        await self.keep(actor.user_id, context.default_site_id, key, source)
        params = {
            "sha256": sha256,
            "project": context.project_slug,
            "site": site,
            "site_id": context.default_site_id,
            "user_id": actor.user_id,
            # The report is written in the language of the request, as its commit would be.
            "language": current_locale(),
        }
        job_id = await jobs.enqueue(
            JOB_KIND, params, subject=key, actor=actor, site_id=context.default_site_id
        )
        return await jobs.read(actor, job_id)

    async def keep(self, user_id: int, site_id: int | None, key: str, source: SourceFile) -> None:
        """Put the file of a job on the store, under the job's key."""
        data = source.data if source.data is not None else source.path.read_bytes()  # type: ignore[union-attr]
        await self.files.keep(user_id, site_id, key, source.name, data)

    async def run_job(self, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
        """Commit the file a job names; its report (also when the file now has problems: the
        database changed since the check, and nothing was written)."""
        user_id = int(params["user_id"])
        key = subject(params["sha256"], params["project"], params["site"], user_id)
        site_id = params.get("site_id")
        recorded = await _recorded(key)
        if recorded is not None:
            await self.files.discard(user_id, site_id, key)
            return recorded
        try:
            actor = await actor_for_user(user_id)
            if actor is None:
                raise Forbidden(_("The account that asked for this import is no longer active."))
            name, data = await self.files.read(user_id, site_id, key, params["sha256"])
            source = SourceFile(name=name, data=data)
            with use_locale(params.get("language") or DEFAULT_LOCALE):
                report = await self._commit(actor, source, params, key, progress)
        except Problem:
            # Refused for good (the account, the site, the file): nothing to keep it for.
            await self.files.discard(user_id, site_id, key)
            raise
        await self.files.discard(user_id, site_id, key)
        return msgspec.to_builtins(report)

    async def _commit(
        self,
        actor: Actor,
        source: SourceFile,
        params: dict[str, Any],
        key: str,
        progress: Progress,
    ) -> ImportReport:
        service = ImportService()
        stages = StageProgress(progress)
        stages.start()
        try:
            prepared = await service.prepare(
                actor, source, params["project"], params["site"], progress=stages
            )
            if engine().engine_type == "sqlite":
                # The commit holds SQLite's one write lock: the job's row cannot be written
                # beside it, so its step says writing from the start, and it ends done.
                await stages.stop()
                stages("write", 0, 1)
                await stages.flush()
            try:
                return await service.commit(
                    prepared,
                    progress=stages,
                    written=lambda report: _record(key, report),
                )
            except ImportRejected as rejected:
                return rejected.report
        finally:
            await stages.stop()


async def _record(key: str, report: ImportReport) -> None:
    """Write the report into the running job's row, within the import's transaction."""
    await Job.update({Job.result: msgspec.to_builtins(report)}).where(
        (Job.kind == JOB_KIND) & (Job.subject == key) & Job.status.is_in(list(jobs.ACTIVE))
    )


async def _recorded(key: str) -> dict[str, Any] | None:
    """The report a run of this job recorded with its rows before its worker died."""
    row = (
        await Job.select(Job.result)
        .where(
            (Job.kind == JOB_KIND)
            & (Job.subject == key)
            & Job.status.is_in(list(jobs.ACTIVE))
            & Job.result.is_not_null()
        )
        .output(load_json=True)
        .first()
    )
    return row["result"] if row is not None and row["result"] else None
