"""A briefing, not a data dump: the summary first, findings with their evidence, what would help,
the author's recommendations, method and limits in plain words, the tables in an annex; read
back from every format, and totals that add up.

The demo briefings come from the session's build (`demo_briefings`), the Arabic one from the
chart tests' build; the author's texts are tried on the small `world` project.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import docx
import pytest
from lxml import html as lxml_html
from pypdf import PdfReader

from briefings.conftest import post_briefing_form
from briefings.test_demo_charts import briefings  # noqa: F401
from briefings.test_formats import briefing_data, outline, pdftotext
from browser.conftest import artifacts  # noqa: F401
from builders import story_body

READER = ("summary", "key_challenges", "future_visions", "what_would_help")


def sections(directory: Path) -> list[dict]:
    return briefing_data(directory)["sections"]


def section(directory: Path, key: str) -> dict:
    return next(s for s in sections(directory) if s["key"] == key)


def in_english(message: str) -> str:
    from civicfutures.i18n import gettext, use_locale

    with use_locale("en"):
        return gettext(message)


# ---------------------------------------------------------------- order, in every format


@pytest.mark.parametrize("key", ["pl", "en"])
async def test_the_briefing_reads_summary_first_and_keeps_the_tables_for_the_annex(
    demo_briefings, key
):
    directory = demo_briefings[key]["dir"]
    found = sections(directory)
    keys = [s["key"] for s in found]
    assert keys[:4] == list(READER)
    method = keys.index("method")
    assert keys.index("insights") < method
    # Nothing but annex sections after the method, and every table is referenced there.
    assert all(s["annex"] for s in found[method + 1 :])
    assert not any(s["annex"] for s in found[: method + 1])
    body_tables = [b for s in found[: method + 1] for b in s["blocks"] if b["type"] == "table"]
    assert body_tables == []
    annex_tables = {
        b["table"] for s in found[method + 1 :] for b in s["blocks"] if b["type"] == "table"
    }
    assert annex_tables == set(briefing_data(directory)["tables"]) - {"quotes"}

    # The same order of headings in Markdown, Word and the PDF's text.
    headings = [s["heading"] for s in found]
    markdown = (directory / "briefing.md").read_text(encoding="utf-8")
    assert [line[3:] for line in markdown.splitlines() if line.startswith("## ")] == headings
    document = docx.Document(directory / "briefing.docx")
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == headings
    # Printed, the summary and the first findings share the page after the contents; each part
    # of the annex starts a page of its own.
    marks = [
        (title, page)
        for depth, title, page in outline(PdfReader(directory / "briefing.pdf"))
        if depth == 1
    ]
    assert [title for title, _page in marks] == headings
    assert marks[0][1] == marks[1][1] == 1
    annex = [page for (_title, page), s in zip(marks, found, strict=True) if s["annex"]]
    before = [page for (_title, page), s in zip(marks, found, strict=True) if not s["annex"]]
    assert annex[0] > before[-1] and annex == sorted(set(annex))
    printed = " ".join(pdftotext(directory / "briefing.pdf").split())
    # After the contents page, each heading comes after the one before it.
    body = printed[printed.index(headings[-1]) + len(headings[-1]) :]
    positions = [body.find(heading) for heading in headings]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)


@pytest.mark.parametrize("key", ["pl", "en"])
async def test_the_summary_is_drafted_from_the_agreed_insights_in_the_briefings_language(
    demo_briefings, key
):
    directory = demo_briefings[key]["dir"]
    data = briefing_data(directory)
    summary = [b["text"] for b in section(directory, "summary")["blocks"]]
    insights = [b for b in section(directory, "insights")["blocks"] if b["type"] == "insight"]
    assert insights, "the demo has agreed insights"
    # One paragraph per insight: its title, then its summary, as the insight reads here.
    assert len(summary) == len(insights)
    for paragraph, insight in zip(summary, insights, strict=True):
        assert paragraph.startswith(insight["title"].rstrip("."))
        assert insight["summary"] in paragraph
    assert data["language"] == key
    markdown = (directory / "briefing.md").read_text(encoding="utf-8")
    printed = " ".join(pdftotext(directory / "briefing.pdf").split())
    words = [p.text for p in docx.Document(directory / "briefing.docx").paragraphs]
    page = lxml_html.fromstring((directory / "briefing.html").read_bytes())
    shown = [p.text_content() for p in page.get_element_by_id("summary").iter("p")]
    assert shown == summary
    # The summary's words come right under its heading, before the next section's.
    first = markdown.index("\n## ")
    assert first < markdown.index(summary[0]) < markdown.index("\n## ", first + 1)
    for paragraph, insight in zip(summary, insights, strict=True):
        assert paragraph in words
        assert insight["summary"] in printed


async def test_each_key_challenge_carries_its_share_interval_and_quotes(demo_briefings):
    from civicfutures.i18n import use_locale
    from civicfutures.i18n.formatting import format_percent

    directory = demo_briefings["en"]["dir"]
    data = briefing_data(directory)
    table = data["tables"]["key_challenges"]
    keys = [c["key"] for c in table["columns"]]
    rows = {row[0]: dict(zip(keys, row, strict=True)) for row in table["rows"]}
    themes = [b for b in section(directory, "key_challenges")["blocks"] if b["type"] == "theme"]
    assert 1 <= len(themes) <= 5
    shares = []
    for theme in themes:
        row = rows[theme["theme"]]
        assert not row["suppressed"]
        with use_locale("en"):
            expected = [format_percent(row[c]) for c in ("share", "ci_low", "ci_high")]
        assert all(text in theme["figure"] for text in expected), theme["figure"]
        # The share's denominator is named: "In 3 of 9 stories (33%; ...)".
        assert theme["figure"].startswith(f"In {row['stories']} of {row['total']} stories ("), (
            theme["figure"]
        )
        assert theme["title"] == row["theme_label"]
        assert len(theme["quotes"]) <= 3
        shares.append(row["share"])
    assert shares == sorted(shares, reverse=True)
    # The Gdańsk insight on young people quotes a Polish story: its words follow the theme.
    youth = next(t for t in themes if t["theme"] == "youth_disengagement")
    quote = youth["quotes"][0]
    assert quote["language"] == "pl" and quote["site"] == "Gdańsk"
    insights = section(directory, "insights")["blocks"]
    cited = [q["text"] for b in insights if b["type"] == "insight" for q in b["quotes"]]
    assert quote["text"] in cited
    markdown = (directory / "briefing.md").read_text(encoding="utf-8")
    # The quoted words isolated (FSI … PDI) inside the briefing's quotation marks.
    isolated = f"\u2068{quote['text']}\u2069"
    assert markdown.index(f"### {youth['title']}") < markdown.index(f"> “{isolated}")


async def test_what_would_help_names_enablers_and_the_outcomes_insights_lead_to(demo_briefings):
    directory = demo_briefings["en"]["dir"]
    blocks = section(directory, "what_would_help")["blocks"]
    enablers = [b for b in blocks if b["type"] == "theme"]
    table = briefing_data(directory)["tables"]["enablers"]
    published = [row for row in table["rows"] if row[table_column(table, "suppressed")] is False]
    assert enablers and len(enablers) <= len(published)
    notes = next(b for b in blocks if b["type"] == "notes")["items"]
    # The demo's two agreed insights are both mapped to one outcome.
    assert notes == [
        "More inclusive participation: Young people are heard too late and Rural places feel "
        "decided about from afar"
    ]


def table_column(table: dict, key: str) -> int:
    return [c["key"] for c in table["columns"]].index(key)


async def test_method_and_limits_say_what_was_left_out_for_this_scope_and_what_hidden_means(
    demo_briefings,
):
    for key in ("pl", "en"):
        directory = demo_briefings[key]["dir"]
        data = briefing_data(directory)
        quality = data["tables"]["data_quality"]
        by_check = {row[0]: row for row in quality["rows"]}
        method = section(directory, "method")
        notes = [item for b in method["blocks"] if b["type"] == "notes" for item in b["items"]]
        html = (directory / "briefing.html").read_text(encoding="utf-8")
        from civicfutures.briefings.tables import COUNT, hidden_text
        from civicfutures.i18n import use_locale
        from civicfutures.i18n.formatting import format_number

        with use_locale(key):
            stories = by_check["missing_consent:stories"]
            count = (
                hidden_text(stories[table_column(quality, "suppressed_reason")], COUNT, 3)
                if stories[table_column(quality, "suppressed")]
                else format_number(stories[table_column(quality, "count")])
            )
            hidden = hidden_text("protects", COUNT, 3)
            few = hidden_text("few", COUNT, 3)
        left_out = notes[0]
        assert count in left_out
        assert any(hidden in note and few in note for note in notes)
        assert method["heading"] in html
        facts = next(b for b in method["blocks"] if b["type"] == "facts")["items"]
        stories_fact = next(f["value"] for f in facts if f["label"] == translate(key, "Stories"))
        assert stories_fact in method["blocks"][1]["text"]


def translate(language: str, message: str) -> str:
    from civicfutures.i18n import gettext, use_locale

    with use_locale(language):
        return gettext(message)


# ---------------------------------------------------------------- totals that add up


async def test_the_cross_site_stories_total_is_the_sum_of_its_kinds(demo_briefings):
    directory = demo_briefings["en"]["dir"]
    with (directory / "tables/method_story_kinds.csv").open(encoding="utf-8") as file:
        kinds = list(csv.DictReader(file))
    assert len(kinds) == 2 and all(row["suppressed"] == "false" for row in kinds)
    total = sum(int(row["stories"]) for row in kinds)
    facts = next(b for b in section(directory, "method")["blocks"] if b["type"] == "facts")
    assert next(f["value"] for f in facts["items"] if f["label"] == "Stories") == str(total)
    # The shares of the kinds are of that total, and the Markdown says the same.
    assert sum(float(row["share"]) for row in kinds) == pytest.approx(1.0)
    markdown = (directory / "briefing.md").read_text(encoding="utf-8")
    assert f"- **Stories:** {total}" in markdown
    notes = [
        item
        for b in section(directory, "method")["blocks"]
        if b["type"] == "notes"
        for item in b["items"]
    ]
    assert any("perturbed slightly and on its own" in note for note in notes)


# ---------------------------------------------------------------- the author's texts


async def _stories(client, admin, world) -> list[dict]:
    stories = []
    for site in ("gdansk", "voru"):
        response = await client.post("/api/v1/stories", json=story_body(world, site), headers=admin)
        assert response.status_code == 201, response.text
        stories.append(response.json())
    return stories


SUMMARY = "Young people want to be asked.\n\nThe buses stop too early."
RECOMMENDATIONS = "Open the youth council's agenda to every school.\r\n\r\nRun buses after 22:00."


async def test_the_authors_summary_and_recommendations_are_built_into_every_format(
    client, admin, world, sign_in
):
    await _stories(client, admin, world)
    await sign_in("author")
    response = await post_briefing_form(
        client, "en", language="en", summary=SUMMARY, recommendations=RECOMMENDATIONS
    )
    assert response.status_code == 303, response.text
    detail = response.headers["location"]
    files = {}
    for name in ("briefing.json", "briefing.md", "briefing.html", "briefing.docx"):
        got = await client.get(f"{detail}/files/{name}")
        assert got.status_code == 200
        files[name] = got.content
    data = json.loads(files["briefing.json"])
    keys = [s["key"] for s in data["sections"]]
    assert keys.index("what_would_help") < keys.index("recommendations") < keys.index("method")
    summary = next(s for s in data["sections"] if s["key"] == "summary")
    recommendations = next(s for s in data["sections"] if s["key"] == "recommendations")
    assert [b["text"] for b in summary["blocks"]] == SUMMARY.split("\n\n")
    assert [b["text"] for b in recommendations["blocks"]] == [
        "Open the youth council's agenda to every school.",
        "Run buses after 22:00.",
    ]
    markdown = files["briefing.md"].decode()
    assert "## Recommendations\n\nOpen the youth council's agenda to every school." in markdown
    assert "Run buses after 22:00." in files["briefing.html"].decode()
    words = [p.text for p in docx.Document(io.BytesIO(files["briefing.docx"])).paragraphs]
    assert words[words.index("Summary") + 1] == "Young people want to be asked."
    assert "Run buses after 22:00." in words

    # The same words typed with other line ends give the same briefing, not a new one.
    again = await post_briefing_form(
        client,
        "en",
        language="en",
        summary=SUMMARY.replace("\n", "\r\n") + "  \n",
        recommendations=RECOMMENDATIONS.replace("\r\n", "\n"),
    )
    assert again.headers["location"] == detail
    # So do they with control characters no document format can hold (a NUL, a shift-in).
    controls = await post_briefing_form(
        client,
        "en",
        language="en",
        summary=SUMMARY.replace("asked", "as\x0fked") + "\x00",
        recommendations=RECOMMENDATIONS,
    )
    assert controls.headers["location"] == detail
    # Without recommendations there is no such section, and another summary another id.
    other = await post_briefing_form(client, "en", language="en", summary="Short.")
    assert other.status_code == 303 and other.headers["location"] != detail
    other_data = json.loads(
        (await client.get(f"{other.headers['location']}/files/briefing.json")).content
    )
    assert "recommendations" not in [s["key"] for s in other_data["sections"]]


async def test_a_summary_over_the_limit_is_refused_at_its_field_and_nothing_is_built(
    client, admin, world, sign_in, token_for
):
    from civicfutures.briefings.params import SUMMARY_LIMIT
    from civicfutures.settings import get_settings

    await _stories(client, admin, world)
    await sign_in("author")
    folder = Path(get_settings().exports_dir) / "briefings"
    before = set(folder.iterdir()) if folder.exists() else set()
    response = await post_briefing_form(client, "pl", summary="ę" * (SUMMARY_LIMIT + 1))
    assert response.status_code == 422
    assert 'id="briefing-summary-error"' in response.text
    assert "4001" in response.text.replace("\xa0", "").replace(" ", "")
    assert translate("pl", "Summary") in response.text
    author = await token_for("author")
    api = await client.post(
        "/api/v1/briefings",
        json={"project": "futures", "recommendations": "x" * 9000},
        headers={**author, "accept-language": "en"},
    )
    assert api.status_code == 422
    assert [e["field"] for e in api.json()["errors"]] == ["recommendations"]
    assert "8,000" in api.json()["errors"][0]["message"]
    after = set(folder.iterdir()) if folder.exists() else set()
    assert after == before


async def test_the_form_drafts_the_summary_from_the_agreed_insights_for_editing(
    client, admin, world, sign_in
):
    story = (await _stories(client, admin, world))[0]
    insight = {
        "project": "futures",
        "site": None,
        "language": "en",
        "title": {"en": "Evening buses matter"},
        "summary": {"en": "People stay home when the last bus leaves at nine"},
        "themes": [],
        "outcomes": [],
        "evidence": [{"story": story["id"], "start": 0, "end": 5, "quotable": False}],
        "status": "agreed",
    }
    created = await client.post("/api/v1/insights", json=insight, headers=admin)
    assert created.status_code == 201, created.text
    await sign_in("author")
    response = await post_briefing_form(client, "en", language="en", action="draft")
    assert response.status_code == 200
    draft = "Evening buses matter. People stay home when the last bus leaves at nine."
    assert f">{draft}</textarea>" in response.text
    assert 'role="status"' in response.text
    # Building with the draft untouched gives the briefing built without any summary.
    drafted = await post_briefing_form(client, "en", language="en", summary=draft)
    plain = await post_briefing_form(client, "en", language="en")
    assert drafted.status_code == plain.status_code == 303
    assert drafted.headers["location"] == plain.headers["location"]


# ---------------------------------------------------------------- what a reader sees first


@pytest.mark.browser
@pytest.mark.parametrize("key", ["en", "ar"])
async def test_the_summary_is_on_the_first_screen_and_a_quote_within_two(
    briefings,  # noqa: F811
    browser,
    artifacts,  # noqa: F811
    key,
):
    page = await browser.new_page(viewport={"width": 1000, "height": 800}, bypass_csp=True)
    await page.goto((briefings[key] / "briefing.html").as_uri())
    summary = await page.locator("#summary-heading").bounding_box()
    quote = await page.locator("blockquote").first.bounding_box()
    assert summary and summary["y"] + summary["height"] <= 800, summary
    assert quote and quote["y"] <= 1600, quote
    # Drafted paragraphs in another language than the briefing's say which.
    marked = await page.locator("#summary p").evaluate_all("ps => ps.map(p => [p.lang, p.dir])")
    assert marked == ([["", ""], ["", ""]] if key == "en" else [["pl", "ltr"], ["en", "ltr"]])
    await page.screenshot(path=str(artifacts / f"briefing-{key}-first-screens.png"), clip={
        "x": 0, "y": 0, "width": 1000, "height": 1600,
    }, full_page=True)  # fmt: skip
    from briefings.test_demo_charts import AXE

    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    # The whole document: its wide tables scroll in frames a keyboard can reach, and the
    # sections are the page's main landmark.
    serious = [v for v in result if v["impact"] in {"serious", "critical"}]
    assert not serious, serious
    assert "landmark-one-main" not in {v["id"] for v in result}
    await page.close()
