"""A job's state as JSON for the pages that follow one (`job-progress.js`): the export job page
and the import page with `?job=`. Signed in by the session, as those pages are (the API's
`/api/v1/jobs/{id}` takes bearer tokens only); the same reading rules as the API. HTTP only."""

from __future__ import annotations

from litestar import Controller, Request, Router, get
from litestar.params import FromPath

from civicfutures.jobs import service
from civicfutures.jobs.schemas import JobOut
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import known_language


class JobPages(Controller):
    path = "/jobs"
    guards = [page_requires()]
    include_in_schema = False

    @get("/{job_id:str}/state", name="job_state")
    async def state(self, request: Request, lang: FromPath[str], job_id: FromPath[str]) -> JobOut:
        """The job's status, step and progress (404 to anyone who may not read it)."""
        return await service.read(current_actor(request), job_id)


JOB_PAGES = Router(
    path="/{lang:str}",
    route_handlers=[JobPages],
    guards=[known_language],
    include_in_schema=False,
)
