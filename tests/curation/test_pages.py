"""The curation pages: from a story's text to an agreed insight, its quote and the Theory of Change."""

import re

from curation.stories import evidence as cite

INSIGHT_URL = re.compile(r"/en/insights/(\d+)/evidence\?saved=1$")


async def test_an_author_goes_from_stories_to_an_agreed_insight(
    client, curated, sign_in, post_page
):
    await sign_in("author")
    listing = await client.get("/en/projects/futures/insights")
    assert listing.status_code == 200 and "Write an insight" in listing.text

    created = await post_page(
        "/en/projects/futures/insights/new",
        "/en/projects/futures/insights/new",
        {
            "site": "gdansk",
            "language": "en",
            "title": "Democracy is learnt at school",
            "summary": "Young people ask for it.",
            "themes": "youth_voice",
            "outcomes": ["inclusion", "youth_heard"],
            "status": "draft",
        },
    )
    assert created.status_code == 303, created.text
    insight_id = INSIGHT_URL.search(created.headers["location"]).group(1)
    evidence_page = f"/en/insights/{insight_id}/evidence?story={curated['ar']['id']}"
    page = await client.get(evidence_page)
    assert 'dir="rtl"' in page.text and "الدِّيمُقْرَاطِيَّة" in page.text

    missing = await post_page(
        evidence_page,
        f"/en/insights/{insight_id}/evidence",
        {
            "story": curated["ar"]["id"],
            "version": "1",
            "excerpt": "ليست في القصة",
            "occurrence": "1",
        },
    )
    assert missing.status_code == 422
    assert "not in the story exactly as typed" in missing.text

    added = await post_page(
        evidence_page,
        f"/en/insights/{insight_id}/evidence",
        {
            "story": curated["ar"]["id"],
            "version": "1",
            "excerpt": "الدِّيمُقْرَاطِيَّة",
            "occurrence": "1",
            "quotable": "yes",
            "translation_language": "en",
            "translation": "democracy",
        },
    )
    assert added.status_code == 303, added.text

    agreed = await post_page(
        f"/en/insights/{insight_id}/edit",
        f"/en/insights/{insight_id}/edit",
        {
            "version": "2",
            "site": "gdansk",
            "language": "pl",
            "title": "Demokracji uczymy się w szkole",
            "summary": "",
            "themes": "youth_voice",
            "outcomes": "youth_heard",
            "status": "agreed",
        },
    )
    assert agreed.status_code == 303, agreed.text
    view = await client.get(f"/en/insights/{insight_id}")
    assert "Democracy is learnt at school" in view.text and "Agreed" in view.text
    assert '<blockquote lang="ar" dir="rtl">الدِّيمُقْرَاطِيَّة</blockquote>' in view.text
    polish = await client.get(f"/pl/insights/{insight_id}")
    assert "Demokracji uczymy się w szkole" in polish.text

    quotes = await client.get("/en/projects/futures/quotes?lang=en")
    assert "الدِّيمُقْرَاطِيَّة" in quotes.text and "democracy" in quotes.text

    theory = await client.get("/en/projects/futures/theory-of-change")
    assert theory.status_code == 200
    assert "Democracy is learnt at school" in theory.text
    assert "/en/projects/futures/theory-of-change/svg" in theory.text
    svg = await client.get("/en/projects/futures/theory-of-change/svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    mermaid = await client.get("/en/projects/futures/theory-of-change/mermaid")
    assert (
        mermaid.text.startswith("flowchart")
        and "attachment" in mermaid.headers["content-disposition"]
    )
    assert (await client.get("/en/projects/futures/theory-of-change/pdf")).status_code == 404


async def test_a_stale_form_is_shown_again_with_the_reason(
    client, admin, curated, insight_body, sign_in, post_page
):
    created = await client.post("/api/v1/insights", json=insight_body(), headers=admin)
    insight_id = created.json()["id"]
    await sign_in("author")
    path = f"/en/insights/{insight_id}/edit"
    await client.patch(
        f"/api/v1/insights/{insight_id}", json={"summary": {}}, headers={**admin, "If-Match": "1"}
    )
    stale = await post_page(
        path,
        path,
        {"version": "1", "site": "gdansk", "language": "en", "title": "Mine", "status": "draft"},
    )
    assert stale.status_code == 422
    assert "changed by someone else" in stale.text and 'value="Mine"' in stale.text


async def test_partners_reach_only_their_sites_pages(client, admin, curated, insight_body, sign_in):
    body = insight_body(evidence=[cite(curated["pl"], "Żółta ławka")])
    own = (await client.post("/api/v1/insights", json=body, headers=admin)).json()["id"]
    cross = (
        await client.post(
            "/api/v1/insights", json=insight_body(site=None, title={"en": "Across"}), headers=admin
        )
    ).json()["id"]
    await sign_in("partner", "voru")
    for path in (
        f"/en/insights/{own}",
        f"/en/insights/{cross}",
        f"/en/insights/{own}/evidence",
        f"/en/insights/{own}/edit",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "Żółta" not in response.text and "Across" not in response.text
    listing = await client.get("/en/projects/futures/insights")
    assert listing.status_code == 200 and "Young people" not in listing.text
    await sign_in("partner", "gdansk")
    assert (await client.get(f"/en/insights/{own}/evidence")).status_code == 200
    form = await client.get("/en/projects/futures/insights/new")
    assert 'value="*"' not in form.text and 'value="voru"' not in form.text
    assert 'name="status"' not in form.text
    await sign_in("researcher")
    assert (await client.get(f"/en/insights/{own}")).status_code == 200
    assert (await client.get("/en/projects/futures/insights/new")).status_code == 403
    client.cookies.clear()
    anonymous = await client.get("/en/projects/futures/theory-of-change", follow_redirects=False)
    assert anonymous.status_code == 303 and "/en/login" in anonymous.headers["location"]


async def test_the_theory_page_speaks_the_page_language(client, admin, curated, sign_in):
    await sign_in("researcher")
    page = await client.get("/pl/projects/futures/theory-of-change")
    assert page.status_code == 200 and 'lang="pl"' in page.text
    assert "Bardziej inkluzywne uczestnictwo" in page.text
    assert '<span lang="en">Stronger trust</span>' in page.text


async def test_the_insight_and_quote_filters_keep_their_choices(client, curated, sign_in):
    await sign_in("author")
    insights = await client.get("/en/projects/futures/insights?site=gdansk&status=agreed")
    assert insights.status_code == 200
    assert '<option value="gdansk" selected>' in insights.text
    assert '<option value="agreed" selected>Agreed</option>' in insights.text
    assert '<option value="draft">Draft</option>' in insights.text

    quotes = await client.get("/en/projects/futures/quotes?site=gdansk&theme=youth_voice&lang=pl")
    assert quotes.status_code == 200
    assert 'aria-label="Filter the quotes"' in quotes.text
    for name, value in (("site", "gdansk"), ("theme", "youth_voice"), ("lang", "pl")):
        assert f'<select id="filter-{name}" name="{name}">' in quotes.text
        assert f'<option value="{value}" selected>' in quotes.text
