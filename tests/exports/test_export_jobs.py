"""Exports above the synchronous limit: written by a job into the store, downloaded from it.

Through the real HTTP stack on the demo project, with `CIVICFUTURES_EXPORT_SYNC_LIMIT` set low
for the test (and, on PostgreSQL, a real Procrastinate worker): the job's file has the bytes
and notes of the synchronous export, is served with ranges to its requester and admins only,
is not queued twice while under way, and goes when a storyteller in it withdraws.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from jobs.polling import poll_job

PROJECT = "euarenas-futures"


@pytest.fixture
def queue_exports(monkeypatch):
    """Every export of the test above the synchronous limit (0 stories)."""
    from civicfutures.settings import get_settings

    monkeypatch.setenv("CIVICFUTURES_EXPORT_SYNC_LIMIT", "0")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def _queue(client, headers: dict[str, str], kind: str = "stories", **params: str) -> dict:
    answer = await client.get(
        f"/api/v1/exports/{kind}", params={"project": PROJECT, **params}, headers=headers
    )
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert answer.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert job["kind"] == "export"
    return job


async def _written(client, headers: dict[str, str], kind: str = "stories", **params: str) -> dict:
    job = await _queue(client, headers, kind, **params)
    done = await poll_job(client, job["id"], headers)
    assert done["status"] == "done", done
    return done


@pytest.mark.parametrize(
    ("kind", "fmt"), [("stories", "csv"), ("stories", "parquet"), ("qdpx", "qdpx")]
)
async def test_the_job_writes_the_bytes_and_notes_of_the_synchronous_export(
    client, demo, token_for, download, monkeypatch, job_worker, kind, fmt
):
    researcher = await token_for("researcher")
    now, path = await download(kind, researcher, format=fmt, lang="en")
    assert now.status_code == 200, now.text
    from civicfutures.settings import get_settings

    monkeypatch.setenv("CIVICFUTURES_EXPORT_SYNC_LIMIT", "0")
    get_settings.cache_clear()
    try:
        done = await _written(client, researcher, kind, format=fmt, lang="en")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    result = done["result"]
    assert result["download"] == f"/api/v1/exports/files/{done['id']}"
    assert result["filename"] == path.name
    assert result["media_type"] == now.headers["content-type"].split(";")[0]
    assert result["size"] == len(now.content)
    assert result["notes"] == json.loads(now.headers["x-export-notes"])
    assert result["snapshot"] == result["notes"]["snapshot_id"]
    stored = await client.get(result["download"], headers=researcher)
    assert stored.status_code == 200, stored.text
    assert stored.content == now.content
    assert stored.headers["x-export-notes"] == now.headers["x-export-notes"]
    assert path.name in stored.headers["content-disposition"]
    assert stored.headers["accept-ranges"] == "bytes" and stored.headers["etag"]


async def test_the_stored_file_answers_ranges_and_validators(
    client, demo, token_for, queue_exports, job_worker
):
    researcher = await token_for("researcher")
    done = await _written(client, researcher, format="csv")
    url = done["result"]["download"]
    whole = (await client.get(url, headers=researcher)).content
    part = await client.get(url, headers={**researcher, "Range": "bytes=10-29"})
    assert part.status_code == 206
    assert part.content == whole[10:30]
    assert part.headers["content-range"] == f"bytes 10-29/{len(whole)}"
    tail = await client.get(url, headers={**researcher, "Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == whole[-5:]
    beyond = await client.get(url, headers={**researcher, "Range": f"bytes={len(whole)}-"})
    assert beyond.status_code == 416
    etag = part.headers["etag"]
    held = await client.get(url, headers={**researcher, "If-None-Match": etag})
    assert held.status_code == 304


async def test_only_the_requester_and_admins_download_it(
    client, demo, token_for, admin, queue_exports, job_worker
):
    researcher = await token_for("researcher")
    done = await _written(client, researcher, format="csv")
    url = done["result"]["download"]
    assert (await client.get(url, headers=researcher)).status_code == 200
    assert (await client.get(url, headers=admin)).status_code == 200
    other = await client.get(url, headers=await token_for("researcher"))
    assert other.status_code == 404, other.text
    partner = await client.get(url, headers=await token_for("partner", "gdansk"))
    assert partner.status_code == 404
    assert (await client.get(url)).status_code == 401
    job = await client.get(f"/api/v1/jobs/{done['id']}", headers=await token_for("researcher"))
    assert job.status_code == 404
    missing = await client.get("/api/v1/exports/files/ffffffffffffffffffffffff", headers=admin)
    assert missing.status_code == 404
    not_an_id = await client.get("/api/v1/exports/files/..%2F..%2Fsecret", headers=admin)
    assert not_an_id.status_code == 404


async def test_the_same_request_while_under_way_is_the_same_job(
    client, demo, token_for, queue_exports, job_worker
):
    from civicfutures.jobs.tables import Job

    researcher = await token_for("researcher")
    first = await _written(client, researcher, format="csv")
    bytes_first = (await client.get(first["result"]["download"], headers=researcher)).content
    # Seen as still queued (as a job waiting for a busy worker is): asked again, it is the one.
    await Job.update({Job.status: "queued"}).where(Job.id == first["id"])
    again = await _queue(client, researcher, format="csv")
    assert again["id"] == first["id"]
    assert await Job.count().where(Job.kind == "export") == 1
    # Other parameters, or another account, are other jobs.
    other_format = await _queue(client, researcher, format="parquet")
    assert other_format["id"] != first["id"]
    await poll_job(client, other_format["id"], researcher)
    other_account = await token_for("researcher")
    assert (await _queue(client, other_account, format="csv"))["id"] != first["id"]
    # Once it ended, the same request is a new job that writes the same bytes.
    await Job.update({Job.status: "done"}).where(Job.id == first["id"])
    rerun = await _written(client, researcher, format="csv")
    assert rerun["id"] != first["id"]
    assert (await client.get(rerun["result"]["download"], headers=researcher)).content == (
        bytes_first
    )


async def test_a_withdrawal_deletes_the_stored_exports_holding_the_storyteller(
    client, demo, token_for, admin, queue_exports, job_worker
):
    from civicfutures.db.tables import Storyteller
    from civicfutures.exports import stored
    from civicfutures.jobs.tables import Job
    from civicfutures.storage.objects import get_storage

    researcher = await token_for("researcher")
    done = await _written(client, researcher, format="csv")
    kept = await stored.read(done["id"])
    assert kept is not None and await get_storage().exists(kept.key)
    # The job's row names no one: its parameters are emptied, its result holds counts only.
    row = await Job.select().where(Job.id == done["id"]).output(load_json=True).first()
    assert row["params"] == {} and "storytellers" not in row["result"]
    teller = await Storyteller.select(Storyteller.id).where(Storyteller.code == "GDA-01").first()
    assert teller["id"] in kept.storytellers
    withdrawn = await client.patch(
        f"/api/v1/storytellers/{teller['id']}",
        json={
            "consent": {
                "version": "2025-01",
                "given_at": "2025-03-15T09:05:00Z",
                "scopes": ["archive"],
            }
        },
        headers=admin,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert await stored.read(done["id"]) is None
    assert not await get_storage().exists(kept.key)
    gone = await client.get(done["result"]["download"], headers=researcher)
    assert gone.status_code == 404


async def test_stored_exports_past_their_days_go_when_another_is_written(
    client, demo, token_for, queue_exports, job_worker
):
    from civicfutures.exports import stored
    from civicfutures.storage.objects import get_storage

    researcher = await token_for("researcher")
    old = await _written(client, researcher, format="csv")
    kept = await stored.read(old["id"])
    assert kept is not None
    # Written eight days ago (the default keeps seven).
    note = json.loads(await get_storage().read(f"{stored.PREFIX}/{old['id']}.json"))
    note["created_at"] = (dt.datetime.now(dt.UTC) - dt.timedelta(days=8)).isoformat()
    await get_storage().put(f"{stored.PREFIX}/{old['id']}.json", json.dumps(note).encode())
    new = await _written(client, researcher, format="parquet")
    assert await stored.read(new["id"]) is not None
    assert await stored.read(old["id"]) is None
    assert not await get_storage().exists(kept.key)


async def test_small_exports_still_stream_at_once(client, demo, token_for, download):
    from civicfutures.jobs.tables import Job

    response, _ = await download("stories", await token_for("researcher"), format="csv")
    assert response.status_code == 200
    assert await Job.count().where(Job.kind == "export") == 0
