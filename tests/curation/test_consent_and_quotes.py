"""The quote bank, and consent withdrawal reaching quotes, insights and briefings at once."""

from civicfutures.curation.service import agreed_insights_for_briefing
from curation.stories import evidence as cite


def consent(scopes: list[str]) -> dict:
    return {"consent": {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": scopes}}


async def agreed_with_quote(client, admin, curated, insight_body) -> dict:
    body = insight_body(
        status="agreed",
        evidence=[
            cite(curated["pl"], "Młodzież chce mówić głośno o mieście", quotable=True),
            cite(curated["ar"], "الدِّيمُقْرَاطِيَّة", quotable=True, translations={"en": "democracy"}),
            cite(curated["pl"], "nikt nie słucha"),
        ],
    )
    response = await client.post("/api/v1/insights", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


async def test_quotes_carry_translations_and_filters(
    client, admin, token_for, curated, insight_body
):
    await agreed_with_quote(client, admin, curated, insight_body)
    quotes = (await client.get("/api/v1/quotes?project=futures", headers=admin)).json()
    assert [q["language"] for q in quotes] == ["pl", "ar"]
    pl, ar = quotes
    assert pl["translations"] == [
        {
            "language": "en",
            "text": "A whole English translation.",
            "scope": "story",
            "title": "",
            "by": "human",
            "reviewed": False,
        }
    ]
    assert (
        ar["translations"][0]["scope"] == "excerpt" and ar["translations"][0]["text"] == "democracy"
    )
    assert pl["themes"] == ["youth_voice"] and pl["insights"] == ar["insights"]
    # Read in Arabic: the Arabic quote alone, and no translation of it.
    in_arabic = (await client.get("/api/v1/quotes?project=futures&lang=ar", headers=admin)).json()
    assert in_arabic == [{**ar, "translations": []}]
    only_en = (await client.get("/api/v1/quotes?project=futures&lang=en", headers=admin)).json()
    assert [len(q["translations"]) for q in only_en] == [1, 1]
    assert (await client.get("/api/v1/quotes?project=futures&lang=et", headers=admin)).json() == []
    assert (
        await client.get("/api/v1/quotes?project=futures&theme=digital_tools", headers=admin)
    ).json() == []
    assert (
        len((await client.get("/api/v1/quotes?project=futures&site=gdansk", headers=admin)).json())
        == 2
    )
    voru = await token_for("partner", "voru")
    assert (await client.get("/api/v1/quotes?project=futures", headers=voru)).json() == []


async def test_withdrawal_removes_quotes_and_evidence_everywhere(
    client, admin, curated, insight_body
):
    insight = await agreed_with_quote(client, admin, curated, insight_body)
    teller = curated["storytellers"]["gdansk"][0]["id"]  # told the Polish story
    path = f"/api/v1/insights/{insight['id']}"

    # Quote scope taken back: no longer quotable, still evidence for research.
    assert (
        await client.patch(
            f"/api/v1/storytellers/{teller}", json=consent(["research"]), headers=admin
        )
    ).status_code == 200
    quotes = (await client.get("/api/v1/quotes?project=futures", headers=admin)).json()
    assert [q["language"] for q in quotes] == ["ar"]
    evidence = (await client.get(path, headers=admin)).json()["evidence"]
    assert [(e["language"], e["quote_consent"]) for e in evidence] == [
        ("pl", False),
        ("ar", True),
        ("pl", False),
    ]
    [briefed] = await agreed_insights_for_briefing("futures", None, "en")
    assert [q.language for q in briefed.quotes] == ["ar"]

    # Research consent withdrawn: the Polish excerpts vanish from the insight, counted only.
    assert (
        await client.patch(f"/api/v1/storytellers/{teller}", json=consent([]), headers=admin)
    ).status_code == 200
    withdrawn = await client.get(path, headers=admin)
    assert [e["language"] for e in withdrawn.json()["evidence"]] == ["ar"]
    assert withdrawn.json()["evidence_withdrawn"] == 2
    assert "Młodzież" not in withdrawn.text and "słucha" not in withdrawn.text
    [briefed] = await agreed_insights_for_briefing("futures", None, "en")
    assert briefed.evidence_withdrawn == 2 and briefed.stories == 1 and briefed.sites == ["gdansk"]

    # An edit of the insight keeps the hidden excerpts stored and counted.
    edited = await client.patch(
        path,
        json={"evidence": [cite(curated["ar"], "المجلس البلدي")]},
        headers={**admin, "If-Match": "1"},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["evidence_withdrawn"] == 2

    # Consent given again: the excerpts come back.
    await client.patch(
        f"/api/v1/storytellers/{teller}", json=consent(["research", "quote"]), headers=admin
    )
    restored = (await client.get(path, headers=admin)).json()
    assert restored["evidence_withdrawn"] == 0 and len(restored["evidence"]) == 3


async def test_a_withdrawn_story_cannot_be_cited(client, admin, curated, insight_body):
    teller = curated["storytellers"]["voru"][0]["id"]
    await client.patch(f"/api/v1/storytellers/{teller}", json=consent([]), headers=admin)
    body = insight_body(site="voru", evidence=[cite(curated["et"], "Õhtuti")])
    response = await client.post("/api/v1/insights", json=body, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "evidence.0.story"
