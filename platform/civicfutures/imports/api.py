"""JSON routes of the import: upload (dry run or commit) and the template download."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

import msgspec
from litestar import Controller, MediaType, Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import FromQuery, QueryParameter

from civicfutures.auth.actor import Actor
from civicfutures.errors import FieldError, InvalidInput
from civicfutures.i18n import gettext as _
from civicfutures.idempotency import run_once
from civicfutures.imports.limits import get_limits
from civicfutures.imports.queued import ImportJobs
from civicfutures.imports.report import ImportReport
from civicfutures.imports.service import ImportRejected, ImportService
from civicfutures.imports.sources import SourceFile
from civicfutures.imports.template import TemplateFile, TemplateService
from civicfutures.intake.api import ACTOR
from civicfutures.intake.schemas import ERROR_RESPONSES
from civicfutures.jobs.schemas import JobOut
from civicfutures.web.auth import writers


@dataclass
class ImportUpload:
    """What an upload carries: the file and where it goes (multipart fields or the query)."""

    source: SourceFile
    project: str
    site: str | None
    dry_run: bool


def _flag(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


async def read_upload(
    request: Request,
    project: str | None,
    site: str | None,
    dry_run: bool,
    filename: str | None,
) -> ImportUpload:
    """`multipart/form-data` (`file`, `project`, `site`, `dry_run`), or the file as the raw body
    with `project`, `site`, `dry_run` and `filename` in the query string."""
    fields: dict[str, object] = {"project": project, "site": site, "dry_run": dry_run}
    content_type, _options = request.content_type
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        fields.update({k: form.get(k) for k in ("project", "site", "dry_run") if form.get(k)})
        if isinstance(upload, UploadFile):
            source = SourceFile(name=upload.filename or "upload", data=await upload.read())
        else:
            source = SourceFile(name="upload", data=b"")
    else:
        source = SourceFile(name=filename or "upload", data=await request.body())
    if not fields["project"]:
        raise InvalidInput(
            _("The request has invalid fields."),
            [FieldError("project", _("This field is required."))],
        )
    return ImportUpload(
        source=source,
        project=str(fields["project"]),
        site=str(fields["site"]) if fields["site"] else None,
        dry_run=_flag(fields["dry_run"]),
    )


@dataclass
class UploadOperation(Operation):
    """The upload's request body in the OpenAPI document (the handler reads it itself)."""

    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        text = Schema(type=OpenAPIType.STRING)
        self.request_body = RequestBody(
            required=True,
            description="The spreadsheet (XLSX, ODS or CSV), as a multipart form or as the raw body.",
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        properties={
                            "file": binary,
                            "project": text,
                            "site": text,
                            "dry_run": Schema(type=OpenAPIType.BOOLEAN),
                        },
                        required=["file", "project"],
                    )
                ),
                "text/csv": OpenAPIMediaType(schema=binary),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
                    OpenAPIMediaType(schema=binary)
                ),
                "application/vnd.oasis.opendocument.spreadsheet": OpenAPIMediaType(schema=binary),
            },
        )


def download(template: TemplateFile) -> Response[bytes]:
    return Response(
        content=template.content,
        media_type=template.media_type,
        headers={"Content-Disposition": f'attachment; filename="{template.filename}"'},
    )


def report_response(report: ImportReport) -> Response[ImportReport]:
    return Response(report, status_code=report.status_code, media_type=MediaType.JSON)


def job_response(job: JobOut) -> Response[JobOut]:
    """202: the commit is a job, read at its Location until it is done."""
    return Response(
        job,
        status_code=202,
        media_type=MediaType.JSON,
        headers={"Location": f"/api/v1/jobs/{job.id}"},
    )


class ImportController(Controller):
    path = "/api/v1/imports"
    tags = ["imports"]
    dependencies = {
        **ACTOR,
        "imports": Provide(ImportService, sync_to_thread=False),
        "templates": Provide(TemplateService, sync_to_thread=False),
    }

    @post(
        "/",
        guards=[writers],
        status_code=201,
        operation_class=UploadOperation,
        responses={
            **ERROR_RESPONSES,
            200: ResponseSpec(ImportReport, description="A dry run found no problem."),
            202: ResponseSpec(
                JobOut,
                description=(
                    "A clean file of more stories than CIVICFUTURES_IMPORT_SYNC_LIMIT: its commit "
                    "is a job (Location: /api/v1/jobs/{id}) whose result is the report."
                ),
            ),
            422: ResponseSpec(
                ImportReport, description="The file has problems; nothing was written."
            ),
        },
        summary="Import a spreadsheet of stories (CSV, XLSX, ODS): dry run, or all-or-nothing commit",
        description=(
            "200 with the report for a clean dry run, 201 with the counts on commit, 422 with the "
            "report (every problem by row and column) when the file has problems; nothing is "
            "written then, also when reading and checking the file takes longer than "
            "CIVICFUTURES_IMPORT_TIME_BUDGET_SECONDS. 503 with `Retry-After` when the process "
            "already runs CIVICFUTURES_IMPORT_MAX_CONCURRENT imports. `Idempotency-Key` replays "
            "the first commit's answer. A clean file of more stories than "
            "CIVICFUTURES_IMPORT_SYNC_LIMIT is checked in the request, then committed by a job: "
            "202 with the job and `Location: /api/v1/jobs/{id}`; its result is the report; the "
            "same upload repeated while its job is queued or running answers the same job. "
            "Query parameters `project`, `site`, `dry_run` may stand in for the form's fields."
        ),
    )
    async def upload(
        self,
        request: Request,
        imports: NamedDependency[ImportService],
        actor: NamedDependency[Actor],
        project: FromQuery[str | None] = None,
        site: FromQuery[str | None] = None,
        dry_run: FromQuery[bool] = False,
        filename: FromQuery[str | None] = None,
    ) -> Response[ImportReport | JobOut]:
        upload = await read_upload(request, project, site, dry_run, filename)
        try:
            if upload.dry_run:
                return report_response(
                    await imports.run(
                        actor, upload.source, upload.project, upload.site, dry_run=True
                    )
                )
            return await _committed(request, actor, upload, imports)
        except ImportRejected as rejected:
            return report_response(rejected.report)

    @get(
        "/template",
        guards=[writers],
        responses=ERROR_RESPONSES,
        summary="The import template of a project, in a language (XLSX with dropdowns, or CSV)",
    )
    async def template(
        self,
        templates: NamedDependency[TemplateService],
        actor: NamedDependency[Actor],
        project: FromQuery[str],
        lang: FromQuery[str] = "en",
        file_format: Annotated[str, QueryParameter(name="format")] = "xlsx",
        site: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        return download(await templates.build(actor, project, lang, file_format, site))


async def _committed(
    request: Request, actor: Actor, upload: ImportUpload, imports: ImportService
) -> Response[ImportReport] | Response[JobOut]:
    """A commit in one of the process's import slots (503 with Retry-After when none is free)."""
    async with imports.slot():
        return await _committed_in_slot(request, actor, upload, imports)


async def _committed_in_slot(
    request: Request, actor: Actor, upload: ImportUpload, imports: ImportService
) -> Response[ImportReport] | Response[JobOut]:
    """A commit, replayed for a retry with the same `Idempotency-Key` and the same upload.

    The file is read and checked before the keyed write begins, so the write lock is held only
    while the rows are matched and written, not while a large file is parsed. A clean large
    file is committed by a job instead: repeating the upload finds that job, with or without
    a key.
    """
    prepared = await imports.prepare(actor, upload.source, upload.project, upload.site)
    queued = ImportJobs()
    if queued.takes(prepared):
        return job_response(await queued.queue(prepared, upload.source))
    key = request.headers.get("idempotency-key")
    if not key or prepared.problems:
        return report_response(await imports.commit(prepared))
    # The upload's identity: its bytes and where they go (the multipart envelope varies).
    fingerprint = "\n".join(
        (hashlib.sha256(upload.source.data or b"").hexdigest(), upload.project, upload.site or "")
    ).encode()
    scope = f"{actor.user_id or actor.label}:{request.url.path}"
    answer = await run_once(
        scope,
        key.strip()[:200],
        fingerprint,
        "import",
        lambda: imports.commit(prepared),
        lambda reference: imports.replay(prepared, reference),
        reference=imports.reference,  # type: ignore[arg-type]
    )
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    return Response(
        msgspec.json.decode(answer.body, type=ImportReport),
        status_code=answer.status_code,
        media_type=MediaType.JSON,
        headers=headers,
    )


def import_routes() -> list[Router]:
    """The API routes, with the upload's body limit read from the import's settings."""
    return [
        Router(
            path="/",
            route_handlers=[ImportController],
            request_max_body_size=get_limits().max_request_bytes,
        )
    ]
