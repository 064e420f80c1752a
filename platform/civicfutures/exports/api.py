"""`GET /api/v1/exports/{kind}`: the export as a download, streamed from its work area.

The file is written to a temporary work area first, then streamed in chunks; the work area is
deleted when the stream ends (or the client goes away). `X-Export-Notes` carries the notes
(what was left out) as JSON.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, PathParameter, QueryParameter
from litestar.response import Stream

from civicfutures.auth.actor import Actor
from civicfutures.exports.request import ExportRequest, parse_sites
from civicfutures.exports.service import ExportFile, ExportService
from civicfutures.intake.api import ACTOR
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


def download(export: ExportFile) -> Stream:
    return Stream(
        chunks(export),
        media_type=export.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Content-Length": str(export.path.stat().st_size),
            "X-Export-Notes": json.dumps(export.notes.as_dict(), separators=(",", ":")),
        },
    )


class ExportController(Controller):
    path = "/api/v1/exports"
    tags = ["exports"]
    dependencies = {**ACTOR, "exports": Provide(ExportService, sync_to_thread=False)}

    @get(
        "/{kind:str}",
        guards=[readers],
        summary="Export a project's consented stories (stories, qdpx, qdc, sav, dta, dictionary)",
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
    ) -> Stream:
        request = ExportRequest(kind, project, lang, parse_sites(sites), file_format, include_codes)
        return download(await exports.export(actor, request))
