"""`GET /api/v1/analysis/{kind}`: one analysis table as JSON, CSV or Parquet; and
`POST /api/v1/projects/{project}/snapshots`: a snapshot of the project as a job (HTTP only).

The work is in `AnalysisService`; this controller reads the query, calls it and answers with
the rendered bytes. `X-Snapshot-Id` and `X-Suppression` say what the table rests on. A
snapshot is queued (202 with the job, `Location: /api/v1/jobs/{id}`); the job's result names
the snapshot and counts what it holds.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, QueryParameter

from civicfutures.analysis.service import AnalysisRequest, AnalysisService
from civicfutures.analysis.writers import FORMATS
from civicfutures.auth.actor import Actor
from civicfutures.intake.api import ACTOR
from civicfutures.intake.schemas import ERROR_RESPONSES
from civicfutures.jobs.schemas import JobOut
from civicfutures.jobs.service import location
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


QUEUED_RESPONSES = {
    **ERROR_RESPONSES,
    202: ResponseSpec(
        data_container=JobOut,
        description="The snapshot is queued: poll the job named in `Location`.",
        generate_examples=False,
    ),
}


class SnapshotController(Controller):
    path = "/api/v1/projects/{project:str}/snapshots"
    tags = ["analysis"]
    dependencies = {**ACTOR, "analyses": Provide(provide_analyses, sync_to_thread=False)}

    @post(
        "/",
        guards=[analysts],
        responses=QUEUED_RESPONSES,
        status_code=202,
        summary="Snapshot a project (consent-filtered) in the background",
        description="Answers 202 with the job; its result holds `snapshot` (the id: the same "
        "content gives the same id) and the counts of stories, storytellers and codings.",
    )
    async def snapshot(
        self,
        analyses: NamedDependency[AnalysisService],
        actor: NamedDependency[Actor],
        project: FromPath[str],
    ) -> Response[JobOut]:
        job = await analyses.request_snapshot(actor, project)
        return Response(job, status_code=202, headers={"Location": location(job.id)})
