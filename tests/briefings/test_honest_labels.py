"""What a hidden cell says about itself is true, in every format, read back from the files.

A cell hidden because it is small reads "fewer than k"; a cell hidden to protect another
(secondary suppression) reads "hidden to protect a small group"; a share is said to be hidden,
never to be "fewer than k". The first tests use a small breakdown protected by primary and
secondary suppression (the case of the report: men told 20 stories, yet their total read
"fewer than 3"); the last ones hold the demo briefings against an exact build of the same scope.
"""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from briefings.demo import PROJECT
from civicfutures.sheet_names import sheet_name

K = 3
# Three gender groups × two themes: the non-binary group rests on 2 storytellers (primary
# suppression), which takes other cells and the men's total (20 stories) with it.
CELLS = {
    "group": ["woman", "woman", "man", "man", "non_binary", "non_binary"],
    "theme": ["a", "b", "a", "b", "a", "b"],
    "stories": [10, 6, 8, 7, 1, 0],
    "storytellers": [10, 6, 8, 7, 1, 0],
    "total": [22, 22, 20, 20, 2, 2],
    "total_storytellers": [22, 22, 20, 20, 2, 2],
}
GROUPS = {"woman": "Woman", "man": "Man", "non_binary": "Non-binary"}
THEMES = {"a": "Housing", "b": "Transport"}


class TableReader(HTMLParser):
    """The cells of one `<table id=…>` of a page, as text, row by row (header row first)."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def html_table(path: Path, name: str) -> list[dict[str, str]]:
    reader = TableReader(f"table-{name}")
    reader.feed(path.read_text(encoding="utf-8"))
    header, *rows = reader.rows
    return [dict(zip(header, row, strict=True)) for row in rows]


def markdown_table(path: Path, title: str) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"### {title}")
    block = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            block.append([cell.strip() for cell in line.strip("|").split("|")])
        elif block:
            break
    header, _rule, *rows = block
    return [dict(zip(header, row, strict=True)) for row in rows]


def xlsx_table(path: Path, title: str) -> list[dict[str, str]]:
    sheet = openpyxl.load_workbook(path)[sheet_name(title, set())]
    full_title, header, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert full_title[0] == title
    return [dict(zip(header, row, strict=True)) for row in rows]


def csv_table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def protected_breakdown(tmp_path_factory) -> Path:
    """The small breakdown, protected and written in every format of a briefing."""
    from civicfutures.analysis.disclosure import Rule, suppress
    from civicfutures.analysis.inference import wilson
    from civicfutures.briefings.build import _labels, write_briefing
    from civicfutures.briefings.document import Briefing, Section, TableRef
    from civicfutures.briefings.params import BriefingParams
    from civicfutures.briefings.sections import flag_columns, share_columns
    from civicfutures.briefings.tables import Column, Table
    from civicfutures.i18n import use_locale

    low, high = wilson(pl.col("stories"), pl.col("total"))
    cells = pl.DataFrame(CELLS).with_columns(
        share=pl.col("stories") / pl.col("total"), ci_low=low, ci_high=high
    )
    protected = suppress(cells, Rule(rows=("group",), columns=("theme",)), K).with_columns(
        group_label=pl.col("group").replace_strict(GROUPS),
        theme_label=pl.col("theme").replace_strict(THEMES),
    )
    params = BriefingParams(
        project=PROJECT, site=None, language="en", date_from=None, date_to=None, k=K
    )
    with use_locale("en"):
        table = Table(
            name="breakdown_gender",
            title="Breakdown by gender",
            columns=[
                Column("theme", "Theme key", people=False),
                Column("theme_label", "Theme"),
                Column("group", "Group key", people=False),
                Column("group_label", "Gender"),
                *share_columns(),
                *flag_columns(),
            ],
            frame=protected,
        )
        briefing = Briefing(
            id="1" * 24,
            language="en",
            direction="ltr",
            title="Labels",
            subtitle="A protected breakdown",
            k=K,
            sections=[
                Section(key="breakdowns", heading="Breakdowns", blocks=[TableRef(table=table.name)])
            ],
            tables={table.name: table},
            parameters=params.canonical(),
            snapshot="0" * 16,
            labels=_labels("1" * 24, "0" * 16, params),
        )
    directory = tmp_path_factory.mktemp("labels")
    write_briefing(briefing, directory, {"briefing": briefing.id})
    return directory


def _by_cell(rows: list[dict], theme: str = "Theme", group: str = "Gender") -> dict:
    return {(row[theme], row[group]): row for row in rows}


FEW = "fewer than 3"
PROTECTS = "hidden to protect a small group"
SHARE_HIDDEN = "share hidden: small group"


def _assert_labels(rows: dict, read: str) -> None:
    """The labels of the protected breakdown as people read them, in one format."""
    # Primary suppression: one story told by one storyteller.
    assert rows[("Housing", "Non-binary")]["Stories"] == FEW, read
    assert rows[("Housing", "Non-binary")]["All stories"] == FEW, read
    assert rows[("Housing", "Non-binary")]["Share"] == SHARE_HIDDEN, read
    # Secondary suppression: 8 stories of men, hidden so Housing · Non-binary stays hidden.
    assert rows[("Housing", "Man")]["Stories"] == PROTECTS, read
    # The report's falsehood: men told 20 stories; their total protects the non-binary one.
    assert rows[("Housing", "Man")]["All stories"] == PROTECTS, read
    assert rows[("Transport", "Man")]["All stories"] == PROTECTS, read
    # A share is never said to be fewer than anything.
    for row in rows.values():
        for header in ("Share", "95% CI from", "95% CI to"):
            assert row[header] != FEW, (read, row)
    # Women's cells are shown as they are.
    assert rows[("Housing", "Woman")]["All stories"] in ("22", 22), read


def test_the_protection_itself_hides_the_cells_the_labels_describe():
    from civicfutures.analysis.disclosure import Rule, suppress

    cells = pl.DataFrame(CELLS).with_columns(
        share=pl.col("stories") / pl.col("total"), ci_low=pl.lit(0.0), ci_high=pl.lit(1.0)
    )
    table = suppress(cells, Rule(rows=("group",), columns=("theme",)), K)
    reasons = {
        (row["group"], row["theme"]): (row["suppressed_reason"], row["total_suppressed_reason"])
        for row in table.iter_rows(named=True)
    }
    assert reasons[("non_binary", "a")] == ("few", "few")
    assert reasons[("man", "a")] == ("protects", "protects")
    assert reasons[("woman", "a")] == (None, None)
    assert table.filter(pl.col("group") == "man")["total"].is_null().all()


def test_html_says_why_each_cell_is_hidden(protected_breakdown):
    rows = _by_cell(html_table(protected_breakdown / "briefing.html", "breakdown_gender"))
    _assert_labels(rows, "html")


def test_markdown_says_why_each_cell_is_hidden(protected_breakdown):
    rows = _by_cell(markdown_table(protected_breakdown / "briefing.md", "Breakdown by gender"))
    _assert_labels(rows, "markdown")


def test_xlsx_says_why_each_cell_is_hidden(protected_breakdown):
    rows = _by_cell(xlsx_table(protected_breakdown / "tables.xlsx", "Breakdown by gender"))
    _assert_labels(rows, "xlsx")
    workbook = openpyxl.load_workbook(protected_breakdown / "tables.xlsx")
    about = " ".join(
        str(cell.value) for row in workbook[workbook.sheetnames[0]].iter_rows() for cell in row
    )
    assert f"“{PROTECTS}”" in about and f"“{FEW}”" in about


def test_csv_and_the_data_package_carry_the_reason(protected_breakdown):
    rows = {
        (row["theme"], row["group"]): row
        for row in csv_table(protected_breakdown / "tables" / "breakdown_gender.csv")
    }
    man = rows[("a", "man")]
    assert man["stories"] == "" and man["total"] == "" and man["share"] == ""
    assert man["suppressed_reason"] == "protects"
    assert man["total_suppressed_reason"] == "protects"
    assert rows[("a", "non_binary")]["suppressed_reason"] == "few"
    assert rows[("a", "woman")]["suppressed_reason"] == ""
    package = json.loads((protected_breakdown / "datapackage.json").read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    reason = fields["suppressed_reason"]
    assert reason["constraints"]["enum"] == ["few", "few_storytellers", "protects"]
    assert f"protects: {PROTECTS}" in reason["description"]
    assert "suppressed_reason" in fields["stories"]["description"]


def test_json_and_parquet_carry_the_reason(protected_breakdown):
    data = json.loads((protected_breakdown / "briefing.json").read_text(encoding="utf-8"))
    assert data["hidden_reasons"]["protects"] == PROTECTS
    table = data["tables"]["breakdown_gender"]
    keys = [c["key"] for c in table["columns"]]
    rows = [dict(zip(keys, row, strict=True)) for row in table["rows"]]
    man = next(r for r in rows if (r["group"], r["theme"]) == ("man", "a"))
    assert man["total"] is None and man["total_suppressed_reason"] == "protects"
    frame = pl.read_parquet(protected_breakdown / "tables" / "breakdown_gender.parquet")
    man = frame.filter((pl.col("group") == "man") & (pl.col("theme") == "a")).row(0, named=True)
    assert man["total"] is None
    assert (man["suppressed_reason"], man["total_suppressed_reason"]) == ("protects", "protects")
    assert frame.filter(pl.col("suppressed_reason").is_null())["suppressed"].not_().all()


def test_every_text_of_a_hidden_cell_is_translated():
    from civicfutures.briefings.tables import COUNT, SHARE, hidden_text
    from civicfutures.i18n import use_locale

    english = {}
    with use_locale("en"):
        for reason in ("few", "few_storytellers", "protects", None):
            for kind in (COUNT, SHARE):
                english[reason, kind] = hidden_text(reason, kind, K)
    for language in ("pl", "et", "it", "uk", "ar"):
        with use_locale(language):
            for (reason, kind), text in english.items():
                assert hidden_text(reason, kind, K) != text, (language, reason, kind)


# ---------------------------------------------------------------- the demo, against exact counts

# The columns that name a row of each table, to find the same row in the exact build.
ROW_KEYS = {
    "method_languages": ("language",),
    "method_story_kinds": ("kind",),
    "key_challenges": ("theme",),
    "future_visions": ("theme",),
    "enablers": ("theme",),
    "challenge_vision_links": ("challenge", "vision"),
    "comparison": ("theme", "site"),
    "breakdown_gender": ("theme", "group"),
    "breakdown_age_band": ("theme", "group"),
    "breakdown_migrant_background": ("theme", "group"),
    "data_quality": ("check",),
}


def json_rows(directory: Path, name: str) -> tuple[list[dict], list[dict]]:
    table = json.loads((directory / "briefing.json").read_text(encoding="utf-8"))["tables"][name]
    keys = [c["key"] for c in table["columns"]]
    return table["columns"], [dict(zip(keys, row, strict=True)) for row in table["rows"]]


@pytest.mark.parametrize(("key", "site"), [("en", None), ("pl", "gdansk")])
async def test_no_demo_cell_reads_fewer_than_k_unless_it_is(demo_briefings, key, site):
    """Every cell of the demo briefings reading "fewer than 3" (in the HTML people read)
    holds fewer than 3 in the exact build of the same scope; no share reads so."""
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.briefings.params import BriefingIn
    from civicfutures.briefings.service import BriefingService
    from civicfutures.demo import load_demo
    from civicfutures.i18n import gettext, use_locale

    published = demo_briefings[key]["dir"]
    await load_demo()
    exact = await BriefingService().build_into(
        SYSTEM, BriefingIn(project=PROJECT, site=site, language=key, suppression=0)
    )
    with use_locale(key):
        few = gettext("fewer than %(k)s") % {"k": K}
        header = {"Stories": gettext("Stories"), "All stories": gettext("All stories")}
    checked = {"few": 0, "other": 0}
    for name, keys in ROW_KEYS.items():
        columns, rows = json_rows(published, name)
        _exact_columns, exact_rows = json_rows(exact, name)
        truth = {tuple(row[k] for k in keys): row for row in exact_rows}
        shown = html_table(published / "briefing.html", name)
        assert len(shown) == len(rows), name
        by_header = {c["header"]: c for c in columns}
        for row, cells in zip(rows, shown, strict=True):
            # The exact links list only pairs that occur: a pair missing there has none.
            exact_row = truth.get(tuple(row[k] for k in keys), {})
            for text_header, text in cells.items():
                column = by_header[text_header]
                if text != few:
                    checked["other"] += bool(column["suppressed_when"])
                    continue
                checked["few"] += 1
                assert column["kind"] == "count", (name, text_header, row)
                assert (exact_row.get(column["key"]) or 0) < K, (name, column, row, exact_row)
    assert checked["few"] > 0 and checked["other"] > 0
    # The report's case: no group's "All stories" reads "fewer than 3" when it holds more.
    _columns, gender = json_rows(exact, "breakdown_gender")
    men = [r for r in gender if r["group"] == "man"]
    assert men and all(r["total"] >= K for r in men), men[:3]
    _columns, rows = json_rows(published, "breakdown_gender")
    shown = html_table(published / "briefing.html", "breakdown_gender")
    men_shown = [cells for row, cells in zip(rows, shown, strict=True) if row["group"] == "man"]
    assert men_shown and all(cells[header["All stories"]] != few for cells in men_shown)
