"""The JSON route of background jobs (API.md): `GET /api/v1/jobs/{id}`. HTTP only."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from civicfutures.auth.actor import Actor
from civicfutures.intake.api import ACTOR
from civicfutures.intake.schemas import ERROR_RESPONSES
from civicfutures.jobs import service
from civicfutures.jobs.schemas import JobOut
from civicfutures.web.auth import signed_in


class JobController(Controller):
    path = "/api/v1/jobs"
    tags = ["jobs"]
    dependencies = ACTOR

    @get(
        "/{job_id:str}",
        guards=[signed_in],
        responses=ERROR_RESPONSES,
        summary="A background job's status, progress and result",
        description="Readable by the account that requested it and by admins; 404 for others.",
    )
    async def get_job(self, actor: NamedDependency[Actor], job_id: FromPath[str]) -> JobOut:
        return await service.read(actor, job_id)
