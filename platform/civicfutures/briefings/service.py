"""Building, listing and serving briefings for an actor (no Litestar here).

Who may do what:
- authors and admins build any briefing (local or cross-site); partners build local briefings
  of their own sites only (another site is as absent as a missing one: 404; a cross-site
  briefing is 403); researchers read every briefing and build none;
- lowering the disclosure threshold below the project's k (0 switches it off) needs the right
  to publish unsuppressed tables (admins, or a researcher granted it; the CLI acts as admin);
- partners read only the local briefings of their sites.

Jobs: a request snapshots the project, reads the curation, then derives the briefing id. A
briefing already built under that id is answered at once (same inputs, same bytes), and one
already queued or being built is not built twice. Every build is a job (`civicfutures.jobs`,
kind `briefing`) whose row says whether it is queued, running, done or failed, and how far it
has gone: projects up to `sync_limit` stories run theirs in the request (201, `ready`), in a
worker thread so the event loop keeps serving; larger ones are queued (202, `building`) for a
worker, so any process answers `GET /api/v1/briefings/{id}` from the job's row.

Files: briefings, their status records and the snapshots they read are on the storage layer
(`briefings/storage.py`), so every process sharing the store sees the same briefings; what
touches the store runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from pathlib import Path
from typing import Any, TypeGuard

import anyio
import msgspec

from civicfutures import audit
from civicfutures.analysis.snapshot import (
    SnapshotInfo,
    build_snapshot,
    find_snapshot,
    load_snapshot,
    storyteller_ids,
)
from civicfutures.auth.actor import Actor
from civicfutures.briefings import storage
from civicfutures.briefings.build import build_from_snapshot
from civicfutures.briefings.drafting import draft_summary
from civicfutures.briefings.inputs import Inputs, gather_inputs
from civicfutures.briefings.manifest import MANIFEST
from civicfutures.briefings.params import (
    RECOMMENDATIONS_LIMIT,
    SUMMARY_LIMIT,
    BriefingIn,
    BriefingParams,
    author_text,
    briefing_id,
)
from civicfutures.briefings.progress import ProgressOut, Reporter, progress_of, steps
from civicfutures.briefings.renderers.to_zip import ARCHIVE
from civicfutures.briefings.schemas import BriefingFile, BriefingOut
from civicfutures.briefings.storage import Status
from civicfutures.curation.service import agreed_insights_for_briefing
from civicfutures.db.tables import Site
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import FieldError, Forbidden, Gone, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_number
from civicfutures.intake.setup_service import find_project
from civicfutures.intake.validation import Checker
from civicfutures.jobs import service as jobs
from civicfutures.jobs.kinds import Progress
from civicfutures.settings import get_settings
from civicfutures.storage.objects import MissingObject, ObjectInfo, Storage, get_storage

SYNC_LIMIT = 20_000
"""Stories in a project's snapshot up to which a briefing is built within the request."""

JOB_KIND = "briefing"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def can_build(actor: Actor) -> bool:
    return actor.has_any("author", "partner")


class BriefingService:
    def __init__(
        self,
        exports_dir: Path | None = None,
        sync_limit: int | None = None,
        store: Storage | None = None,
    ) -> None:
        # Local: the staging folders of builds of this machine. Shared: the store.
        self.exports_dir = Path(exports_dir or get_settings().exports_dir)
        self.store = store or get_storage()
        configured = get_settings().briefing_sync_limit
        if sync_limit is None:
            sync_limit = SYNC_LIMIT if configured is None else configured
        self.sync_limit = sync_limit

    # ------------------------------------------------------------------ parameters and access

    async def resolve(self, actor: Actor, data: BriefingIn) -> tuple[BriefingParams, int | None]:
        """Check the caller may build this briefing and fill in its defaults."""
        if not can_build(actor):
            raise Forbidden(_("Your account cannot build briefings."))
        local_only = not actor.has_any("author")
        if local_only and data.site is None:
            raise Forbidden(
                _("Partners build local briefings of their own sites only."),
                [FieldError("site", _("Choose one of your sites."))],
            )
        project = await find_project(data.project)
        site = None
        if data.site is not None:
            site = (
                await Site.select(Site.id, Site.slug, Site.languages)
                .output(load_json=True)
                .where((Site.slug == data.site) & (Site.project == project["id"]))
                .first()
            )
            if (
                site is None
                or not actor.sees_site(site["id"])
                or (local_only and site["id"] not in actor.partner_site_ids and not actor.is_admin)
            ):
                raise NotFound(
                    _("No such site."),
                    [
                        FieldError(
                            "site", _("No site “{ref}” in this project.").format(ref=data.site)
                        )
                    ],
                )
        checker = Checker()
        if data.language:
            language = checker.language("language", data.language)
        elif site and site["languages"]:
            language = site["languages"][0]
        else:
            language = project["default_language"] or "en"
        if data.date_from and data.date_to and data.date_from > data.date_to:
            checker.add("to", _("The end date must not be before the start date."))
        project_k = int(project["disclosure_threshold"])
        k = project_k if data.suppression is None else data.suppression
        if k < 0:
            checker.add("suppression", _("The threshold must be 0 (off) or more."))
        elif k < project_k and not (actor.is_admin or actor.unsuppressed):
            checker.add(
                "suppression",
                _(
                    "Only accounts allowed to publish unsuppressed tables may go below the project's threshold of %(k)s."
                )
                % {"k": project_k},
            )
        summary = author_text(data.summary)
        recommendations = author_text(data.recommendations) or ""
        for name, text, limit in (
            ("summary", summary or "", SUMMARY_LIMIT),
            ("recommendations", recommendations, RECOMMENDATIONS_LIMIT),
        ):
            if len(text) > limit:
                checker.add(
                    name,
                    _("Shorten this text to at most %(limit)s characters (it has %(n)s).")
                    % {"limit": format_number(limit), "n": format_number(len(text))},
                )
        checker.raise_if_any()
        params = BriefingParams(
            project=project["slug"],
            site=site["slug"] if site else None,
            language=language,
            date_from=data.date_from,
            date_to=data.date_to,
            k=k,
            summary=summary or None,
            recommendations=recommendations,
        )
        return params, site["id"] if site else None

    def _visible(self, actor: Actor, status: Status) -> bool:
        if actor.site_ids is None:
            return True
        return status.site_id is not None and actor.sees_site(status.site_id)

    async def _status(self, actor: Actor, briefing: str) -> Status:
        status = await self._in_thread(storage.read_status, self.store, briefing)
        if status is None or not self._visible(actor, status):
            raise NotFound(_("No such briefing."))
        if status.status == "withdrawn":
            raise Gone(
                _(
                    "This briefing was withdrawn: a storyteller it drew on withdrew their "
                    "consent or was erased. Request the briefing again for a new one without them."
                )
            )
        return await self._tracked(status)

    async def _tracked(self, status: Status) -> Status:
        """The status with the state of its build's job: queued or running is `building` at
        the job's step, a failed job a failed briefing with the job's localized error."""
        if status.status not in ("building", "failed"):
            return status
        job = await jobs.latest(JOB_KIND, status.id)
        if job is None:
            if status.status == "building":
                # Built before builds were jobs, by a process long gone.
                status.status, status.error = (
                    "failed",
                    _("The build was interrupted; request it again."),
                )
            return status
        if job["status"] in jobs.ACTIVE:
            status.status, status.error = "building", None
            status.step = job["step"] if job["step"] in steps() else status.step
        elif job["status"] == "failed":
            status.status, status.error = "failed", jobs.failure_message(job)
        status.job = job["id"]
        return status

    async def draft(self, actor: Actor, data: BriefingIn) -> str:
        """The summary this briefing would start from: drafted from its agreed insights."""
        params, _site_id = await self.resolve(actor, data)
        return draft_summary(
            await agreed_insights_for_briefing(params.project, params.site, params.language)
        )

    # ------------------------------------------------------------------ building

    async def prepare(self, params: BriefingParams) -> tuple[Any, Inputs, str]:
        """Snapshot the project, read its curation, and derive the briefing id."""
        info = await build_snapshot(params.project, self.store)
        inputs = await gather_inputs(params)
        return info, inputs, briefing_id(info.id, params, inputs.digest())

    def _build_files(
        self,
        info: SnapshotInfo,
        params: BriefingParams,
        inputs: Inputs,
        identifier: str,
        target: Path | None,
        replace: bool,
        progress: Reporter | None = None,
    ) -> dict[str, Any]:
        """Build into `target` (a local folder), or publish to the store when None; what
        `storage.publish` says of the zip."""
        snapshot = load_snapshot(info)
        if target is None:
            with storage.building(self.exports_dir, identifier) as work:
                build_from_snapshot(snapshot, params, inputs, identifier, work, progress)
                return storage.publish(self.store, work, identifier)
        with storage.staging(target, replace=replace) as work:
            build_from_snapshot(snapshot, params, inputs, identifier, work, progress)
        return {}

    async def _build(
        self,
        info: Any,
        params: BriefingParams,
        inputs: Inputs,
        identifier: str,
        target: Path | None,
        replace: bool = False,
        progress: Reporter | None = None,
    ) -> dict[str, Any]:
        work = functools.partial(
            self._build_files, info, params, inputs, identifier, target, replace, progress
        )
        return await anyio.to_thread.run_sync(work)

    async def request(self, actor: Actor, data: BriefingIn) -> BriefingOut:
        """Build a briefing (or find the one these inputs already gave); its status."""
        params, site_id = await self.resolve(actor, data)
        info, inputs, identifier = await self.prepare(params)
        existing = await self._in_thread(storage.read_status, self.store, identifier)
        if await self._in_thread(self._ready, existing):
            return await self._in_thread(self._out, existing)
        if existing is not None and existing.status in ("building", "failed"):
            tracked = await self._tracked(existing)
            if tracked.status == "building":
                return await self._in_thread(self._out, tracked)
        status = await self._start(actor, params, site_id, info, identifier)
        stories = int(info.manifest.get("tables", {}).get("stories", {}).get("rows", 0))
        here = stories <= self.sync_limit
        job = await self._enqueue(actor, status, info, params, inputs, here=here)
        if not here:
            status.job = job
            return await self._in_thread(self._out, status)
        current = await self._in_thread(storage.read_status, self.store, identifier)
        return await self._in_thread(self._out, await self._tracked(current or status))

    async def _enqueue(
        self,
        actor: Actor,
        status: Status,
        info: Any,
        params: BriefingParams,
        inputs: Inputs,
        *,
        here: bool,
        progress: Reporter | None = None,
    ) -> str:
        """The build's job: run here and now (`here`), or queued for a worker."""
        job = {
            "briefing": status.id,
            "snapshot": info.id,
            "params": msgspec.to_builtins(params),
            "inputs": msgspec.to_builtins(inputs),
        }
        return await jobs.enqueue(
            JOB_KIND,
            job,
            subject=status.id,
            actor=actor,
            site_id=status.site_id,
            here=here,
            observe=progress,
        )

    async def run_job(self, job: dict[str, Any], progress: Progress) -> dict[str, Any]:
        """Build the briefing a job names (the job function of kind `briefing`).

        Running it again gives the same bytes: the inputs are the job's, not re-read; a
        briefing already complete under its id is kept; a withdrawn one is not rebuilt."""
        identifier = job["briefing"]
        result = {"briefing": identifier, "url": f"/api/v1/briefings/{identifier}"}
        status = await self._in_thread(storage.read_status, self.store, identifier)
        if status is None or status.status == "withdrawn":
            raise Gone(_("This briefing was withdrawn before it was built."))
        params = msgspec.convert(job["params"], BriefingParams)
        inputs = msgspec.convert(job["inputs"], Inputs)
        if not await self._in_thread(self._ready, status):
            status.status, status.error = "building", None
            info = await self._in_thread(find_snapshot, self.store, job["snapshot"])
            await self._finish(status, info, params, inputs, progress)
        return result

    @staticmethod
    async def _in_thread(call: Any, *args: Any) -> Any:
        """Run a call that waits on the store off the event loop."""
        return await anyio.to_thread.run_sync(call, *args)

    def _ready(self, existing: Status | None) -> TypeGuard[Status]:
        """A briefing already built: its status says ready and its manifest is there."""
        return bool(
            existing
            and existing.status == "ready"
            and storage.stored_manifest(self.store, existing.id)
        )

    async def _start(
        self,
        actor: Actor,
        params: BriefingParams,
        site_id: int | None,
        info: Any,
        identifier: str,
    ) -> Status:
        """Record that a build begins: its status record (naming the storytellers it draws on),
        then the audit event."""
        tellers = await anyio.to_thread.run_sync(storyteller_ids, info, site_id)
        status = Status(
            id=identifier,
            status="building",
            project=params.project,
            site=params.site,
            site_id=site_id,
            language=params.language,
            date_from=params.date_from.isoformat() if params.date_from else None,
            date_to=params.date_to.isoformat() if params.date_to else None,
            suppression=params.k,
            snapshot=info.id,
            requested_at=_now(),
            requested_by=actor.label,
            storytellers=sorted(tellers),
        )
        await self._in_thread(storage.write_status, self.store, status)
        await self._audit(actor, status)
        return status

    def _recorder(self, status: Status, also: Reporter | None = None) -> Reporter:
        """A reporter keeping the step in the status record, where every worker reads it."""

        def record(step: str) -> None:
            status.step = step
            storage.write_status(self.store, status)
            if also is not None:
                also(step)

        return record

    async def _finish(
        self,
        status: Status,
        info: Any,
        params: BriefingParams,
        inputs: Inputs,
        progress: Progress | Reporter | None = None,
    ) -> None:
        """Build and publish, then mark the status ready; each step reaches `progress` (the
        job's row) from the build's thread, all of them before the briefing is ready. A failure
        is the job's to record (it may run again), so it is raised."""
        loop = asyncio.get_running_loop()
        keys = steps()
        reports: list[asyncio.Future] = []
        # The writers run side by side, so a step that began earlier may report later: the
        # job's progress only moves forward, one update at a time, in the order they came.
        in_order = asyncio.Lock()
        highest = 0.0

        async def forward(step: str, fraction: float) -> None:
            nonlocal highest
            async with in_order:
                if progress is None or fraction < highest:
                    return
                highest = fraction
                await progress(step, fraction)

        def report(step: str) -> None:
            if progress is not None and step in keys:
                fraction = keys.index(step) / len(keys)
                call = asyncio.run_coroutine_threadsafe(forward(step, fraction), loop)
                reports.append(asyncio.wrap_future(call, loop=loop))

        try:
            archive = await self._build(
                info, params, inputs, status.id, None, progress=self._recorder(status, report)
            )
        except storage.Withdrawn:
            return
        except Exception:
            current = await self._in_thread(storage.read_status, self.store, status.id)
            if current is not None and current.status == "withdrawn":
                # Withdrawn under way (its staging folder deleted): it stays withdrawn.
                return
            raise
        finally:
            await asyncio.gather(*reports, return_exceptions=True)
        status.status, status.built_at, status.error, status.pid = "ready", _now(), None, None
        status.step, status.archive = None, archive or None
        await self._in_thread(storage.write_status, self.store, status)

    async def _audit(self, actor: Actor, status: Status) -> None:
        async with write_transaction():
            await audit.record(
                actor,
                "build",
                "briefing",
                status.id,
                after={"project": status.project, "site": status.site, "snapshot": status.snapshot},
                detail={
                    "project": status.project,
                    "site": status.site,
                    "language": status.language,
                    "suppression": status.suppression,
                    "snapshot": status.snapshot,
                },
            )

    async def build_into(
        self,
        actor: Actor,
        data: BriefingIn,
        out: Path | None = None,
        progress: Reporter | None = None,
    ) -> Path | str:
        """Build now, waiting for it (the command line); into `out` when given, else where
        `storage.location` says (a local folder, or a URL in a bucket).

        `out` is created when missing. It is never another briefing's or anything else's: a
        folder holding other files, or another briefing, is refused rather than replaced.
        """
        params, site_id = await self.resolve(actor, data)
        if out is not None:
            out = out.resolve()
            self._check_out(out, None)
        info, inputs, identifier = await self.prepare(params)
        if out is None:
            existing = await self._in_thread(storage.read_status, self.store, identifier)
            if not await self._in_thread(self._ready, existing):
                status = await self._start(actor, params, site_id, info, identifier)
                await self._enqueue(
                    actor, status, info, params, inputs, here=True, progress=progress
                )
            return storage.location(self.store, identifier)
        self._check_out(out, identifier)
        await self._build(info, params, inputs, identifier, out, replace=True, progress=progress)
        return out

    @staticmethod
    def _check_out(out: Path, identifier: str | None) -> None:
        """Refuse an output folder that would lose something: a file, other files, another
        briefing (`identifier` None: any briefing will do, the id is not known yet)."""
        if out.exists() and not out.is_dir():
            raise Forbidden(
                _("The output path is a file, not a folder; choose a folder."),
                [FieldError("out", str(out))],
            )
        if not out.exists() or not any(out.iterdir()):
            return
        manifest = storage.read_manifest(out)
        if manifest is None:
            raise Forbidden(
                _("The output directory is not empty and holds no briefing; choose another."),
                [FieldError("out", str(out))],
            )
        if identifier is not None and manifest.get("briefing") != identifier:
            raise Forbidden(
                _(
                    "The output directory holds another briefing (%(id)s); choose another "
                    "folder so that it is not overwritten."
                )
                % {"id": manifest.get("briefing")},
                [FieldError("out", str(out))],
            )

    async def progress(self, actor: Actor, briefing: str) -> ProgressOut:
        """How far the briefing's build has gone (complete once it is ready)."""
        status = await self._status(actor, briefing)
        return progress_of(status.status, status.step)

    # ------------------------------------------------------------------ reading

    def _out(self, status: Status) -> BriefingOut:
        manifest = None
        files: list[BriefingFile] = []
        if status.status == "ready":
            manifest = storage.stored_manifest(self.store, status.id)
            if manifest is not None:
                base = f"/api/v1/briefings/{status.id}/files/"
                files = [
                    BriefingFile(
                        name=f["path"], bytes=f["bytes"], sha256=f["sha256"], url=base + f["path"]
                    )
                    for f in manifest["files"]
                ]
                archive = storage.archive_of(self.store, status)
                if archive:
                    # The one file the manifest cannot list: it holds the manifest.
                    files.append(
                        BriefingFile(
                            name=ARCHIVE,
                            bytes=archive["bytes"],
                            sha256=archive["sha256"],
                            url=base + ARCHIVE,
                        )
                    )
        return BriefingOut(
            id=status.id,
            status=status.status,
            project=status.project,
            site=status.site,
            language=status.language,
            date_from=status.date_from,
            date_to=status.date_to,
            suppression=status.suppression,
            snapshot=status.snapshot,
            requested_at=status.requested_at,
            built_at=status.built_at,
            error=status.error,
            files=files,
            manifest=manifest,
            job=status.job,
        )

    async def get(self, actor: Actor, briefing: str) -> BriefingOut:
        return await self._in_thread(self._out, await self._status(actor, briefing))

    async def list(self, actor: Actor, project: str | None = None) -> list[BriefingOut]:
        """The briefings the actor may read, newest request first, without their manifests."""
        found = []
        for status in await self._in_thread(storage.list_statuses, self.store):
            if project and status.project != project:
                continue
            if status.status == "withdrawn":
                continue
            if self._visible(actor, status):
                out = await self._in_thread(self._out, await self._tracked(status))
                out.manifest = None
                found.append(out)
        return found

    async def file(self, actor: Actor, briefing: str, name: str) -> ObjectInfo:
        """A file of a ready briefing, by its path in the manifest (nothing else is served)."""
        status = await self._status(actor, briefing)
        return await self._in_thread(self._file, status, name)

    def _file(self, status: Status, name: str) -> ObjectInfo:
        manifest = (
            storage.stored_manifest(self.store, status.id) if status.status == "ready" else None
        )
        names = {f["path"] for f in (manifest or {}).get("files", [])}
        if manifest is not None:
            names.update((MANIFEST, ARCHIVE))
        if name not in names:
            raise NotFound(_("No such file in this briefing."))
        try:
            return storage.file_info(self.store, status.id, name)
        except MissingObject as error:
            # Withdrawn between the status read and now.
            raise NotFound(_("No such file in this briefing.")) from error
