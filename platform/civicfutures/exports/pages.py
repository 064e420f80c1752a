"""The exports page `/{lang}/exports`: build an export with the API's parameters, list the
account's recent exports and download them. An export above the synchronous limit is written
by a job: the form leads to `/{lang}/exports/jobs/{job_id}`, a page that reloads itself with
the job's progress until the file is ready, then links to its download.

HTTP only: the form is read into the API's `ExportRequest` and handed to `ExportService.keep`,
which builds the export under the same scope and consent rules as `GET /api/v1/exports/{kind}`
and keeps it for the account. Withdrawn or erased storytellers take the kept exports holding
them along (`derived.py`): they leave the list and their downloads answer 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Stream, Template

from civicfutures.errors import FieldError, Problem
from civicfutures.exports.notes import ExportNotes
from civicfutures.exports.registry import FORMATS
from civicfutures.exports.request import ExportRequest
from civicfutures.exports.scope import may_see_codes
from civicfutures.exports.service import ExportService
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_datetime
from civicfutures.i18n.languages import PAGE_LANGUAGES
from civicfutures.intake.setup_service import SetupService
from civicfutures.jobs.schemas import JobOut
from civicfutures.jobs.service import ACTIVE
from civicfutures.storage.downloads import object_response
from civicfutures.storage.objects import get_storage
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import known_language, page

FIELDS = ("project", "kind", "format", "lang", "sites", "include_codes")
EXPORTERS = page_requires("researcher")
REFRESH_SECONDS = 2


def job_status_labels() -> dict[str, str]:
    return {
        "queued": _("Waiting to be written"),
        "running": _("Being written"),
        "done": _("Ready"),
        "failed": _("Failed"),
    }


def kind_labels() -> dict[str, str]:
    return {
        "stories": _("Stories (one row per story)"),
        "qdpx": _("REFI-QDA project (QDPX)"),
        "qdc": _("REFI-QDA codebook (QDC)"),
        "sav": _("SPSS data file (SAV)"),
        "dta": _("Stata data file (DTA)"),
        "dictionary": _("Data dictionary"),
    }


def format_labels() -> dict[str, str]:
    return {
        "csv": "CSV",
        "xlsx": _("Excel workbook (XLSX)"),
        "parquet": "Parquet",
        "jsonl": "JSON Lines",
        "qdpx": "QDPX",
        "qdc": "QDC",
        "sav": "SAV",
        "dta": "DTA",
        "datapackage": _("Data package (ZIP: stories and dictionary as CSV, datapackage.json)"),
    }


def field_labels() -> dict[str, str]:
    return {
        "project": _("Project"),
        "kind": _("What to export"),
        "format": _("File format"),
        "lang": _("Language of the labels"),
        "sites": _("Sites"),
        "include_codes": _("Storyteller codes"),
        "export": _("Export"),
        "form": _("Export"),
    }


def moment(iso: str) -> str:
    return format_datetime(dt.datetime.fromisoformat(iso), "short")


def _values(form: Any) -> dict[str, Any]:
    return {
        "project": (form.get("project") or "").strip(),
        "kind": (form.get("kind") or "").strip(),
        "format": (form.get("format") or "").strip(),
        "lang": (form.get("lang") or "").strip(),
        "sites": [v.strip() for v in form.getall("sites", []) if v and v.strip()],
        "include_codes": (form.get("include_codes") or "") in ("1", "on", "true"),
    }


class ExportPages(Controller):
    path = "/exports"
    guards = [EXPORTERS]
    include_in_schema = False

    async def _page(
        self,
        request: Request,
        values: dict[str, Any],
        errors: list[FieldError],
        status_code: int = 200,
        built: str | None = None,
    ) -> Template:
        actor = current_actor(request)
        sites = await SetupService().list_sites(actor)
        names = await SetupService().project_names(sorted({site.project for site in sites}))
        projects = list(names)
        messages: dict[str, str] = {}
        for error in errors:
            name = error.field if error.field in FIELDS else "form"
            messages[name] = (
                f"{messages[name]} {error.message}" if name in messages else error.message
            )
        return page(
            "exports/exports.html",
            status_code=status_code,
            values={
                **values,
                "project": values.get("project") or (projects[0] if projects else ""),
            },
            errors=messages,
            labels=field_labels(),
            projects=projects,
            project_names=names,
            site_names={site.slug: site.name for site in sites},
            sites=sites,
            kinds=kind_labels(),
            formats=FORMATS,
            format_labels=format_labels(),
            languages=sorted({*PAGE_LANGUAGES, *(tag for s in sites for tag in s.languages)}),
            codes_allowed=may_see_codes(actor),
            exports=await ExportService().kept(actor),
            built=built,
            moment=moment,
        )

    @get("/", name="exports")
    async def index(self, request: Request, lang: FromPath[str]) -> Template:
        values = {"kind": "stories", "format": "", "lang": "", "sites": [], "include_codes": False}
        built = request.query_params.get("built")
        return await self._page(request, values, [], built=built)

    @post("/", name="exports_build", status_code=200)
    async def build(self, request: Request, lang: FromPath[str]) -> Response | Template:
        values = _values(await request.form())
        errors: list[FieldError] = []
        if not values["kind"]:
            errors.append(FieldError("kind", _("Choose what to export.")))
        if not values["project"]:
            errors.append(FieldError("project", _("Choose a project.")))
        if not errors:
            export = ExportRequest(
                kind=values["kind"],
                project=values["project"],
                lang=values["lang"] or None,
                sites=tuple(dict.fromkeys(values["sites"])),
                format=values["format"] or None,
                include_codes=values["include_codes"],
            )
            try:
                kept = await ExportService().keep_or_queue(current_actor(request), export)
                if isinstance(kept, JobOut):
                    return Redirect(f"/{lang}/exports/jobs/{kept.id}", status_code=303)
                return Redirect(
                    f"/{lang}/exports?built={kept.id}#export-{kept.id}", status_code=303
                )
            except Problem as problem:
                if not problem.errors:
                    raise
                errors = list(problem.errors)
        return await self._page(request, values, errors, status_code=422)

    @get("/jobs/{job_id:str}", name="export_job")
    async def job(self, request: Request, lang: FromPath[str], job_id: FromPath[str]) -> Template:
        """An export being written by a job: its progress, then its download."""
        job = await ExportService().export_job(current_actor(request), job_id)
        return page(
            "exports/job.html",
            job=job,
            active=job.status in ACTIVE,
            status_labels=job_status_labels(),
            refresh_seconds=REFRESH_SECONDS,
            notes=ExportNotes(**job.result["notes"]).sentences()
            if (job.result or {}).get("notes")
            else [],
        )

    @get("/jobs/{job_id:str}/file", name="export_job_file")
    async def job_file(
        self, request: Request, lang: FromPath[str], job_id: FromPath[str]
    ) -> Response | Stream:
        kept, info = await ExportService().stored_file(current_actor(request), job_id)
        return await _attachment(request, kept.media_type, kept.filename, info)

    @get("/{export_id:str}", name="export_download")
    async def download(
        self, request: Request, lang: FromPath[str], export_id: FromPath[str]
    ) -> Response | Stream:
        kept, info = await ExportService().kept_file(current_actor(request), export_id)
        return await _attachment(request, kept.media_type, kept.filename, info)


async def _attachment(
    request: Request, media_type: str, filename: str, info: Any
) -> Response | Stream:
    """A kept export or a job's stored one, as a download with ranges and ETags."""
    return await object_response(
        request,
        get_storage(),
        info,
        media_type,
        {"Content-Disposition": f'attachment; filename="{filename}"'},
    )


EXPORT_PAGES = Router(
    path="/{lang:str}",
    route_handlers=[ExportPages],
    guards=[known_language],
    include_in_schema=False,
)
