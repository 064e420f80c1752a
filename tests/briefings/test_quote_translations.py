"""Quotes in briefings built from the demo: each with its own translation or none, never the
whole story's; every site's local briefing with its quote-consented evidence. Read back from
the JSON, HTML and Markdown files the API serves."""

from __future__ import annotations

import html as html_lib

import pytest

from briefings.demo import PROJECT

CURATED = "Nobody wrote to tell us which of our ideas were taken up, which were not, and why."
ALIGNED = "Then a letter came thanking us for our engagement, and that was it."
MACHINE_ALIGNED = (
    "To vote it was necessary the SPID, which many elderly and many foreigners do not have."
)
# Starts inside a sentence of its story, so no sentence of the translation is certain to match.
UNALIGNED = (
    "per il Comune sono abbastanza cittadino da dare idee, per lo Stato non abbastanza per votare."
)


@pytest.fixture
async def demo_curated(demo) -> dict:
    from civicfutures.curation.demo import load_demo_insights

    await load_demo_insights()
    return demo


async def _build(client, headers, **request) -> dict:
    response = await client.post(
        "/api/v1/briefings", json={"project": PROJECT, **request}, headers=headers
    )
    assert response.status_code == 201, response.text
    base = f"/api/v1/briefings/{response.json()['id']}/files/"
    files = {}
    for name in ("briefing.json", "briefing.html", "briefing.md"):
        got = await client.get(base + name, headers=headers)
        assert got.status_code == 200, got.text
        files[name] = got.json() if name.endswith(".json") else got.text
    return files


def _quotes(briefing: dict) -> list[dict]:
    section = next(s for s in briefing["sections"] if s["key"] == "insights")
    return [q for block in section["blocks"] for q in block.get("quotes", [])]


def _translated(language: str, message: str) -> str:
    from civicfutures.i18n import gettext, use_locale

    with use_locale(language):
        return gettext(message)


async def _story_translations() -> list[str]:
    from civicfutures.db.tables import Translation

    return [row["body"] for row in await Translation.select(Translation.body)]


async def test_cross_site_quotes_carry_their_own_translation_or_none(client, admin, demo_curated):
    files = await _build(client, admin, language="en")
    quotes = {q["text"]: q for q in _quotes(files["briefing.json"])}
    assert len(quotes) == 10

    by_start = {text[:20]: q for text, q in quotes.items()}
    curated = by_start["Nikt nie napisał, co"]
    assert (curated["translation"], curated["note"]) == (CURATED, None)
    aligned_note = _translated(
        "en",
        "The matching sentence of the story's translation; nobody has translated this excerpt yet.",
    )
    machine_note = _translated(
        "en",
        "The matching sentence of the story's machine translation; nobody has translated this "
        "excerpt yet.",
    )
    aligned = by_start["Potem przyszło pismo"]
    assert (aligned["translation"], aligned["note"]) == (ALIGNED, aligned_note)
    machine = by_start["Per votare serviva l"]
    assert (machine["translation"], machine["note"]) == (MACHINE_ALIGNED, machine_note)
    none_note = (
        "No translation of this excerpt into English exists; quoted in the original language."
    )
    alone = quotes[UNALIGNED]
    assert (alone["translation"], alone["note"]) == (None, none_note)
    english = quotes[
        "There is a screen and a trained volunteer, and you can see every decision coming up "
        "in your area, in English, Urdu, Polish, Arabic or whatever your language is."
    ]
    assert english["translation"] is None and english["note"] is None

    # No quote is followed by a whole story: every translation is at most two sentences long.
    stories = await _story_translations()
    for quote in quotes.values():
        assert quote["translation"] not in stories
        assert quote["translation"] is None or len(quote["translation"]) < 160

    page = html_lib.unescape(files["briefing.html"])
    assert f'<p class="translation" lang="en">{ALIGNED}</p>' in page
    assert aligned_note in page and none_note in page
    assert "I was born at Santa Maria Nuova hospital" not in page  # UNALIGNED's story, whole

    markdown = files["briefing.md"]
    assert f"> {ALIGNED}" in markdown and f"> {CURATED}" in markdown
    assert none_note in markdown and aligned_note in markdown
    assert "I was born at Santa Maria Nuova hospital" not in markdown


async def test_a_curated_translation_into_the_briefing_language_is_used(
    client, admin, demo_curated
):
    files = await _build(client, admin, site="greater-manchester", language="pl")
    [quote] = _quotes(files["briefing.json"])
    assert quote["translation"].startswith("Jest tam ekran i przeszkolony wolontariusz")
    assert quote["translation_language"] == "pl" and quote["note"] is None
    assert quote["translation"] in files["briefing.md"]


async def _quote_consented_evidence(site: str) -> set[str]:
    """Quotable excerpts of agreed insights at `site` whose storytellers all consent to quotes,
    read straight from the tables."""
    from civicfutures.db.tables import Evidence, StoryStoryteller

    rows = await Evidence.select(Evidence.story, Evidence.excerpt).where(
        (Evidence.quotable == True)  # noqa: E712
        & (Evidence.insight.status == "agreed")
        & (Evidence.story.site.slug == site)
    )
    found = set()
    for row in rows:
        tellers = (
            await StoryStoryteller.select(StoryStoryteller.storyteller.consent_scopes)
            .output(load_json=True)
            .where(StoryStoryteller.story == row["story"])
        )
        if tellers and all("quote" in t["storyteller.consent_scopes"] for t in tellers):
            found.add(row["excerpt"])
    return found


@pytest.mark.parametrize("site", ["gdansk", "voru", "reggio-emilia", "greater-manchester"])
async def test_every_local_briefing_quotes_its_quote_consented_evidence(
    client, admin, demo_curated, site
):
    expected = await _quote_consented_evidence(site)
    assert expected  # every demo site has some
    files = await _build(client, admin, site=site)
    quotes = _quotes(files["briefing.json"])
    assert {q["text"] for q in quotes} == expected
    table = files["briefing.json"]["tables"]["quotes"]
    text_column = [c["key"] for c in table["columns"]].index("text")
    assert {row[text_column] for row in table["rows"]} == expected
    for text in expected:
        assert text in html_lib.unescape(files["briefing.html"])
        assert text in files["briefing.md"]
