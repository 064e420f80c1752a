"""JSON routes of briefings (API.md): build, status with manifest, files. HTTP only.

`POST /api/v1/briefings` answers 201 with status `ready` when the briefing was built within
the request (or already existed), 202 with status `building` when a large project is built
in the background. The id derives from the snapshot, the curation and the parameters, so a
retried POST (with or without an Idempotency-Key) finds the same briefing and builds nothing
new. Files are served only by their path in the manifest, streamed from the store with range
requests (`storage/downloads.py`); the security headers give them a document CSP (inline
styles and images, no scripts).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Stream

from civicfutures.auth.actor import Actor
from civicfutures.briefings.params import BriefingIn
from civicfutures.briefings.schemas import BriefingOut
from civicfutures.briefings.service import BriefingService
from civicfutures.intake.api import ACTOR
from civicfutures.intake.schemas import ERROR_RESPONSES
from civicfutures.storage.downloads import object_response
from civicfutures.web.auth import readers, requires

builders = requires("author", "partner")
BUILD_RESPONSES = {
    **ERROR_RESPONSES,
    202: ResponseSpec(
        data_container=BriefingOut,
        description="A large project: the briefing is being built in the background.",
        generate_examples=False,
    ),
}

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".parquet": "application/vnd.apache.parquet",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".zip": "application/zip",
}
INLINE = {".html", ".svg", ".json", ".md", ".pdf"}


async def file_response(
    request: Request,
    briefings: BriefingService,
    actor: Actor,
    briefing_id: str,
    name: str,
    headers: dict[str, str] | None = None,
) -> Response | Stream:
    """A briefing file with its media type, streamed (ranges answered); documents open in
    the browser, data downloads."""
    info = await briefings.file(actor, briefing_id, name)
    path = PurePosixPath(name)
    disposition = "inline" if path.suffix in INLINE else "attachment"
    return await object_response(
        request,
        briefings.store,
        info,
        MEDIA_TYPES.get(path.suffix, "application/octet-stream"),
        {**(headers or {}), "Content-Disposition": f'{disposition}; filename="{path.name}"'},
    )


def provide_briefings() -> BriefingService:
    return BriefingService()


class BriefingController(Controller):
    path = "/api/v1/briefings"
    tags = ["briefings"]
    dependencies = {**ACTOR, "briefings": Provide(provide_briefings, sync_to_thread=False)}

    @post(
        "/",
        guards=[builders],
        responses=BUILD_RESPONSES,
        summary="Build a briefing",
        status_code=201,
    )
    async def build(
        self,
        briefings: NamedDependency[BriefingService],
        actor: NamedDependency[Actor],
        data: JSONBody[BriefingIn],
    ) -> Response[BriefingOut]:
        out = await briefings.request(actor, data)
        return Response(out, status_code=202 if out.status == "building" else 201)

    @get(
        "/",
        guards=[readers],
        responses=ERROR_RESPONSES,
        summary="List the briefings the caller may read",
    )
    async def list_briefings(
        self,
        briefings: NamedDependency[BriefingService],
        actor: NamedDependency[Actor],
        project: FromQuery[str | None] = None,
    ) -> list[BriefingOut]:
        return await briefings.list(actor, project)

    @get(
        "/{briefing_id:str}",
        guards=[readers],
        responses=ERROR_RESPONSES,
        summary="A briefing's status and manifest",
    )
    async def get_briefing(
        self,
        briefings: NamedDependency[BriefingService],
        actor: NamedDependency[Actor],
        briefing_id: FromPath[str],
    ) -> BriefingOut:
        return await briefings.get(actor, briefing_id)

    @get(
        "/{briefing_id:str}/files/{name:path}",
        guards=[readers],
        responses=ERROR_RESPONSES,
        summary="One file of a briefing",
    )
    async def get_file(
        self,
        request: Request,
        briefings: NamedDependency[BriefingService],
        actor: NamedDependency[Actor],
        briefing_id: FromPath[str],
        name: FromPath[str],
    ) -> Response | Stream:
        return await file_response(request, briefings, actor, briefing_id, name.lstrip("/"))
