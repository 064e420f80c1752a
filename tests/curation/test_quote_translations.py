"""The curator's translation of a quote, through the API and the quote bank page: stored on
every citation of the excerpt, used by briefings, refused with localized field errors."""

from __future__ import annotations

from civicfutures.curation.service import agreed_insights_for_briefing
from curation.stories import evidence as cite
from curation.stories import span


def _translated(language: str, message: str) -> str:
    from civicfutures.i18n import gettext, use_locale

    with use_locale(language):
        return gettext(message)


async def _two_insights_citing(client, admin, curated, insight_body) -> tuple[dict, list[dict]]:
    """The same Polish excerpt cited by two agreed insights: one quote, two citations."""
    quote = cite(curated["pl"], "Młodzież chce mówić głośno o mieście", quotable=True)
    created = []
    for title in ("First", "Second"):
        body = insight_body(status="agreed", title={"en": title}, evidence=[quote])
        response = await client.post("/api/v1/insights", json=body, headers=admin)
        assert response.status_code == 201, response.text
        created.append(response.json())
    return quote, created


def _request(quote: dict, **changes) -> dict:
    return {
        "project": "futures",
        "story": quote["story"],
        "start": quote["start"],
        "end": quote["end"],
        "language": "en",
        "text": "Young people want to speak up about the city",
        **changes,
    }


async def test_an_author_translates_a_quote_for_every_insight_citing_it(
    client, admin, token_for, curated, insight_body
):
    quote, insights = await _two_insights_citing(client, admin, curated, insight_body)
    author = await token_for("author")
    response = await client.put("/api/v1/quotes/translation", json=_request(quote), headers=author)
    assert response.status_code == 200, response.text
    assert response.json()["translations"] == [
        {
            "language": "en",
            "text": "Young people want to speak up about the city",
            "scope": "excerpt",
            "title": "",
            "by": "human",
            "reviewed": False,
        }
    ]
    for insight in insights:
        stored = (await client.get(f"/api/v1/insights/{insight['id']}", headers=admin)).json()
        assert stored["version"] == insight["version"] + 1
        assert stored["evidence"][0]["translations"] == {
            "en": "Young people want to speak up about the city"
        }
    # A briefing in English now prints the curator's words after the quote.
    [first, second] = await agreed_insights_for_briefing("futures", "gdansk", "en")
    for briefing_insight in (first, second):
        [cited] = briefing_insight.quotes
        assert cited.translation.text == "Young people want to speak up about the city"

    # en-GB replaces en; an empty text removes it, and the briefing has no translation again.
    british = _request(quote, language="en-GB", text="Young people want to speak up")
    response = await client.put("/api/v1/quotes/translation", json=british, headers=author)
    assert [(t["language"], t["scope"]) for t in response.json()["translations"]] == [
        ("en-GB", "excerpt")
    ]
    cleared = _request(quote, language="en-GB", text="  ")
    response = await client.put("/api/v1/quotes/translation", json=cleared, headers=author)
    assert response.status_code == 200
    assert [t["scope"] for t in response.json()["translations"]] == ["story"]
    [first, _second] = await agreed_insights_for_briefing("futures", "gdansk", "en")
    assert first.quotes[0].translation is None

    from civicfutures.db.tables import AuditEvent

    events = await AuditEvent.select(AuditEvent.entity_id).where(AuditEvent.entity == "quote")
    key = f"{quote['story']}:{quote['start']}-{quote['end']}"
    assert [e["entity_id"] for e in events] == [key] * 3


async def test_bad_quote_translations_are_refused_naming_the_field(
    client, admin, token_for, curated, insight_body
):
    quote, _ = await _two_insights_citing(client, admin, curated, insight_body)
    polish = {**admin, "Accept-Language": "pl"}

    async def put(body: dict, headers: dict = polish):
        return await client.put("/api/v1/quotes/translation", json=body, headers=headers)

    same = await put(_request(quote, language="pl"))
    assert same.status_code == 422
    assert same.json()["errors"] == [
        {
            "field": "language",
            "message": _translated(
                "pl",
                "The quote is already in this language; choose the language of its translation.",
            ),
        }
    ]
    bad_tag = await put(_request(quote, language="not a tag"))
    assert bad_tag.status_code == 422
    assert [e["field"] for e in bad_tag.json()["errors"]] == ["language"]

    start, end = span(curated["pl"]["body"], "Żółta ławka")
    missing = await put(_request(quote, start=start, end=end))
    assert missing.status_code == 404
    assert missing.json()["errors"] == [
        {
            "field": "story",
            "message": _translated("pl", "No quotable excerpt of this story at these offsets."),
        }
    ]
    partner = await token_for("partner", "gdansk")
    assert (await put(_request(quote), partner)).status_code == 403
    researcher = await token_for("researcher")
    assert (await put(_request(quote), researcher)).status_code == 403


async def test_the_quote_bank_page_takes_a_translation(
    client, admin, curated, insight_body, sign_in, post_page
):
    quote, _ = await _two_insights_citing(client, admin, curated, insight_body)
    await sign_in("author", lang="pl")
    bank = "/pl/projects/futures/quotes"
    page = await client.get(bank)
    assert _translated("pl", "Translate this quote") in page.text
    fields = {"story": quote["story"], "start": quote["start"], "end": quote["end"]}

    refused = await post_page(
        bank, f"{bank}/translation", {**fields, "language": "", "text": "Young people"}
    )
    assert refused.status_code == 422
    assert _translated("pl", "Choose the language of the translation.") in refused.text
    assert 'aria-invalid="true"' in refused.text and "Young people" in refused.text

    same = await post_page(bank, f"{bank}/translation", {**fields, "language": "pl", "text": "x"})
    assert same.status_code == 422
    message = "The quote is already in this language; choose the language of its translation."
    assert _translated("pl", message) in same.text

    saved = await post_page(
        bank,
        f"{bank}/translation",
        {**fields, "language": "en", "text": "Young people want to speak up about the city"},
    )
    assert saved.status_code == 303, saved.text
    key = f"{quote['story']}-{quote['start']}-{quote['end']}"
    assert saved.headers["location"] == f"{bank}?saved=1#quote-{key}"
    after = await client.get(saved.headers["location"])
    assert _translated("pl", "The translation of the quote was saved.") in after.text
    assert "Young people want to speak up about the city" in after.text
