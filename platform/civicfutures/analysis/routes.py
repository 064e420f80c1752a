"""`GET /api/v1/analysis/{kind}`: one analysis table as JSON, CSV or Parquet (HTTP only).

The work is in `AnalysisService`; this controller reads the query, calls it and answers with
the rendered bytes. `X-Snapshot-Id` and `X-Suppression` say what the table rests on.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter

from civicfutures.analysis.service import AnalysisRequest, AnalysisService
from civicfutures.analysis.writers import FORMATS
from civicfutures.auth.actor import Actor
from civicfutures.intake.api import ACTOR
from civicfutures.intake.schemas import ERROR_RESPONSES
from civicfutures.web.auth import requires

analysts = requires("researcher", "author")


def provide_analyses() -> AnalysisService:
    return AnalysisService()


class AnalysisController(Controller):
    path = "/api/v1/analysis"
    tags = ["analysis"]
    dependencies = {**ACTOR, "analyses": Provide(provide_analyses, sync_to_thread=False)}

    @get(
        "/{kind:str}",
        guards=[analysts],
        responses=ERROR_RESPONSES,
        summary="An analysis table (prevalence, comparison, distinctive, breakdown, cooccurrence, "
        "links, agreement, quality, representativeness)",
    )
    async def analyse(
        self,
        analyses: NamedDependency[AnalysisService],
        actor: NamedDependency[Actor],
        kind: FromPath[str],
        project: FromQuery[str],
        by: FromQuery[str | None] = None,
        sites: FromQuery[list[str] | None] = None,
        countries: FromQuery[list[str] | None] = None,
        story_kind: FromQuery[str | None] = None,
        date_from: Annotated[str | None, QueryParameter(name="from")] = None,
        date_to: Annotated[str | None, QueryParameter(name="to")] = None,
        file_format: Annotated[str | None, QueryParameter(name="format")] = None,
        unsuppressed: FromQuery[bool] = False,
    ) -> Response[bytes]:
        request = AnalysisRequest.parse(
            kind,
            project,
            by=by,
            sites=sites,
            countries=countries,
            story_kind=story_kind,
            date_from=date_from,
            date_to=date_to,
            file_format=file_format,
            unsuppressed=unsuppressed,
        )
        result = await analyses.analyse(actor, request)
        fmt = request.format
        return Response(
            content=result.render(fmt),
            media_type=FORMATS[fmt].media_type,
            headers={
                "Content-Disposition": f'inline; filename="{result.filename(fmt)}"',
                "X-Snapshot-Id": result.snapshot.id,
                "X-Suppression": result.suppression,
                "X-Publication": result.publication,
            },
        )
