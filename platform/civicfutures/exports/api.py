"""`GET /api/v1/exports/{kind}`: the export as a download, streamed from its work area; or,
above the synchronous limit, the job that writes it (202, `Location: /api/v1/jobs/{id}`),
whose file `GET /api/v1/exports/files/{job_id}` then streams from the store.

The file is written to a temporary work area first, then streamed in chunks; the work area is
deleted when the stream ends (or the client goes away). `X-Export-Notes` carries the notes
(what was left out) as JSON.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter
from litestar.response import Stream

from civicfutures.auth.actor import Actor
from civicfutures.exports.request import ExportRequest, parse_sites
from civicfutures.exports.service import ExportFile, ExportService
from civicfutures.intake.api import ACTOR
from civicfutures.intake.schemas import ERROR_RESPONSES
from civicfutures.jobs.schemas import JobOut
from civicfutures.jobs.service import location
from civicfutures.storage.downloads import object_response
from civicfutures.storage.objects import get_storage
from civicfutures.web.auth import readers

CHUNK = 256 * 1024


async def chunks(export: ExportFile) -> AsyncIterator[bytes]:
    """The file's bytes in chunks; the work area goes once the last chunk is sent."""
    try:
        async with await anyio.open_file(export.path, "rb") as handle:
            while chunk := await handle.read(CHUNK):
                yield chunk
    finally:
        export.discard()


def notes_header(notes: dict) -> str:
    return json.dumps(notes, separators=(",", ":"))


EXPORT_RESPONSES = {
    **ERROR_RESPONSES,
    202: ResponseSpec(
        data_container=JobOut,
        description="Above the synchronous limit: the export is being written by the job "
        "named in `Location`; its result gives `download`.",
        generate_examples=False,
    ),
}


def download(export: ExportFile) -> Stream:
    return Stream(
        chunks(export),
        media_type=export.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Content-Length": str(export.path.stat().st_size),
            "X-Export-Notes": notes_header(export.notes.as_dict()),
        },
    )


class ExportController(Controller):
    path = "/api/v1/exports"
    tags = ["exports"]
    dependencies = {**ACTOR, "exports": Provide(ExportService, sync_to_thread=False)}

    @get(
        "/{kind:str}",
        guards=[readers],
        responses=EXPORT_RESPONSES,
        summary="Export a project's consented stories (stories, qdpx, qdc, sav, dta, dictionary)",
        description="Streams the file; above `CIVICFUTURES_EXPORT_SYNC_LIMIT` consented "
        "stories answers 202 with the job that writes it (the same request while that job is "
        "queued or running answers the same job).",
    )
    async def export(
        self,
        exports: NamedDependency[ExportService],
        actor: NamedDependency[Actor],
        kind: Annotated[
            str,
            PathParameter(description="stories, qdpx, qdc, sav, dta or dictionary"),
        ],
        project: Annotated[str, QueryParameter(description="Project slug")],
        lang: FromQuery[str | None] = None,
        sites: FromQuery[list[str] | None] = None,
        file_format: Annotated[
            str | None,
            QueryParameter(
                name="format",
                description="stories: csv, xlsx, parquet, jsonl; dictionary: csv, xlsx, datapackage (a ZIP)",
            ),
        ] = None,
        include_codes: FromQuery[bool] = False,
    ) -> Stream | Response[JobOut]:
        request = ExportRequest(kind, project, lang, parse_sites(sites), file_format, include_codes)
        answer = await exports.request(actor, request)
        if isinstance(answer, JobOut):
            return Response(answer, status_code=202, headers={"Location": location(answer.id)})
        return download(answer)

    @get(
        "/files/{job_id:str}",
        guards=[readers],
        responses=ERROR_RESPONSES,
        summary="The file of an export written by a job (ranges answered)",
        description="For the account that asked for the export and admins; 404 for others.",
    )
    async def stored_file(
        self,
        request: Request,
        exports: NamedDependency[ExportService],
        actor: NamedDependency[Actor],
        job_id: FromPath[str],
    ) -> Response | Stream:
        kept, info = await exports.stored_file(actor, job_id)
        return await object_response(
            request,
            get_storage(),
            info,
            kept.media_type,
            {
                "Content-Disposition": f'attachment; filename="{kept.filename}"',
                "X-Export-Notes": notes_header(kept.notes),
            },
        )
