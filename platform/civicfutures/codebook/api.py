"""JSON routes of the living codebook: HTTP only, the work is in `CodebookService`.

Adding a theme and changing its labels or parent stay under `/api/v1/themes`; these routes
merge, split, retire and exchange the codebook as REFI-QDA `.qdc` or Taguette's CSV.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter

from civicfutures.auth.actor import Actor
from civicfutures.codebook.service import (
    CodebookService,
    ImportOut,
    MergeIn,
    MergeOut,
    RetireIn,
    SplitIn,
)
from civicfutures.intake import schemas as s
from civicfutures.intake.api import ACTOR
from civicfutures.web.auth import codebook_editors, readers

Format = Annotated[str, QueryParameter(description="`qdc` (REFI-QDA codebook) or `csv` (Taguette)")]
Language = Annotated[
    str | None,
    QueryParameter(description="The language of names and descriptions (default: the project's)"),
]


class CodebookController(Controller):
    path = "/api/v1/projects/{project:str}/codebook"
    tags = ["codebook"]
    dependencies = {**ACTOR, "codebook": Provide(CodebookService, sync_to_thread=False)}

    @get(
        "/",
        responses=s.ERROR_RESPONSES,
        guards=[readers],
        summary="The codebook as a REFI-QDA .qdc or as Taguette's CSV",
        description="CSV columns: `name`, `description`, `parent` (the parent's name).",
    )
    async def export(
        self,
        codebook: NamedDependency[CodebookService],
        project: FromPath[str],
        format: Format = "qdc",  # noqa: A002 — the documented query parameter
        lang: Language = None,
    ) -> Response[bytes]:
        file = await codebook.export(project, format, lang)
        return Response(
            file.content,
            media_type=file.media_type,
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{project}-codebook.{file.extension}"'
                )
            },
        )

    @post(
        "/",
        responses=s.ERROR_RESPONSES,
        guards=[codebook_editors],
        status_code=200,
        summary="Import a codebook from a REFI-QDA .qdc or Taguette's CSV (the request body)",
        description=(
            "Themes match by key, else by their name in `lang`: importing a file twice changes "
            "nothing the second time. All or nothing: a refused file writes nothing."
        ),
    )
    async def import_file(
        self,
        request: Request,
        codebook: NamedDependency[CodebookService],
        actor: NamedDependency[Actor],
        project: FromPath[str],
        format: Format = "qdc",  # noqa: A002 — the documented query parameter
        lang: Language = None,
    ) -> ImportOut:
        return await codebook.import_file(actor, project, format, await request.body(), lang)

    @post(
        "/merge",
        responses=s.ERROR_RESPONSES,
        guards=[codebook_editors],
        status_code=200,
        summary="Merge one theme into another: codings, insight links and sub-themes move",
    )
    async def merge(
        self,
        codebook: NamedDependency[CodebookService],
        actor: NamedDependency[Actor],
        project: FromPath[str],
        data: JSONBody[MergeIn],
    ) -> MergeOut:
        return await codebook.merge(actor, project, data)

    @post(
        "/split",
        responses=s.ERROR_RESPONSES,
        guards=[codebook_editors],
        status_code=201,
        summary="Split new themes off a theme; only the codings named move to them",
    )
    async def split(
        self,
        codebook: NamedDependency[CodebookService],
        actor: NamedDependency[Actor],
        project: FromPath[str],
        data: JSONBody[SplitIn],
    ) -> list[s.ThemeOut]:
        return await codebook.split(actor, project, data)

    @post(
        "/themes/{key:str}/retire",
        responses=s.ERROR_RESPONSES,
        guards=[codebook_editors],
        status_code=200,
        summary="Retire a theme (kept with its codings, no longer offered) or restore it",
    )
    async def retire(
        self,
        codebook: NamedDependency[CodebookService],
        actor: NamedDependency[Actor],
        project: FromPath[str],
        key: FromPath[str],
        data: JSONBody[RetireIn],
    ) -> s.ThemeOut:
        return await codebook.retire(actor, project, key, data)
