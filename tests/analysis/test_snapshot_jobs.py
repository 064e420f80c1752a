"""`POST /api/v1/projects/{project}/snapshots`: a snapshot as a background job, through the
real HTTP stack (and, on PostgreSQL, a real Procrastinate worker)."""

from __future__ import annotations

import pytest

from jobs.polling import poll_job

PROJECT = "euarenas-futures"


@pytest.fixture(autouse=True)
async def database(client) -> None:
    """These tests read the database (the analysis tests' default is none)."""
    from builders import empty_tables

    client.cookies.clear()
    await empty_tables()


async def _request(client, headers: dict[str, str], project: str = PROJECT):
    return await client.post(f"/api/v1/projects/{project}/snapshots", headers=headers)


async def test_a_snapshot_job_names_the_snapshot_and_counts_it(client, demo, token_for, job_worker):
    from civicfutures.analysis.service import AnalysisService

    researcher = await token_for("researcher")
    answer = await _request(client, researcher)
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert answer.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert job["kind"] == "snapshot" and job["status"] in ("queued", "running", "done")
    done = await poll_job(client, job["id"], researcher)
    assert done["status"] == "done", done
    result = done["result"]
    # Same content, same snapshot: the one built directly has the job's id.
    direct = await AnalysisService().snapshot(PROJECT)
    assert result["snapshot"] == direct.id
    assert result["project"] == PROJECT
    tables = direct.manifest["tables"]
    assert result["stories"] == tables["stories"]["rows"] > 0
    assert result["storytellers"] == tables["storytellers"]["rows"] > 0
    assert result["codings"] == tables["codings"]["rows"]
    assert result["left_out_for_consent"] == direct.manifest["left_out_for_consent"]
    again = await _request(client, researcher)
    assert again.status_code == 202 and again.json()["id"] != job["id"]
    assert (await poll_job(client, again.json()["id"], researcher))["result"] == result


async def test_a_snapshot_under_way_is_not_queued_twice(client, demo, token_for, job_worker):
    from civicfutures.jobs.tables import Job

    author = await token_for("author")
    first = await _request(client, author)
    assert first.status_code == 202
    await poll_job(client, first.json()["id"], author)
    # Seen as still queued (as one waiting for a busy worker is): nothing runs it again.
    await Job.update({Job.status: "queued"}).where(Job.id == first.json()["id"])
    second = await _request(client, author)
    assert second.status_code == 202 and second.json()["id"] == first.json()["id"]
    # Another account's request is its own job.
    other = await _request(client, await token_for("researcher"))
    assert other.status_code == 202 and other.json()["id"] != first.json()["id"]
    await Job.update({Job.status: "done"}).where(Job.kind == "snapshot")


@pytest.mark.parametrize("role", ["partner", "anonymous"])
async def test_partners_and_visitors_cannot_snapshot(client, demo, token_for, role):
    headers = await token_for("partner", "gdansk") if role == "partner" else {}
    answer = await _request(client, headers)
    assert answer.status_code == (403 if role == "partner" else 401), answer.text


async def test_an_unknown_project_is_404(client, demo, admin):
    answer = await _request(client, admin, "atlantis")
    assert answer.status_code == 404
