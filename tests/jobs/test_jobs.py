"""Background jobs through the real HTTP stack: a briefing queued, its job polled to done with
its progress, who may read a job, a failing job, and jobs of a process that died."""

from __future__ import annotations

import datetime as dt

from jobs.polling import job_states

PROJECT = "futures"


def _translated(language: str, message: str) -> str:
    from civicfutures.i18n import gettext, use_locale

    with use_locale(language):
        return gettext(message)


async def _queue_briefing(client, headers: dict[str, str], monkeypatch, **body) -> dict:
    from civicfutures.briefings import service

    monkeypatch.setattr(service, "SYNC_LIMIT", -1)
    answer = await client.post(
        "/api/v1/briefings", json={"project": PROJECT, **body}, headers=headers
    )
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "building" and answer.json()["job"]
    return answer.json()


async def test_a_queued_briefing_is_polled_to_done(
    client, world, token_for, monkeypatch, job_worker
):
    from civicfutures.briefings.progress import steps

    author = await token_for("author")
    briefing = await _queue_briefing(client, author, monkeypatch, language="en")
    seen = await job_states(client, briefing["job"], author)
    done = seen[-1]
    assert done["status"] == "done", done
    assert done["kind"] == "briefing" and done["progress"] == 1 and done["step"] == "done"
    assert done["result"] == {
        "briefing": briefing["id"],
        "url": f"/api/v1/briefings/{briefing['id']}",
    }
    assert done["attempts"] == 1 and done["error"] is None
    assert done["created_at"] <= done["started_at"] <= done["finished_at"]
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress) and all(0 <= p <= 1 for p in progress)
    assert {s["status"] for s in seen} <= {"queued", "running", "done"}
    assert {s["step"] for s in seen} <= {None, "done", *steps()}
    ready = (await client.get(done["result"]["url"], headers=author)).json()
    assert ready["status"] == "ready" and ready["job"] is None
    assert ready["manifest"]["briefing"] == briefing["id"]


async def test_a_briefing_queued_or_built_is_not_queued_again(
    client, world, token_for, monkeypatch, job_worker
):
    from civicfutures.jobs.tables import Job

    author = await token_for("author")
    first = await _queue_briefing(client, author, monkeypatch, language="en")
    again = await client.post(
        "/api/v1/briefings", json={"project": PROJECT, "language": "en"}, headers=author
    )
    assert again.status_code in (201, 202) and again.json()["id"] == first["id"]
    assert again.json()["job"] in (first["job"], None)
    await job_states(client, first["job"], author)
    built = await client.post(
        "/api/v1/briefings", json={"project": PROJECT, "language": "en"}, headers=author
    )
    assert built.status_code == 201 and built.json()["status"] == "ready"
    assert await Job.count().where(Job.subject == first["id"]) == 1


async def test_a_small_briefing_is_a_job_run_within_the_request(client, world, token_for):
    from civicfutures.jobs.tables import Job

    author = await token_for("author")
    answer = await client.post(
        "/api/v1/briefings", json={"project": PROJECT, "language": "en"}, headers=author
    )
    assert answer.status_code == 201 and answer.json()["status"] == "ready", answer.text
    row = await Job.select().where(Job.subject == answer.json()["id"]).first()
    assert (row["status"], row["progress"], row["attempts"]) == ("done", 1.0, 1)
    job = await client.get(f"/api/v1/jobs/{row['id']}", headers=author)
    assert job.status_code == 200 and job.json()["status"] == "done"


async def test_only_the_requester_and_admins_read_a_job(
    client, world, token_for, admin, monkeypatch, job_worker
):
    author = await token_for("author")
    partner = await token_for("partner", "gdansk")
    briefing = await _queue_briefing(client, partner, monkeypatch, site="gdansk")
    job = f"/api/v1/jobs/{briefing['job']}"
    assert (await client.get(job, headers=partner)).status_code == 200
    assert (await client.get(job, headers=admin)).status_code == 200
    other_author = await client.get(job, headers=author)
    assert other_author.status_code == 404, other_author.text
    other_site = await client.get(job, headers=await token_for("partner", "voru"))
    assert other_site.status_code == 404
    assert (await client.get(job)).status_code == 401
    missing = await client.get("/api/v1/jobs/ffffffffffffffffffffffff", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No such job."
    await job_states(client, briefing["job"], partner)


async def test_a_failing_job_is_failed_with_a_localized_error(client, world, admin, job_worker):
    """A briefing job whose briefing is gone (withdrawn before it was built): every attempt
    fails, and the job says so in the reader's language."""
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.jobs import service
    from civicfutures.settings import get_settings

    job = await service.enqueue(
        "briefing",
        {"briefing": "0123456789abcdef01234567", "snapshot": "none", "params": {}, "inputs": {}},
        subject="0123456789abcdef01234567",
        actor=SYSTEM,
    )
    seen = await job_states(client, job, {**admin, "Accept-Language": "pl"})
    failed = seen[-1]
    assert failed["status"] == "failed" and failed["result"] is None
    assert failed["attempts"] == get_settings().job_attempts
    polish = _translated("pl", "The job failed: %(cause)s")
    assert polish != "The job failed: %(cause)s"
    withdrawn = _translated("pl", "This briefing was withdrawn before it was built.")
    assert failed["error"] == polish % {"cause": withdrawn}, failed["error"]
    english = (await client.get(f"/api/v1/jobs/{job}", headers=admin)).json()["error"]
    assert english == "The job failed: This briefing was withdrawn before it was built."


async def test_the_jobs_of_a_process_that_died_run_again_at_start(
    client, world, token_for, engine_name
):
    """SQLite: a job left running by a stopped server (its heartbeat stale) runs again when
    a server starts, and one past its last attempt is failed. PostgreSQL leaves them to the
    queue's workers (stalled-job retry), so a server's start changes nothing."""
    from civicfutures.briefings.service import BriefingService
    from civicfutures.jobs.lifecycle import start_jobs, stop_jobs
    from civicfutures.jobs.tables import Job

    author = await token_for("author")
    answer = await client.post(
        "/api/v1/briefings", json={"project": PROJECT, "language": "en"}, headers=author
    )
    briefing = answer.json()["id"]
    built = await Job.select().where(Job.subject == briefing).output(load_json=True).first()
    # As a server that died mid-build leaves it: the briefing's files gone, its status
    # building, its job running with a heartbeat long stale.
    service = BriefingService()
    from civicfutures.briefings import storage

    status = storage.read_status(service.store, briefing)
    status.status, status.built_at = "building", None
    storage.write_status(service.store, status)
    manifest = service.store.read_sync(storage.file_key(briefing, "manifest.json"))
    storage.remove(service.store, briefing)
    assert not service.store.exists_sync(storage.file_key(briefing, "manifest.json"))
    # What the job was given (an ended job keeps none of it): the same inputs again.
    import msgspec

    from civicfutures.auth.actor import SYSTEM
    from civicfutures.briefings.params import BriefingIn

    assert built["params"] == {}
    params, _site = await service.resolve(SYSTEM, BriefingIn(project=PROJECT, language="en"))
    info, inputs, identifier = await service.prepare(params)
    assert identifier == briefing
    given = {
        "briefing": briefing,
        "snapshot": info.id,
        "params": msgspec.to_builtins(params),
        "inputs": msgspec.to_builtins(inputs),
    }
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    await Job.update(
        {
            Job.status: "running",
            Job.heartbeat_at: stale,
            Job.attempts: 1,
            Job.step: "charts",
            Job.params: given,
        }
    ).where(Job.id == built["id"])
    hopeless = dict(built, id="1" * 24, subject="1" * 24, attempts=3, status="running")
    await Job.insert(Job(**{**hopeless, "heartbeat_at": stale, "created_at": stale}))

    await start_jobs()
    await stop_jobs()
    if engine_name == "postgresql":
        rows = await Job.select(Job.status).where(Job.id.is_in([built["id"], "1" * 24]))
        assert [r["status"] for r in rows] == ["running", "running"]
        return
    seen = await job_states(client, built["id"], author)
    assert (seen[-1]["status"], seen[-1]["attempts"]) == ("done", 2)
    assert service.store.read_sync(storage.file_key(briefing, "manifest.json")) == manifest
    page = (await client.get(f"/api/v1/briefings/{briefing}", headers=author)).json()
    assert page["status"] == "ready"
    hopeless_row = await Job.select(Job.status).where(Job.id == "1" * 24).first()
    assert hopeless_row["status"] == "failed"
