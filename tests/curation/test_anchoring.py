"""A story edit moves cited excerpts to their words, or is refused naming the citing insights."""

from curation.stories import evidence as cite


async def cite_story(client, admin, curated, insight_body, **changes) -> dict:
    body = insight_body(evidence=[cite(curated["ar"], "الدِّيمُقْرَاطِيَّة", quotable=True)], **changes)
    response = await client.post("/api/v1/insights", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


async def edit_story(client, headers, story: dict, body: str, version: int = 1):
    return await client.patch(
        f"/api/v1/stories/{story['id']}",
        json={"body": body},
        headers={**headers, "If-Match": str(version)},
    )


async def test_an_edit_before_the_excerpt_moves_it(client, admin, curated, insight_body):
    insight = await cite_story(client, admin, curated, insight_body)
    story = curated["ar"]
    new_body = "قالت المشاركة: " + story["body"]
    response = await edit_story(client, admin, story, new_body)
    assert response.status_code == 200, response.text
    [item] = (await client.get(f"/api/v1/insights/{insight['id']}", headers=admin)).json()[
        "evidence"
    ]
    assert item["start"] == insight["evidence"][0]["start"] + len("قالت المشاركة: ")
    assert response.json()["body"][item["start"] : item["end"]] == item["excerpt"]
    quotes = (await client.get("/api/v1/quotes?project=futures", headers=admin)).json()
    assert quotes[0]["start"] == item["start"]


async def test_an_edit_removing_cited_words_is_refused_naming_the_insight(
    client, admin, curated, insight_body
):
    insight = await cite_story(client, admin, curated, insight_body)
    story = curated["ar"]
    response = await edit_story(
        client, admin, story, story["body"].replace("الدِّيمُقْرَاطِيَّة", "السياسة")
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "body"
    assert f"insight {insight['id']}" in error["message"]
    assert "Young people feel unheard" in error["message"]
    assert "الدِّيمُقْرَاطِيَّة" in error["message"]
    # Nothing changed: same version, same text, evidence where it was.
    stored = (await client.get(f"/api/v1/stories/{story['id']}", headers=admin)).json()
    assert stored["version"] == 1 and stored["body"] == story["body"]
    # In Polish, the insight is named by its Polish title.
    polish = await client.patch(
        f"/api/v1/stories/{story['id']}?lang=pl",
        json={"body": "Inny tekst."},
        headers={**admin, "If-Match": "1"},
    )
    assert "Młodzi czują się niesłyszani" in polish.json()["errors"][0]["message"]


async def test_a_partner_is_not_told_a_cross_site_insights_title(
    client, admin, token_for, curated, insight_body
):
    await cite_story(
        client, admin, curated, insight_body, site=None, title={"en": "Secret synthesis"}
    )
    partner = await token_for("partner", "gdansk")
    response = await edit_story(client, partner, curated["ar"], "نص آخر.")
    assert response.status_code == 422
    assert "Secret synthesis" not in response.text
    assert "cannot open" in response.json()["errors"][0]["message"]


async def test_edits_that_keep_the_words_and_codings_still_pass(
    client, admin, curated, insight_body
):
    await cite_story(client, admin, curated, insight_body)
    story = curated["pl"]  # not cited: any edit goes through
    assert (await edit_story(client, admin, story, "Całkiem nowy tekst.")).status_code == 200
