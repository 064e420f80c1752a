"""The partner's import page under `/{lang}/sites/{site}/import`: template links, upload, report.

The same service as `POST /api/v1/imports`: "Check" runs a dry run and shows the report;
"Import" commits and redirects (303) to the page with the counts, or shows the report (422).
A clean file of more stories than CIVICFUTURES_IMPORT_SYNC_LIMIT is committed by a job
instead: the redirect goes to `?job=<id>`, where the page reloads itself showing the job's
step and progress, then its report.
A clean check keeps the file on the server (`kept.py`) and offers "Import these N stories",
a form posting the file's fingerprint to `/import/checked`: the partner does not choose the
file again. That commit reads the kept bytes and runs exactly the import a commit with the
file runs (checked again against the database as it is now), then deletes the kept file.
"""

from __future__ import annotations

from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from civicfutures.errors import FieldError, NotFound, Problem
from civicfutures.i18n import gettext as _
from civicfutures.imports.api import download
from civicfutures.imports.budget import ImportsBusy
from civicfutures.imports.kept import FIELD, KeptFile, KeptImports
from civicfutures.imports.limits import MIB, get_limits
from civicfutures.imports.queued import JOB_KIND, ImportJobs
from civicfutures.imports.report import ImportReport
from civicfutures.imports.service import ImportRejected, ImportService
from civicfutures.imports.sources import SourceFile
from civicfutures.imports.template import WRITERS, TemplateService
from civicfutures.intake.setup_service import SetupService
from civicfutures.jobs import service as jobs
from civicfutures.jobs.schemas import JobOut
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import known_language, page


class ImportPages(Controller):
    path = "/sites/{site:str}/import"
    guards = [page_requires("partner")]
    include_in_schema = False

    @get("/", name="import_form")
    async def form(self, request: Request, lang: FromPath[str], site: FromPath[str]) -> Template:
        query = request.query_params
        done = None
        if query.get("imported") is not None:
            done = {"created": query.get("imported"), "existing": query.get("existing", "0")}
        job = await _job(request, query.get("job"))
        report = None
        if job is not None and job.status == "done" and job.result:
            report = msgspec.convert(job.result, ImportReport)
        return await _page(request, lang, site, done=done, job=job, report=report)

    @post("/", name="import_upload", status_code=200)
    async def upload(
        self, request: Request, lang: FromPath[str], site: FromPath[str]
    ) -> Response | Template:
        actor = current_actor(request)
        site_out = await SetupService().get_site(actor, site)
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await _page(
                request,
                lang,
                site,
                status_code=422,
                errors=[FieldError("file", _("Choose the file to import."))],
            )
        source = SourceFile(name=upload.filename, data=await upload.read())
        dry_run = form.get("action") != "import"
        try:
            if dry_run:
                report = await ImportService().run(
                    actor, source, site_out.project, site, dry_run=True
                )
            else:
                report = await ImportJobs().commit_or_queue(actor, source, site_out.project, site)
        except ImportRejected as rejected:
            return await _page(request, lang, site, report=rejected.report, status_code=422)
        except ImportsBusy as busy:
            return await _page(
                request,
                lang,
                site,
                status_code=busy.status_code,
                errors=[FieldError("file", busy.detail)],
                headers={"Retry-After": str(busy.retry_after)},
            )
        if dry_run:
            kept = await KeptImports().keep(actor, site_out.id, site, source, report)
            return await _page(request, lang, site, report=report, kept=kept)
        await KeptImports().forget(actor, site_out.id, source)
        return _imported(lang, site, report)

    @post("/checked", name="import_checked", status_code=200)
    async def import_checked(
        self, request: Request, lang: FromPath[str], site: FromPath[str]
    ) -> Response | Template:
        """Import the file this partner checked for this site, named by its fingerprint."""
        actor = current_actor(request)
        site_out = await SetupService().get_site(actor, site)
        form = await request.form()
        store = KeptImports()
        try:
            kept, data = await store.take(actor, site_out.id, form.get(FIELD))
        except Problem as refused:
            return await _page(
                request,
                lang,
                site,
                status_code=refused.status_code,
                detail=refused.detail,
                errors=refused.errors,
            )
        source = SourceFile(name=kept.name, data=data)
        try:
            report = await ImportJobs().commit_or_queue(actor, source, site_out.project, site)
        except ImportRejected as rejected:
            # The database changed since the check; the file cannot be imported as it is.
            await store.discard(kept)
            return await _page(request, lang, site, report=rejected.report, status_code=422)
        except ImportsBusy as busy:
            # Kept as it was: the partner tries the same button again in a moment.
            return await _page(
                request,
                lang,
                site,
                status_code=busy.status_code,
                detail=busy.detail,
                errors=[FieldError(FIELD, busy.detail)],
                kept=kept,
                headers={"Retry-After": str(busy.retry_after)},
            )
        await store.discard(kept)
        return _imported(lang, site, report)

    @get("/template/{file_format:str}", name="import_template")
    async def template(
        self, request: Request, lang: FromPath[str], site: FromPath[str], file_format: FromPath[str]
    ) -> Response[bytes]:
        actor = current_actor(request)
        site_out = await SetupService().get_site(actor, site)
        return download(
            await TemplateService().build(actor, site_out.project, lang, file_format, site)
        )


def _imported(lang: str, site: str, report: ImportReport | JobOut) -> Redirect:
    """To the page with the counts, or with the job committing the file."""
    if isinstance(report, JobOut):
        query = {"job": report.id}
    else:
        query = {"imported": report.created.stories, "existing": report.existing.stories}
    return Redirect(f"/{lang}/sites/{site}/import?{urlencode(query)}", status_code=303)


REFRESH_SECONDS = 2


def _step_labels() -> dict[str, str]:
    """What a queued or running import job is doing, by status and step, in the page's
    language (the page's script shows them as the job moves on)."""
    return {
        "queued": _("Waiting for a worker"),
        "running": _("Importing the file"),
        "read": _("Reading the file"),
        "check": _("Matching the rows with the stored stories"),
        "write": _("Writing the stories"),
    }


def _step_label(job: JobOut) -> str:
    labels = _step_labels()
    if job.status == "queued":
        return labels["queued"]
    return labels.get(job.step or "", labels["running"])


async def _job(request: Request, job_id: str | None) -> JobOut | None:
    """The import job the page follows (`?job=`): one the user may read, else a 404."""
    if not job_id:
        return None
    job = await jobs.read(current_actor(request), job_id)
    if job.kind != JOB_KIND:
        raise NotFound(_("No such job."))
    return job


async def _page(
    request: Request,
    lang: str,
    site: str,
    *,
    report: ImportReport | None = None,
    kept: KeptFile | None = None,
    detail: str | None = None,
    done: dict[str, str | None] | None = None,
    job: JobOut | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    actor = current_actor(request)
    site_out = await SetupService().get_site(actor, site)
    limits = get_limits()
    template = page(
        "imports/upload.html",
        status_code=status_code,
        site=site_out,
        report=report,
        kept=kept,
        detail=detail,
        done=done,
        job=job,
        job_running=job is not None and job.status in jobs.ACTIVE,
        job_step=_step_label(job) if job is not None else None,
        job_labels=_step_labels() if job is not None else {},
        job_percent=round(job.progress * 100) if job is not None else 0,
        refresh_seconds=REFRESH_SECONDS,
        errors={e.field: e.message for e in errors or []},
        formats=sorted(WRITERS),
        max_mib=limits.max_bytes // MIB,
        max_rows=limits.max_rows,
        can_write=actor.writes_site(site_out.id),
    )
    if headers:
        template.headers.update(headers)
    return template


def import_page_routes() -> list[Router]:
    """The page routes under `/{lang}`, with the upload's body limit of the import settings."""
    return [
        Router(
            path="/{lang:str}",
            route_handlers=[ImportPages],
            guards=[known_language],
            include_in_schema=False,
            request_max_body_size=get_limits().max_request_bytes,
        )
    ]
