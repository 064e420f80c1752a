"""An import's job run by a worker (`runner.execute`, as Procrastinate's task or the server
runs it), then again as after its worker died: each story is stored once, the report kept."""

from __future__ import annotations

import pytest

from civicfutures.auth.accounts import create_user
from civicfutures.db.tables import Story
from civicfutures.jobs import runner
from civicfutures.jobs.tables import Job
from imports.queued_jobs import keep_file, queued_import
from imports.spreadsheets import csv_bytes


async def _row(job_id: str) -> dict:
    return await Job.select().where(Job.id == job_id).output(load_json=True).first()


async def test_an_import_job_run_again_after_its_worker_died_stores_each_story_once(
    client, world, polish_rows
):
    await create_user("worker-died@test.civicfutures.eu", "partner", ["gdansk"])
    data = csv_bytes(polish_rows)
    job_id, _key, params = await queued_import("worker-died@test.civicfutures.eu", data)

    await runner.execute(job_id)
    done = await _row(job_id)
    assert done["status"] == "done" and done["progress"] == 1.0, done
    assert done["result"]["created"]["stories"] == 2 and done["params"] == {}
    assert await Story.count() == 2

    # Died after its commit, before it was marked done: the queue runs it again.
    await Job.update({Job.status: "running", Job.params: params}).where(Job.id == job_id)
    await runner.execute(job_id)
    again = await _row(job_id)
    assert again["status"] == "done" and again["attempts"] == 2
    assert again["result"] == done["result"]
    assert await Story.count() == 2

    # Died with nothing recorded, its file still kept: the rows are matched, not copied.
    await keep_file(params, data)
    await Job.update({Job.status: "running", Job.params: params, Job.result: None}).where(
        Job.id == job_id
    )
    await runner.execute(job_id)
    third = await _row(job_id)
    assert third["status"] == "done"
    assert third["result"]["created"]["stories"] == 0
    assert third["result"]["existing"]["stories"] == 2
    assert await Story.count() == 2


async def test_an_import_job_whose_file_is_gone_fails_with_a_reason(client, world, polish_rows):
    from civicfutures.imports.queued_files import QueuedFiles

    await create_user("gone@test.civicfutures.eu", "partner", ["gdansk"])
    job_id, _key, _params = await queued_import("gone@test.civicfutures.eu", csv_bytes(polish_rows))
    await QueuedFiles().store.delete_prefix("imports/queued")
    with pytest.raises(runner.JobFailed):
        await runner.execute(job_id, final=True)
    failed = await _row(job_id)
    assert failed["status"] == "failed"
    assert failed["error"] == "The file of this import is no longer kept: import it again."
    assert await Story.count() == 0
