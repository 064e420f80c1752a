"""Large imports committed by a job: 202 with the job, polled to its report, each story stored
once however often the job runs, confined to the partner's sites, followed on the page."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from civicfutures.db.tables import Story
from civicfutures.imports.jobs import commit_import
from civicfutures.imports.queued_files import QueuedFiles
from civicfutures.jobs.tables import Job
from civicfutures.settings import get_settings
from imports.queued_jobs import keep_file, queued_import
from imports.spreadsheets import csv_bytes
from jobs.polling import job_states
from pages.conftest import csrf_token


@pytest.fixture(autouse=True)
def sync_limit(monkeypatch):
    """Files of more than one story are committed by a job."""
    monkeypatch.setenv("CIVICFUTURES_IMPORT_SYNC_LIMIT", "1")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
async def gdansk(token_for):
    return await token_for("partner", "gdansk")


async def upload(client, headers, data: bytes, **fields):
    form = {"project": "futures", "site": "gdansk", **{k: str(v) for k, v in fields.items()}}
    return await client.post(
        "/api/v1/imports", files={"file": ("historie.csv", data)}, data=form, headers=headers
    )


async def test_a_large_commit_is_a_job_whose_result_is_the_report(
    client, world, gdansk, polish_rows, job_worker
):
    data = csv_bytes(polish_rows)
    queued = await upload(client, gdansk, data)
    assert queued.status_code == 202, queued.text
    job = queued.json()
    assert job["kind"] == "import" and job["status"] in ("queued", "running", "done")
    assert queued.headers["location"] == f"/api/v1/jobs/{job['id']}"
    seen = await job_states(client, job["id"], gdansk)
    done = seen[-1]
    assert done["status"] == "done", done
    assert done["progress"] == 1 and done["step"] == "done" and done["attempts"] == 1
    progress = [state["progress"] for state in seen]
    assert progress == sorted(progress)
    assert {state["step"] for state in seen} <= {None, "read", "check", "write", "done"}
    report = done["result"]
    assert report["committed"] is True and report["status_code"] == 201
    assert report["created"]["stories"] == 2 and report["existing"]["stories"] == 0
    assert report["file"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert report["file"]["name"] == "historie.csv"
    assert await Story.count() == 2
    # What the job was given is gone with it, and so is the file it read.
    row = await Job.select(Job.params).where(Job.id == job["id"]).output(load_json=True).first()
    assert row["params"] == {}
    assert not await QueuedFiles().listed()

    again = await upload(client, gdansk, data)
    assert again.status_code == 202, again.text
    assert again.json()["id"] != job["id"]
    second = (await job_states(client, again.json()["id"], gdansk))[-1]
    assert second["result"]["created"]["stories"] == 0
    assert second["result"]["existing"]["stories"] == 2
    assert await Story.count() == 2


async def test_the_same_upload_while_its_job_is_queued_is_that_job(
    client, world, gdansk, polish_rows, job_worker
):
    data = csv_bytes(polish_rows)
    first = (await upload(client, gdansk, data)).json()
    await job_states(client, first["id"], gdansk)
    # As if no worker had taken it yet.
    await Job.update({Job.status: "queued"}).where(Job.id == first["id"])
    again = await upload(client, gdansk, data)
    assert again.status_code == 202 and again.json()["id"] == first["id"]
    assert await Job.count().where(Job.kind == "import") == 1


async def test_dry_runs_and_files_with_problems_stay_in_the_request(
    client, world, gdansk, polish_rows
):
    data = csv_bytes(polish_rows)
    checked = await upload(client, gdansk, data, dry_run="true")
    assert checked.status_code == 200 and checked.json()["created"]["stories"] == 2
    broken = [list(row) for row in polish_rows]
    broken[2][0] = "jutro"
    refused = await upload(client, gdansk, csv_bytes(broken))
    assert refused.status_code == 422 and refused.json()["problems_total"] == 1
    assert await Job.count() == 0 and await Story.count() == 0


async def test_small_files_are_committed_in_the_request(client, world, gdansk, polish_rows):
    committed = await upload(client, gdansk, csv_bytes(polish_rows[:2]))
    assert committed.status_code == 201, committed.text
    assert await Job.count() == 0 and await Story.count() == 1


async def test_a_partner_of_another_site_cannot_read_the_job(
    client, world, gdansk, token_for, polish_rows, job_worker
):
    job = (await upload(client, gdansk, csv_bytes(polish_rows))).json()
    await job_states(client, job["id"], gdansk)
    voru = await token_for("partner", "voru")
    assert (await client.get(f"/api/v1/jobs/{job['id']}", headers=voru)).status_code == 404
    into_gdansk = await upload(client, voru, csv_bytes(polish_rows))
    assert into_gdansk.status_code == 404
    admin = await token_for("admin")
    assert (await client.get(f"/api/v1/jobs/{job['id']}", headers=admin)).status_code == 200


# ---------------------------------------------------------------- the job function itself


async def _job_of(email: str, data: bytes, site: str = "gdansk") -> tuple[str, dict]:
    _job_id, key, params = await queued_import(email, data, site, status="running")
    return key, params


async def _steps() -> tuple[list[tuple[str, float]], object]:
    seen: list[tuple[str, float]] = []

    async def progress(step: str, fraction: float) -> None:
        seen.append((step, fraction))

    return seen, progress


async def test_a_job_run_again_after_its_worker_died_stores_nothing_more(
    client, world, polish_rows
):
    from civicfutures.auth.accounts import create_user

    await create_user("rerun@test.civicfutures.eu", "partner", ["gdansk"])
    data = csv_bytes(polish_rows)
    key, params = await _job_of("rerun@test.civicfutures.eu", data)
    seen, progress = await _steps()
    first = await commit_import(dict(params), progress)
    assert first["created"]["stories"] == 2 and await Story.count() == 2
    assert first["detail"].startswith("Zaimportowano")  # in the language of the request
    assert seen[0][0] == "read"
    assert [fraction for _step, fraction in seen] == sorted(fraction for _s, fraction in seen)
    assert seen[-1] == ("write", 1.0)

    # Its worker died after the commit, before the job was marked done: the run again
    # answers the report recorded with the rows, and writes nothing.
    again = await commit_import(dict(params), progress)
    assert again == first and await Story.count() == 2

    # Run again with nothing recorded (the file kept anew): the rows are found, not copied.
    await Job.update({Job.result: None}).where(Job.subject == key)
    await keep_file(params, data)
    third = await commit_import(dict(params), progress)
    assert third["created"]["stories"] == 0 and third["existing"]["stories"] == 2
    assert await Story.count() == 2


async def test_the_job_imports_only_into_the_sites_of_its_partner(client, world, polish_rows):
    from civicfutures.auth.accounts import create_user
    from civicfutures.errors import NotFound

    await create_user("voru@test.civicfutures.eu", "partner", ["voru"])
    _key, params = await _job_of("voru@test.civicfutures.eu", csv_bytes(polish_rows))
    _seen, progress = await _steps()
    with pytest.raises(NotFound):
        await commit_import(dict(params), progress)
    assert await Story.count() == 0
    assert not await QueuedFiles().listed()


# ---------------------------------------------------------------- the page


async def post_file(client, path: str, data: bytes, action: str):
    page = await client.get(path)
    return await client.post(
        path,
        data={"_csrf_token": csrf_token(page.text), "action": action},
        files={"file": ("historie.csv", data, "text/csv")},
        follow_redirects=False,
    )


async def test_the_page_follows_the_job_then_shows_its_report(
    client, world, sign_in, polish_rows, job_worker
):
    from civicfutures.i18n import gettext, use_locale

    await sign_in("partner", "gdansk", lang="pl")
    imported = await post_file(client, "/pl/sites/gdansk/import", csv_bytes(polish_rows), "import")
    assert imported.status_code == 303, imported.text
    location = imported.headers["location"]
    assert location.startswith("/pl/sites/gdansk/import?job=")
    job_id = location.partition("job=")[2]
    for _attempt in range(1200):
        page = await client.get(location)
        assert page.status_code == 200, page.text
        if 'http-equiv="refresh"' not in page.text:
            break
        await asyncio.sleep(0.05)
    assert await Story.count() == 2
    with use_locale("pl"):
        new_stories = gettext("New stories")
    assert new_stories in page.text and 'role="status"' in page.text
    assert "Zaimportowano" in page.text

    # A job under way: its step and how far it has gone, and the page reloads itself.
    await Job.update({Job.status: "running", Job.step: "write", Job.progress: 0.5}).where(
        Job.id == job_id
    )
    running = await client.get(location)
    with use_locale("pl"):
        writing = gettext("Writing the stories")
    assert 'http-equiv="refresh"' in running.text
    assert '<progress id="import-progress" max="100" value="50"' in running.text
    assert writing in running.text

    await sign_in("partner", "gdansk", lang="pl")
    assert (await client.get(location)).status_code == 404


async def test_a_withdrawal_deletes_the_files_of_import_jobs_at_its_site(
    client, world, admin, polish_rows
):
    from civicfutures.auth.accounts import create_user
    from civicfutures.errors import Gone

    await create_user("withdrawn@test.civicfutures.eu", "partner", ["gdansk"])
    _key, params = await _job_of("withdrawn@test.civicfutures.eu", csv_bytes(polish_rows))
    assert await QueuedFiles().listed()
    teller = world["storytellers"]["gdansk"][1]["id"]
    withdrawn = await client.patch(
        f"/api/v1/storytellers/{teller}",
        json={"consent": {"version": "v1", "given_at": "2025-03-15", "scopes": []}},
        headers=admin,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert not await QueuedFiles().listed()
    _seen, progress = await _steps()
    with pytest.raises(Gone):
        await commit_import(dict(params), progress)
    assert await Story.count() == 0
