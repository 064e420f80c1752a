"""Insights through the API: versions, roles, partner isolation, outcomes."""

from civicfutures.db.tables import AuditEvent, Evidence
from curation.stories import evidence as cite


async def test_an_insight_round_trips_with_its_links(client, admin, curated, insight_body):
    body = insight_body(
        evidence=[
            cite(curated["pl"], "Żółta ławka", quotable=True, translations={"en": "Yellow bench"})
        ]
    )
    created = await client.post("/api/v1/insights", json=body, headers=admin)
    assert created.status_code == 201, created.text
    insight = created.json()
    assert insight["version"] == 1 and insight["site"] == "gdansk" and insight["language"] == "en"
    assert insight["themes"] == ["youth_voice"] and insight["outcomes"] == ["youth_heard"]
    assert insight["evidence"][0]["translations"] == {"en": "Yellow bench"}
    assert insight["evidence_withdrawn"] == 0
    got = await client.get(f"/api/v1/insights/{insight['id']}", headers=admin)
    assert got.headers["etag"] == '"1"' and got.json() == insight
    listed = (
        await client.get("/api/v1/insights?project=futures&theme=youth_voice", headers=admin)
    ).json()
    assert [i["id"] for i in listed] == [insight["id"]]
    assert (
        await client.get("/api/v1/insights?project=futures&outcome=trust", headers=admin)
    ).json() == []
    assert await AuditEvent.count().where(AuditEvent.entity == "insight") == 1


async def test_create_is_idempotent_with_a_key(client, admin, curated, insight_body):
    headers = {**admin, "Idempotency-Key": "insight-1"}
    first = await client.post("/api/v1/insights", json=insight_body(), headers=headers)
    again = await client.post("/api/v1/insights", json=insight_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert len((await client.get("/api/v1/insights?project=futures", headers=admin)).json()) == 1


async def test_edits_need_the_current_version(client, admin, curated, insight_body):
    insight = (await client.post("/api/v1/insights", json=insight_body(), headers=admin)).json()
    path = f"/api/v1/insights/{insight['id']}"
    missing = await client.patch(path, json={"status": "draft"}, headers=admin)
    assert missing.status_code == 428
    assert missing.json()["errors"][0]["field"] == "If-Match"
    edited = await client.patch(
        path, json={"summary": {"en": "Revised."}}, headers={**admin, "If-Match": '"1"'}
    )
    assert edited.status_code == 200 and edited.headers["etag"] == '"2"'
    assert edited.json()["summary"] == {"en": "Revised."}
    assert edited.json()["title"] == insight["title"]
    stale = await client.patch(
        path, json={"summary": {"en": "Lost update"}}, headers={**admin, "If-Match": "1"}
    )
    assert stale.status_code == 412
    assert (await client.get(path, headers=admin)).json()["summary"] == {"en": "Revised."}


async def test_agreeing_needs_evidence_and_an_author(
    client, admin, token_for, curated, insight_body
):
    refused = await client.post(
        "/api/v1/insights", json=insight_body(status="agreed"), headers=admin
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["status"]
    partner = await token_for("partner", "gdansk")
    body = insight_body(status="agreed", evidence=[cite(curated["pl"], "Żółta ławka")])
    assert (await client.post("/api/v1/insights", json=body, headers=partner)).status_code == 403
    author = await token_for("author")
    agreed = await client.post("/api/v1/insights", json=body, headers=author)
    assert agreed.status_code == 201
    # A partner may read the agreed insight of its site but no longer change it.
    path = f"/api/v1/insights/{agreed.json()['id']}"
    assert (await client.get(path, headers=partner)).status_code == 200
    change = await client.patch(path, json={"summary": {}}, headers={**partner, "If-Match": "1"})
    assert change.status_code == 403


async def test_a_partner_cannot_cite_another_sites_story(client, token_for, curated, insight_body):
    partner = await token_for("partner", "gdansk")
    body = insight_body(evidence=[cite(curated["et"], "nende hääl jääb kuulmata")])
    response = await client.post("/api/v1/insights", json=body, headers=partner)
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "evidence.0.story"
    assert "hääl" not in response.text and "Võru" not in response.text
    assert await Evidence.count() == 0


async def test_a_site_insight_cites_only_its_own_site(client, admin, curated, insight_body):
    body = insight_body(evidence=[cite(curated["et"], "nende hääl jääb kuulmata")])
    response = await client.post("/api/v1/insights", json=body, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "evidence.0.story"


async def test_partners_see_and_draft_only_their_own_sites(
    client, admin, token_for, curated, insight_body
):
    gdansk = await token_for("partner", "gdansk")
    voru = await token_for("partner", "voru")
    researcher = await token_for("researcher")
    own = await client.post(
        "/api/v1/insights",
        json=insight_body(evidence=[cite(curated["pl"], "Żółta ławka")]),
        headers=gdansk,
    )
    assert own.status_code == 201, own.text
    cross = await client.post(
        "/api/v1/insights",
        json=insight_body(site=None, title={"en": "Across sites"}),
        headers=admin,
    )
    assert (
        await client.post("/api/v1/insights", json=insight_body(site=None), headers=gdansk)
    ).status_code == 403
    assert (
        await client.post("/api/v1/insights", json=insight_body(site="voru"), headers=gdansk)
    ).status_code == 404
    own_id, cross_id = own.json()["id"], cross.json()["id"]

    assert [
        i["id"]
        for i in (await client.get("/api/v1/insights?project=futures", headers=gdansk)).json()
    ] == [own_id]
    assert (await client.get("/api/v1/insights?project=futures", headers=voru)).json() == []
    assert (
        await client.get("/api/v1/insights?project=futures&site=gdansk", headers=voru)
    ).json() == []
    for path in (f"/api/v1/insights/{own_id}", f"/api/v1/insights/{cross_id}"):
        hidden = await client.get(path, headers=voru)
        assert hidden.status_code == 404 and "Across" not in hidden.text
    assert (await client.get(f"/api/v1/insights/{cross_id}", headers=gdansk)).status_code == 404
    edit = await client.patch(
        f"/api/v1/insights/{own_id}", json={"summary": {}}, headers={**voru, "If-Match": "1"}
    )
    assert edit.status_code == 404
    assert (await client.delete(f"/api/v1/insights/{own_id}", headers=voru)).status_code == 404

    ids = {
        i["id"]
        for i in (await client.get("/api/v1/insights?project=futures", headers=researcher)).json()
    }
    assert ids == {own_id, cross_id}
    edit = await client.patch(
        f"/api/v1/insights/{own_id}", json={"summary": {}}, headers={**researcher, "If-Match": "1"}
    )
    assert edit.status_code == 403
    assert (await client.delete(f"/api/v1/insights/{own_id}", headers=gdansk)).status_code == 204


async def test_unknown_references_are_reported_per_field(client, admin, curated, insight_body):
    body = insight_body(
        themes=["nope"], outcomes=["youth_heard", "missing"], title={"pl": "Tytuł"}, language="en"
    )
    response = await client.post("/api/v1/insights", json=body, headers=admin)
    assert response.status_code == 422
    assert sorted(e["field"] for e in response.json()["errors"]) == [
        "outcomes.1",
        "themes.0",
        "title.en",
    ]


async def test_outcomes_are_written_by_authors_and_form_a_tree(client, admin, token_for, curated):
    researcher = await token_for("researcher")
    body = {"project": "futures", "key": "new_one", "labels": {"en": "New"}}
    assert (await client.post("/api/v1/outcomes", json=body, headers=researcher)).status_code == 403
    author = await token_for("author")
    assert (await client.post("/api/v1/outcomes", json=body, headers=author)).status_code == 201
    assert (await client.post("/api/v1/outcomes", json=body, headers=author)).status_code == 409
    listed = (await client.get("/api/v1/outcomes?project=futures", headers=researcher)).json()
    assert [o["key"] for o in listed] == ["inclusion", "youth_heard", "trust", "new_one"]
    assert listed[1]["parent"] == "inclusion"
    cycle = await client.patch(
        "/api/v1/outcomes/futures/inclusion", json={"parent": "youth_heard"}, headers=author
    )
    assert cycle.status_code == 422 and cycle.json()["errors"][0]["field"] == "parent"
    moved = await client.patch(
        "/api/v1/outcomes/futures/trust",
        json={"parent": "inclusion", "labels": {"pl": "Zaufanie"}},
        headers=author,
    )
    assert moved.status_code == 200
    assert moved.json()["parent"] == "inclusion" and moved.json()["labels"] == {"pl": "Zaufanie"}
    assert (await client.get("/api/v1/outcomes/futures/nope", headers=author)).status_code == 404
