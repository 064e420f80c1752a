"""The pieces of a briefing on their own, without a database: cells, sheets, ids, sections."""

from __future__ import annotations

import polars as pl
import pytest

from civicfutures.briefings.document import Notes
from civicfutures.i18n import use_locale


@pytest.fixture(scope="module")
def synthetic_briefing():
    """A cross-site briefing over a small synthetic snapshot where k hides almost everything."""
    from civicfutures.analysis.synthetic import synthetic_snapshot
    from civicfutures.briefings.build import assemble
    from civicfutures.briefings.inputs import Inputs
    from civicfutures.briefings.params import BriefingParams

    snapshot = synthetic_snapshot(1500, sites=3)
    params = BriefingParams(
        project="synthetic", site=None, language="et", date_from=None, date_to=None, k=400
    )
    inputs = Inputs(
        project_name="Synthetic",
        project_default="en",
        site_languages=[],
        attributes=[],
        insights=[],
        theory=[],
    )
    return assemble(snapshot, params, inputs, "0" * 24)


def test_cells_that_look_like_formulas_get_an_apostrophe_in_csv():
    from civicfutures.briefings.renderers.to_csv import csv_frame
    from civicfutures.briefings.tables import LIST, Column, Table

    values = ["=1+1", "+49 123", "-dash", "@cmd", "\tTab", "plain", "a=b", None]
    table = Table(
        name="t",
        title="T",
        columns=[Column("text", "Text"), Column("items", "Items", LIST)],
        frame=pl.DataFrame({"text": values, "items": [["=x", "y"]] * len(values)}),
    )
    written = csv_frame(table)
    assert written["text"].to_list() == [
        "'=1+1",
        "'+49 123",
        "'-dash",
        "'@cmd",
        "'\tTab",
        "plain",
        "a=b",
        None,
    ]
    assert written["items"][0] == "'=x; y"


def test_sheet_names_are_valid_and_unique():
    from civicfutures.sheet_names import sheet_name

    taken: set[str] = set()
    names = [
        sheet_name(title, taken)
        for title in ("Rozkład: wiek [lata]/grupa?", "A" * 40, "A" * 40, "'quoted'")
    ]
    assert names[0] == "Rozkład wiek lata grupa"
    assert len(names[1]) == 31 and len(names[2]) == 31 and names[1] != names[2]
    assert names[3] == "quoted"


def test_long_titles_are_cut_on_a_word_with_a_stable_suffix():
    from civicfutures.sheet_names import sheet_name

    title = "Udział tematów według przedziału wieku: porównanie miejsc"
    other = "Udział tematów według przedziału wieku: miejsca osobno"
    first, second = sheet_name(title, set()), sheet_name(other, set())
    assert first == sheet_name(title, {"something else"}), "the same title, the same name"
    assert len(first) <= 31 and len(second) <= 31 and first != second
    stem, tag = first.rsplit(" ~", 1)
    assert title.startswith(stem) and title[len(stem)] == " ", "cut between words"
    assert len(tag) == 4 and int(tag, 16) >= 0
    assert "  " not in first and ":" not in first


def test_chart_ids_do_not_depend_on_earlier_charts():
    from civicfutures.briefings.chart_svg import stable_ids

    first = '<svg><linearGradient id="gradient_0"/><path fill="url(#gradient_0)"/></svg>'
    later = first.replace("gradient_0", "gradient_7")
    assert stable_ids(first, "heat") == stable_ids(later, "heat")
    assert 'id="heat-0"' in stable_ids(first, "heat") and "url(#heat-0)" in stable_ids(
        first, "heat"
    )


def test_copies_of_a_gradient_become_one_definition_every_mark_keeps_its_fill():
    from civicfutures.briefings.chart_svg import shared_gradients, stable_ids

    stripes = '<stop offset="0" stop-color="#7a7a7a"/><stop offset="1" stop-color="#ffffff"/>'
    svg = (
        "<svg><defs>"
        f'<linearGradient id="gradient_0" x1="0">{stripes}</linearGradient>'
        f'<linearGradient id="gradient_1" x1="0">{stripes}</linearGradient>'
        f'<linearGradient id="gradient_2" x1="1">{stripes}</linearGradient>'
        "</defs>"
        '<path fill="url(#gradient_1)"/><path fill="url(#gradient_2)"/>'
        '<path fill="url(#gradient_0)"/><path fill="#000000"/></svg>'
    )
    shared = stable_ids(shared_gradients(svg), "heat")
    assert shared.count("<linearGradient") == 2
    assert shared.count(stripes) == 2
    fills = [part.split('"')[0] for part in shared.split('<path fill="')[1:]]
    assert fills == ["url(#heat-0)", "url(#heat-1)", "url(#heat-0)", "#000000"]
    # Nothing to share: the SVG is left as it was.
    assert shared_gradients(shared) == shared


def test_a_chart_table_too_wide_for_a_page_is_printed_in_part_and_says_so():
    from civicfutures.briefings.document import ChartTable
    from civicfutures.briefings.renderers.printed import (
        PRINTED_COLUMNS,
        PRINTED_ROWS,
        printed_chart_table,
    )

    small = ChartTable(caption="Shares", headers=["Theme", "A", "B"], rows=[["t", "1%", "2%"]])
    assert printed_chart_table(small) is small
    wide = ChartTable(
        caption="Shares",
        headers=["Theme", *(f"Site {i}" for i in range(200))],
        rows=[[f"Theme {t}", *(f"{t}%" for _ in range(200))] for t in range(60)],
    )
    with use_locale("pl"):
        shown = printed_chart_table(wide)
    assert shown.headers == wide.headers[:PRINTED_COLUMNS]
    assert shown.rows == [row[:PRINTED_COLUMNS] for row in wide.rows[:PRINTED_ROWS]]
    assert shown.caption.startswith("Shares ") and "HTML" in shown.caption
    assert "Only the first rows" not in shown.caption, "said in the briefing's language"


@pytest.mark.parametrize(
    ("language", "decimal", "thousands"),
    [("pl", ",", "\xa0"), ("vro", ",", "\xa0"), ("en", ".", ",")],
)
def test_chart_numbers_follow_cldr(language, decimal, thousands):
    from civicfutures.briefings.charts import number_locale

    locale = number_locale(language)
    assert (locale["decimal"], locale["thousands"]) == (decimal, thousands)


def test_suppressed_cells_say_why_in_every_format_for_people(synthetic_briefing):
    from civicfutures.briefings.renderers.to_markdown import render_markdown
    from civicfutures.briefings.tables import COUNT, SHARE, fewer_than, hidden_text

    with use_locale("et"):
        table = synthetic_briefing.tables["key_challenges"]
        assert table.frame["suppressed"].all() and table.frame["stories"].is_null().all()
        reasons = table.frame["suppressed_reason"].to_list()
        expected = [hidden_text(reason, COUNT, 400) for reason in reasons]
        rows = table.people_rows(400)
        markdown = render_markdown(synthetic_briefing)
        few, share = fewer_than(400), hidden_text("few", SHARE, 400)
    # A theme in fewer than 400 stories reads "fewer than 400"; one in more, told by
    # fewer than 400 storytellers, says so instead.
    assert "few" in reasons
    assert [row[1] for row in rows] == expected
    assert all(row[1] == few for row, reason in zip(rows, reasons, strict=True) if reason == "few")
    assert all(row[3] != few for row in rows)
    assert few in markdown and share in markdown


def test_a_cross_site_briefing_has_every_section(synthetic_briefing):
    assert [s.key for s in synthetic_briefing.sections] == [
        "summary",
        "key_challenges",
        "future_visions",
        "what_would_help",
        "insights",
        "method",
        "annex_stories",
        "annex_themes",
        "site_profiles",
        "comparison",
        "breakdowns",
        "theory_of_change",
        "data_notes",
    ]
    assert [s.annex for s in synthetic_briefing.sections] == [False] * 6 + [True] * 7
    assert synthetic_briefing.language == "et" and synthetic_briefing.direction == "ltr"
    assert set(synthetic_briefing.charts) == {"present_vs_future", "prevalence_by_site"}
    method = next(s for s in synthetic_briefing.sections if s.key == "method")
    notes = [item for b in method.blocks if isinstance(b, Notes) for item in b.items]
    assert any("Theme 0" in note for note in notes)  # labels shown in English are named
