"""`GET /{lang}/jobs/{id}/state`: a job's state for the pages' script, read with the page
session under the API's rules (the requester and admins; a site's job by those who see it)."""

from __future__ import annotations

from civicfutures.db.tables import User
from civicfutures.jobs.runner import now
from civicfutures.jobs.service import new_id
from civicfutures.jobs.tables import Job
from pages.conftest import sign_in  # noqa: F401


async def _running_for(email: str) -> str:
    user = await User.select(User.id).where(User.email == email).first()
    job_id = new_id()
    await Job.insert(
        Job(
            id=job_id,
            kind="export",
            status="running",
            step="write",
            progress=0.25,
            requested_by=user["id"],
            created_at=now(),
        )
    )
    return job_id


async def test_the_requester_reads_the_state_with_the_page_session(
    client,
    sign_in,  # noqa: F811 (the fixture imported above)
):
    job_id = await _running_for(await sign_in("researcher", lang="ar"))
    answer = await client.get(f"/ar/jobs/{job_id}/state")
    assert answer.status_code == 200, answer.text
    state = answer.json()
    assert (state["id"], state["status"], state["step"], state["progress"]) == (
        job_id,
        "running",
        "write",
        0.25,
    )
    # The API itself still takes bearer tokens only, never the page session.
    assert (await client.get(f"/api/v1/jobs/{job_id}")).status_code == 401


async def test_anyone_else_is_told_there_is_no_such_job(
    client,
    sign_in,  # noqa: F811 (the fixture imported above)
):
    job_id = await _running_for(await sign_in("researcher"))
    await sign_in("researcher")
    assert (await client.get(f"/en/jobs/{job_id}/state")).status_code == 404
    assert (await client.get(f"/en/jobs/{'f' * 24}/state")).status_code == 404
    client.cookies.clear()
    signed_out = await client.get(f"/en/jobs/{job_id}/state")
    assert signed_out.status_code in (302, 303), signed_out.status_code
    assert signed_out.headers["location"].startswith("/en/login")
