"""`/api/v1/briefings`: who builds and reads what, statuses, files and their headers."""

from __future__ import annotations

import asyncio
import io
import json

import openpyxl
import polars as pl
import pyarrow.parquet as pq

from builders import story_body


async def _with_stories(client, admin, world) -> None:
    for site in ("gdansk", "voru"):
        response = await client.post("/api/v1/stories", json=story_body(world, site), headers=admin)
        assert response.status_code == 201, response.text


async def test_an_author_builds_a_local_briefing_and_downloads_its_files(
    client, admin, world, token_for
):
    await _with_stories(client, admin, world)
    author = await token_for("author")
    response = await client.post(
        "/api/v1/briefings", json={"project": "futures", "site": "gdansk"}, headers=author
    )
    assert response.status_code == 201, response.text
    built = response.json()
    assert built["status"] == "ready" and built["language"] == "pl" and built["suppression"] == 2
    names = {f["name"] for f in built["files"]}
    assert {
        "briefing.html",
        "tables.xlsx",
        "tables/key_challenges.csv",
        "datapackage.json",
    } <= names

    again = await client.post(
        "/api/v1/briefings", json={"project": "futures", "site": "gdansk"}, headers=author
    )
    assert again.status_code == 201 and again.json()["id"] == built["id"]

    status = await client.get(f"/api/v1/briefings/{built['id']}", headers=author)
    assert status.status_code == 200
    assert status.json()["manifest"]["parameters"]["site"] == "gdansk"

    html = await client.get(f"/api/v1/briefings/{built['id']}/files/briefing.html", headers=author)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "script-src 'none'" in html.headers["content-security-policy"]
    assert '<html lang="pl"' in html.text
    csv = await client.get(
        f"/api/v1/briefings/{built['id']}/files/tables/key_challenges.csv", headers=author
    )
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    manifest = await client.get(
        f"/api/v1/briefings/{built['id']}/files/manifest.json", headers=author
    )
    assert manifest.status_code == 200 and manifest.json()["briefing"] == built["id"]
    for name in ("nothing.txt", "../briefings", "%2e%2e/%2e%2e/settings.py", "tables/../../x"):
        missing = await client.get(f"/api/v1/briefings/{built['id']}/files/{name}", headers=author)
        assert missing.status_code == 404, name
    assert (
        await client.get("/api/v1/briefings/0123456789abcdef01234567", headers=author)
    ).status_code == 404
    assert (await client.get("/api/v1/briefings/..%2F..", headers=author)).status_code == 404

    audit = await client.get("/api/v1/audit", headers=admin)
    built_events = [e for e in audit.json()["items"] if e["entity"] == "briefing"]
    assert len(built_events) == 1  # the second request built nothing


async def test_roles(client, world, token_for):
    partner_gdansk = await token_for("partner", "gdansk")
    partner_voru = await token_for("partner", "voru")
    researcher = await token_for("researcher")
    local = {"project": "futures", "site": "gdansk"}
    assert (await client.post("/api/v1/briefings", json=local)).status_code == 401
    assert (await client.get("/api/v1/briefings")).status_code == 401
    assert (
        await client.post("/api/v1/briefings", json=local, headers=researcher)
    ).status_code == 403
    assert (
        await client.post("/api/v1/briefings", json=local, headers=partner_voru)
    ).status_code == 404
    cross = await client.post(
        "/api/v1/briefings", json={"project": "futures"}, headers=partner_gdansk
    )
    assert cross.status_code == 403
    built = await client.post("/api/v1/briefings", json=local, headers=partner_gdansk)
    assert built.status_code == 201, built.text
    briefing = built.json()["id"]
    assert (
        await client.get(f"/api/v1/briefings/{briefing}", headers=researcher)
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/briefings/{briefing}", headers=partner_voru)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/briefings/{briefing}/files/briefing.md", headers=partner_voru)
    ).status_code == 404
    # Briefing files outlive the tables emptied between tests: compare by site, not by count.
    seen_by_voru = (await client.get("/api/v1/briefings", headers=partner_voru)).json()
    assert {b["site"] for b in seen_by_voru} <= {"voru"}
    listed = (await client.get("/api/v1/briefings", headers=partner_gdansk)).json()
    assert briefing in {b["id"] for b in listed}
    assert {b["site"] for b in listed} == {"gdansk"} and listed[0]["manifest"] is None


async def test_suppression_below_the_project_threshold_needs_the_right(
    client, admin, world, token_for
):
    await _with_stories(client, admin, world)
    author = await token_for("author")
    lower = {"project": "futures", "site": "gdansk", "suppression": 1}
    refused = await client.post("/api/v1/briefings", json=lower, headers=author)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "suppression"
    raised = await client.post(
        "/api/v1/briefings", json={**lower, "suppression": 10}, headers=author
    )
    assert raised.status_code == 201 and raised.json()["suppression"] == 10
    off = await client.post("/api/v1/briefings", json={**lower, "suppression": 0}, headers=admin)
    assert off.status_code == 201
    assert off.json()["manifest"]["parameters"]["suppression"] == 0

    # Exact counts say so inside every file: CSV, Parquet, XLSX and JSON.
    async def file(briefing: dict, name: str) -> bytes:
        got = await client.get(f"/api/v1/briefings/{briefing['id']}/files/{name}", headers=admin)
        assert got.status_code == 200, name
        return got.content

    exact_csv = pl.read_csv(io.BytesIO(await file(off.json(), "tables/key_challenges.csv")))
    assert exact_csv.columns[0] == "publication"
    assert set(exact_csv["publication"]) == {"not for publication"}
    published_csv = pl.read_csv(io.BytesIO(await file(raised.json(), "tables/key_challenges.csv")))
    assert "publication" not in published_csv.columns
    metadata = pq.read_metadata(io.BytesIO(await file(off.json(), "tables/key_challenges.parquet")))
    assert metadata.metadata[b"civicfutures.publication"] == b"not for publication"
    metadata = pq.read_metadata(
        io.BytesIO(await file(raised.json(), "tables/key_challenges.parquet"))
    )
    assert metadata.metadata[b"civicfutures.publication"] == b"published"
    book = openpyxl.load_workbook(io.BytesIO(await file(off.json(), "tables.xlsx")))
    assert book.properties.keywords == "not for publication"
    about = [cell for row in book.worksheets[0].iter_rows(values_only=True) for cell in row]
    assert any(str(cell).startswith("Nie do publikacji") for cell in about if cell)
    assert json.loads(await file(off.json(), "briefing.json"))["publication"] == (
        "not for publication"
    )


async def test_invalid_requests_name_their_fields(client, world, token_for):
    author = await token_for("author")
    cases = [
        ({"project": "futures", "language": "not a tag!"}, 422, "language"),
        ({"project": "futures", "from": "2025-05-01", "to": "2025-04-01"}, 422, "to"),
        ({"project": "futures", "site": "nowhere"}, 404, "site"),
        ({"project": "nothing"}, 404, "project"),
        # A threshold past any project's is refused before a perturbation table is built for it.
        ({"project": "futures", "suppression": 53171331388345}, 400, "suppression"),
    ]
    for body, status, field in cases:
        response = await client.post("/api/v1/briefings", json=body, headers=author)
        assert response.status_code == status, (body, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}, response.text
    unknown = await client.post(
        "/api/v1/briefings", json={"project": "futures", "pages": 3}, headers=author
    )
    assert unknown.status_code == 400


async def test_a_large_project_is_built_in_the_background(
    client, world, token_for, monkeypatch, job_worker
):
    from civicfutures.briefings import service

    monkeypatch.setattr(service, "SYNC_LIMIT", -1)
    author = await token_for("author")
    response = await client.post(
        "/api/v1/briefings", json={"project": "futures", "language": "en"}, headers=author
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "building" and response.json()["files"] == []
    briefing = response.json()["id"]
    for _attempt in range(300):
        status = (await client.get(f"/api/v1/briefings/{briefing}", headers=author)).json()
        if status["status"] != "building":
            break
        await asyncio.sleep(0.1)
    assert status["status"] == "ready", status
    assert status["built_at"] and status["manifest"]["briefing"] == briefing
