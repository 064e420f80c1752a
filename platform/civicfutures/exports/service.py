"""Runs an export: checks the request and the caller's scope, reads the project into a work
area, writes the file there (in a worker thread) and hands back where it is.

The work area names the storytellers its export drew on (`.sources.json`); a withdrawal or
erasure deletes every work area holding one of them (`remove_exports_with`).

An export built on the exports page is kept for the account that asked (`keep`) in the
platform's storage (`civicfutures.storage`): the file under `exports/<id>/<file name>` and its
note `exports/<id>.json` (the owner, what was asked, the storytellers it drew on); the page
lists the owner's kept exports (`kept`) and downloads them (`kept_file`). The same withdrawal
deletes them, so a kept export never outlives a storyteller's consent; each account keeps its
newest `KEEP_PER_ACCOUNT` for `KEEP_DAYS` days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
import polars as pl

from civicfutures import audit
from civicfutures.analysis.snapshot import FOLDER as SNAPSHOTS
from civicfutures.analysis.snapshot import MANIFEST as SNAPSHOT_MANIFEST
from civicfutures.analysis.snapshot import (
    SnapshotInfo,
    build_snapshot,
    find_snapshot,
    storyteller_ids,
)
from civicfutures.auth.accounts import actor_for_user
from civicfutures.auth.actor import Actor
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import FieldError, NotFound
from civicfutures.exports import stored
from civicfutures.exports.dataset import open_dataset
from civicfutures.exports.notes import ExportNotes
from civicfutures.exports.registry import EXPORTS, FORMATS, filename
from civicfutures.exports.request import ExportRequest, validate
from civicfutures.exports.scope import ExportScope, resolve_scope
from civicfutures.exports.source import read_inputs
from civicfutures.exports.stored import StoredExport
from civicfutures.i18n import gettext as _
from civicfutures.jobs import service as jobs
from civicfutures.jobs.kinds import Progress
from civicfutures.jobs.schemas import JobOut
from civicfutures.jobs.tables import Job
from civicfutures.settings import get_settings
from civicfutures.storage.objects import MissingObject, ObjectInfo, Storage, get_storage


@dataclass(frozen=True)
class ExportFile:
    """A finished export in its work area; `discard()` deletes the work area and the file."""

    path: Path
    filename: str
    media_type: str
    notes: ExportNotes
    work: Path

    def discard(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


WORK = "work"
SOURCES = ".sources.json"
KEPT_PREFIX = "exports"
KEEP_PER_ACCOUNT = 10
KEEP_DAYS = 7
# A kept export's id is its work area's name (`work_area`): nothing else reaches the disk.
KEPT_ID = re.compile(r"^export-[A-Za-z0-9_]{1,64}$")
EXPORT_JOB = "export"


@dataclass(frozen=True)
class KeptExport:
    """An export kept for the account that built it on the exports page."""

    id: str
    owner: int
    created_at: str
    kind: str
    format: str
    project: str
    lang: str
    sites: list[str]
    include_codes: bool
    filename: str
    media_type: str
    size: int
    notes: dict[str, Any] = field(default_factory=dict)
    storytellers: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Where the file is in the storage."""
        return f"{KEPT_PREFIX}/{self.id}/{self.filename}"

    @property
    def sentences(self) -> list[str]:
        """The export's notes in words, in the export's language."""
        return ExportNotes(**self.notes).sentences() if self.notes else []


def work_area() -> Path:
    """A fresh private folder under the exports directory (same disk as the output)."""
    root = get_settings().exports_dir / WORK
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="export-", dir=root))


def _record_sources(work: Path, project: str, snapshot_id: str) -> None:
    tellers = storyteller_ids(find_snapshot(get_storage(), snapshot_id))
    (work / SOURCES).write_text(
        json.dumps({"project": project, "storytellers": sorted(tellers)}), encoding="utf-8"
    )


def remove_exports_with(exports_dir: Path, storytellers: set[int]) -> int:
    """Delete every export work area (an export being built or streamed) holding any of these
    storytellers; how many. One that does not (yet) name its storytellers is deleted too:
    nothing vouches for it."""
    root = Path(exports_dir) / WORK
    removed = 0
    if not root.is_dir():
        return 0
    for work in root.iterdir():
        if not work.is_dir():
            continue
        try:
            named = set(json.loads((work / SOURCES).read_text(encoding="utf-8"))["storytellers"])
            hit = bool(named & storytellers)
        except (OSError, ValueError, KeyError, TypeError):
            hit = True
        if hit:
            shutil.rmtree(work, ignore_errors=True)
            removed += 1
    return removed


def _sources(work: Path) -> list[int]:
    """The storytellers an export's work area names (none when it cannot be read)."""
    try:
        sources = json.loads((work / SOURCES).read_text(encoding="utf-8"))
        return sorted(int(teller) for teller in sources["storytellers"])
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _stories_in(info: SnapshotInfo, site_ids: list[int]) -> int:
    """Consented stories of these sites in the snapshot (only those enter a snapshot)."""
    stories = pl.scan_parquet(info.table("stories"), storage_options=info.storage_options)
    return int(stories.filter(pl.col("site_id").is_in(site_ids)).select(pl.len()).collect().item())


def _note_key(export_id: str) -> str:
    return f"{KEPT_PREFIX}/{export_id}.json"


async def _forget(storage: Storage, export_id: str) -> None:
    """The note first: without it the file is no kept export, whatever happens next."""
    await storage.delete(_note_key(export_id))
    await storage.delete_prefix(f"{KEPT_PREFIX}/{export_id}")


async def _all_kept(storage: Storage) -> list[KeptExport]:
    found = []
    for info in await storage.list(KEPT_PREFIX):
        name = info.key.removeprefix(f"{KEPT_PREFIX}/")
        if "/" in name or not name.endswith(".json"):
            continue
        kept = await _read_kept(storage, name.removesuffix(".json"))
        if kept is not None:
            found.append(kept)
    return found


async def remove_kept_exports_with(storytellers: set[int], storage: Storage | None = None) -> int:
    """Delete every kept export drawing on any of these storytellers; how many."""
    storage = storage or get_storage()
    removed = 0
    for kept in await _all_kept(storage):
        if not kept.storytellers or set(kept.storytellers) & storytellers:
            await _forget(storage, kept.id)
            removed += 1
    return removed


async def _read_kept(storage: Storage, export_id: str) -> KeptExport | None:
    try:
        return KeptExport(**json.loads(await storage.read(_note_key(export_id))))
    except (MissingObject, ValueError, TypeError):
        return None


async def _kept_of(storage: Storage, owner: int) -> list[KeptExport]:
    """The owner's kept exports, newest first; those past `KEEP_DAYS` are deleted."""
    oldest = (dt.datetime.now(dt.UTC) - dt.timedelta(days=KEEP_DAYS)).isoformat()
    found = []
    for kept in await _all_kept(storage):
        if kept.owner != owner:
            continue
        if kept.created_at < oldest:
            await _forget(storage, kept.id)
            continue
        found.append(kept)
    return sorted(found, key=lambda k: (k.created_at, k.id), reverse=True)


async def _keep(export: ExportFile, owner: int, request: ExportRequest) -> KeptExport:
    """Store a finished export for `owner`; the owner's oldest beyond the limit go."""
    storage = get_storage()
    storytellers = _sources(export.work)
    kept = KeptExport(
        id=export.work.name,
        owner=owner,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        kind=export.notes.kind,
        format=export.notes.format,
        project=export.notes.project,
        lang=export.notes.lang,
        sites=list(export.notes.sites),
        include_codes=request.include_codes,
        filename=export.filename,
        media_type=export.media_type,
        size=export.path.stat().st_size,
        notes=export.notes.as_dict(),
        storytellers=storytellers,
    )
    await storage.put(kept.key, export.path)
    # The note last: an export counts as kept once its note is there.
    await storage.put(_note_key(kept.id), json.dumps(kept.__dict__).encode())
    for old in (await _kept_of(storage, owner))[KEEP_PER_ACCOUNT:]:
        await _forget(storage, old.id)
    return kept


def _no_export(export_id: str) -> NotFound:
    return NotFound(
        _("No such export."),
        [FieldError("export", _("No export “{kind}”.").format(kind=export_id))],
    )


class ExportService:
    """Exports for researchers, partners and authors; see `scope.py` for who sees what."""

    async def keep(self, actor: Actor, request: ExportRequest) -> KeptExport:
        """Build an export and keep it for the signed-in account to download later."""
        if actor.user_id is None:
            raise _no_export("")
        export = await self.export(actor, request)
        try:
            return await _keep(export, actor.user_id, request)
        finally:
            export.discard()

    async def keep_or_queue(self, actor: Actor, request: ExportRequest) -> KeptExport | JobOut:
        """The exports page's build: kept for the account when written at once (`keep`), or,
        above the synchronous limit, the job that writes it into the store."""
        if actor.user_id is None:
            raise _no_export("")
        answer = await self.request(actor, request)
        if isinstance(answer, JobOut):
            return answer
        try:
            return await _keep(answer, actor.user_id, request)
        finally:
            answer.discard()

    async def export_job(self, actor: Actor, job_id: str) -> JobOut:
        """An export job the actor may read (404 for any other job)."""
        job = await jobs.read(actor, job_id)
        if job.kind != EXPORT_JOB:
            raise _no_export(job_id)
        return job

    async def kept(self, actor: Actor) -> list[KeptExport]:
        """The account's kept exports, newest first (withdrawn ones are already gone)."""
        if actor.user_id is None:
            return []
        return await _kept_of(get_storage(), actor.user_id)

    async def kept_file(self, actor: Actor, export_id: str) -> tuple[KeptExport, ObjectInfo]:
        """One of the account's kept exports and its stored file; another account's is a 404 too."""
        if not KEPT_ID.match(export_id) or actor.user_id is None:
            raise _no_export(export_id)
        storage = get_storage()
        kept = await _read_kept(storage, export_id)
        if kept is None or kept.owner != actor.user_id or kept.id != export_id:
            raise _no_export(export_id)
        try:
            return kept, await storage.head(kept.key)
        except MissingObject as error:
            raise _no_export(export_id) from error

    async def export(self, actor: Actor, request: ExportRequest) -> ExportFile:
        """Write the export now, whatever its size (the command line, the exports page)."""
        request = validate(request, FORMATS)
        scope = await self._scope(actor, request)
        return await self._write(actor, request, scope, None)

    async def request(self, actor: Actor, request: ExportRequest) -> ExportFile | JobOut:
        """The export written now when its scope holds up to `export_sync_limit` consented
        stories; otherwise the job that writes it into the store (the one already queued or
        running for the same account, parameters and snapshot, if any)."""
        request = validate(request, FORMATS)
        scope = await self._scope(actor, request)
        info = await build_snapshot(scope.project["slug"], get_storage())
        stories = await anyio.to_thread.run_sync(_stories_in, info, scope.site_ids)
        if stories <= get_settings().export_sync_limit or actor.user_id is None:
            return await self._write(actor, request, scope, info)
        params = {
            "owner": actor.user_id,
            "kind": request.kind,
            "format": request.format,
            "project": request.project,
            "lang": request.lang,
            "sites": list(request.sites),
            "include_codes": request.include_codes,
            "snapshot": info.id,
        }
        subject = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:40]
        job_id = await jobs.active_for(EXPORT_JOB, subject, actor)
        if job_id is None:
            job_id = jobs.new_id()
            await jobs.enqueue(
                EXPORT_JOB, {**params, "job": job_id}, subject=subject, actor=actor, job_id=job_id
            )
        return await jobs.read(actor, job_id)

    async def run_job(self, job: dict[str, Any], progress: Progress) -> dict[str, Any]:
        """Write the export a job names into the store (the job function of kind `export`).

        Idempotent: an export already stored under the job's id is kept; otherwise it is
        written from the job's snapshot (or, when that one is gone, a fresh one: pruned, or
        deleted for a withdrawal) exactly as the synchronous path writes it."""
        job_id = job["job"]
        done = await stored.read(job_id)
        if done is not None:
            return done.result()
        actor = await actor_for_user(int(job["owner"]))
        if actor is None:
            raise NotFound(_("The account that asked for this export is no longer active."))
        request = ExportRequest(
            kind=job["kind"],
            project=job["project"],
            lang=job["lang"],
            sites=tuple(job["sites"]),
            format=job["format"],
            include_codes=bool(job["include_codes"]),
        )
        scope = await self._scope(actor, request)
        await progress("snapshot", 0.05)
        storage = get_storage()
        try:
            info = await anyio.to_thread.run_sync(find_snapshot, storage, job["snapshot"])
        except NotFound:
            info = await build_snapshot(scope.project["slug"], storage)
        await progress("export", 0.2)
        export = await self._write(actor, request, scope, info)
        try:
            await progress("store", 0.8)
            kept = await stored.store(
                storage,
                job_id,
                actor.user_id or 0,
                export.path,
                export.filename,
                export.media_type,
                info.id,
                export.notes.as_dict(),
                _sources(export.work),
            )
        finally:
            export.discard()
        if not await storage.exists(f"{SNAPSHOTS}/{info.id}/{SNAPSHOT_MANIFEST}"):
            # Its snapshot went while the file was written (a withdrawal among others): what
            # the file holds may no longer be allowed. The next attempt reads afresh.
            await stored.forget(job_id, storage)
            raise RuntimeError(f"the snapshot of export job {job_id} went while it was written")
        return kept.result()

    async def stored_file(self, actor: Actor, job_id: str) -> tuple[StoredExport, ObjectInfo]:
        """A job's stored export, for the account that asked for it and admins (404 to
        anyone else, and while the job is not done)."""
        row = await Job.select(Job.kind, Job.requested_by).where(Job.id == job_id).first()
        visible = row is not None and row["kind"] == EXPORT_JOB
        if visible and not actor.is_admin:
            visible = actor.user_id is not None and row["requested_by"] == actor.user_id
        kept = await stored.read(job_id) if visible else None
        if kept is None:
            raise _no_export(job_id)
        try:
            return kept, await get_storage().head(kept.key)
        except MissingObject as error:
            raise _no_export(job_id) from error

    async def _scope(self, actor: Actor, request: ExportRequest) -> ExportScope:
        return await resolve_scope(
            actor, request.project, request.sites, request.lang, request.include_codes
        )

    async def _write(
        self,
        actor: Actor,
        request: ExportRequest,
        scope: ExportScope,
        snapshot: SnapshotInfo | None,
    ) -> ExportFile:
        """Write the export into a fresh work area, from `snapshot` (or one taken now)."""
        fmt = str(request.format)
        chosen = EXPORTS[request.kind][fmt]
        notes = ExportNotes(
            project=scope.project["slug"],
            kind=request.kind,
            format=fmt,
            lang=scope.lang,
            sites=[site["slug"] for site in scope.sites],
        )
        work = work_area()
        try:
            inputs = await read_inputs(scope, work, snapshot)
            await anyio.to_thread.run_sync(
                _record_sources, work, scope.project["slug"], inputs.snapshot.id
            )
            data = await anyio.to_thread.run_sync(open_dataset, inputs, scope, notes)
            target = work / filename(request.kind, fmt, scope.project["slug"], scope.lang)
            await anyio.to_thread.run_sync(chosen.writer, data, target, notes, work)
            for path in inputs.paths.values():
                path.unlink(missing_ok=True)
            async with write_transaction():
                await audit.record(
                    actor,
                    "export",
                    "project",
                    scope.project["id"],
                    detail={
                        "kind": request.kind,
                        "format": fmt,
                        "lang": scope.lang,
                        "sites": notes.sites,
                        "snapshot": notes.snapshot_id,
                        "stories": notes.stories_exported,
                        "excluded": notes.excluded,
                        "withheld_columns": notes.withheld_columns,
                    },
                )
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return ExportFile(target, target.name, chosen.media_type, notes, work)
