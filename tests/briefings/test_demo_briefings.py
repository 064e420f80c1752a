"""The demo briefings in every format, read back by the clients people use: a spreadsheet
library, LibreOffice, Frictionless, DuckDB and a headless Chromium."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from briefings.demo import ARTIFACTS, DASH_TRANSLATION, FORMULA_TITLE
from civicfutures.sheet_names import sheet_name

EXPECTED = {
    "briefing.html",
    "briefing.md",
    "briefing.json",
    "briefing.pdf",
    "briefing.docx",
    "briefing.zip",
    "tables.xlsx",
    "datapackage.json",
    "manifest.json",
    "charts/present_vs_future.svg",
    "charts/prevalence_by_site.svg",
}
TABLES = {
    "method_languages",
    "method_story_kinds",
    "key_challenges",
    "future_visions",
    "challenge_vision_links",
    "enablers",
    "comparison",
    "distinctive_themes",
    "comparison_tests",
    "quotes",
    "theory_of_change",
    "data_quality",
    "representativeness",
    "breakdown_age_band",
    "breakdown_gender",
    "breakdown_migrant_background",
}
CODES = re.compile(r"\b(GDA|VOR|REG|GMA)-\d\d\b")


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in directory.rglob("*")
        if p.is_file()
    }


def translated(language: str, message: str) -> str:
    from civicfutures.i18n import gettext, use_locale

    with use_locale(language):
        return gettext(message)


@pytest.mark.parametrize("key", ["pl", "en"])
async def test_every_format_is_written_and_hashed_in_the_manifest(demo_briefings, key):
    from civicfutures.briefings.manifest import verify

    directory = demo_briefings[key]["dir"]
    names = set(files_of(directory))
    expected_tables = TABLES | ({"site_profiles"} if key == "en" else set())
    assert names >= EXPECTED
    assert {f"tables/{t}.csv" for t in expected_tables} <= names
    assert {f"tables/{t}.parquet" for t in expected_tables} <= names
    manifest = json.loads((directory / "manifest.json").read_text())
    # The ZIP holds the manifest, so the manifest cannot list it.
    assert {f["path"] for f in manifest["files"]} == names - {"manifest.json", "briefing.zip"}
    assert verify(directory) == []
    assert manifest["parameters"]["suppression"] == 3  # the demo project's k
    assert manifest["parameters"]["site"] == ("gdansk" if key == "pl" else None)
    assert manifest["snapshot"]["id"] and manifest["curation_sha256"]
    assert {"python", "polars", "altair", "vl-convert-python", "xlsxwriter"} <= set(
        manifest["software"]
    )
    assert directory.name == manifest["briefing"]


@pytest.mark.parametrize("key", ["pl", "en"])
async def test_a_rebuild_gives_the_same_bytes(demo_briefings, key):
    first, again = files_of(demo_briefings[key]["dir"]), files_of(demo_briefings[key]["again"])
    assert first.keys() == again.keys()
    differing = [name for name in first if first[name] != again[name]]
    assert not differing


async def test_the_polish_briefing_reads_in_polish(demo_briefings):
    html = (demo_briefings["pl"]["dir"] / "briefing.html").read_text()
    assert '<html lang="pl" dir="ltr">' in html
    assert "Gdańsk" in html
    assert "Brak zaangażowania młodzieży" in html  # a theme label in Polish, from the codebook
    assert "15 marca 2025" in html  # a CLDR date
    assert f'<h2 id="key_challenges-heading">{translated("pl", "Key challenges")}</h2>' in html
    assert translated("pl", "fewer than %(k)s") % {"k": 3} in html
    data = json.loads((demo_briefings["pl"]["dir"] / "briefing.json").read_text())
    assert [s["key"] for s in data["sections"]] == [
        "summary",
        "key_challenges",
        "future_visions",
        "what_would_help",
        "insights",
        "method",
        "annex_stories",
        "annex_themes",
        "comparison",
        "breakdowns",
        "theory_of_change",
        "data_notes",
    ]


async def test_suppressed_cells_never_show_a_count(demo_briefings):
    directory = demo_briefings["pl"]["dir"]
    data = json.loads((directory / "briefing.json").read_text())
    table = data["tables"]["key_challenges"]
    keys = [c["key"] for c in table["columns"]]
    rows = [dict(zip(keys, row, strict=True)) for row in table["rows"]]
    hidden = [row for row in rows if row["suppressed"]]
    assert hidden, "the demo's Gdańsk briefing has small cells"
    assert all(row["stories"] is None and row["share"] is None for row in hidden)
    markdown = (directory / "briefing.md").read_text()
    for row in hidden:
        line = next(
            line for line in markdown.splitlines() if line.startswith(f"| {row['theme_label']} ")
        )
        assert translated("pl", "fewer than %(k)s") % {"k": 3} in line


async def test_xlsx_opens_in_openpyxl_with_polish_headers_and_text_kept_as_text(demo_briefings):
    import openpyxl

    path = demo_briefings["pl"]["dir"] / "tables.xlsx"
    workbook = openpyxl.load_workbook(path)
    assert len(workbook.sheetnames) == 1 + len(TABLES)
    theme = translated("pl", "Theme")
    assert theme != "Theme", "the Polish catalog translates the header"
    title = translated("pl", "Challenges in the stories")
    challenges = workbook[sheet_name(title, set())]
    assert challenges["A1"].value == title
    assert challenges.freeze_panes == "A3"
    assert challenges["A2"].value == theme
    assert challenges["A2"].font.b
    assert challenges.column_dimensions["A"].width > 10
    shares = [row for row in challenges.iter_rows(min_row=3) if isinstance(row[3].value, float)]
    assert shares and shares[0][3].number_format == "0.0%"
    hidden = translated("pl", "fewer than %(k)s") % {"k": 3}
    assert any(row[1].value == hidden for row in challenges.iter_rows(min_row=3))
    quotes = workbook[sheet_name(translated("pl", "Quotes"), set())]
    titles = [row[0] for row in quotes.iter_rows(min_row=3)]
    formula = next(cell for cell in titles if cell.value == FORMULA_TITLE)
    assert formula.data_type == "s"
    assert formula.quotePrefix
    assert workbook.properties.created.year == 2000
    with zipfile.ZipFile(path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        sheets = " ".join(
            archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")
        )
        assert "<f>" not in sheets  # not a single formula anywhere


async def test_xlsx_opens_in_libreoffice(demo_briefings, tmp_path):
    assert shutil.which("soffice"), "LibreOffice is missing (make test installs it)"
    path = demo_briefings["pl"]["dir"] / "tables.xlsx"
    result = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path), str(path)],
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # LibreOffice's first sheet as CSV holds what openpyxl reads in that sheet.
    first = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    expected = [
        ["" if cell is None else str(cell) for cell in row]
        for row in first.iter_rows(max_row=3, values_only=True)
    ]
    with (tmp_path / "tables.csv").open(encoding="utf-8", newline="") as handle:
        converted = list(csv.reader(handle))[:3]
    assert [row[:1] for row in converted] == [row[:1] for row in expected]
    assert converted[0][0]


@pytest.mark.parametrize("key", ["pl", "en"])
async def test_frictionless_validates_the_data_package(demo_briefings, key):
    frictionless = Path(sys.executable).parent / "frictionless"
    result = subprocess.run(
        [str(frictionless), "validate", "--json", "datapackage.json"],
        cwd=demo_briefings[key]["dir"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(result.stdout)
    assert report["valid"], json.dumps(report["tasks"][:3], indent=1)[:2000]


async def test_csv_cells_that_look_like_formulas_are_neutralised(demo_briefings):
    import csv

    with (demo_briefings["pl"]["dir"] / "tables/quotes.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert "'" + FORMULA_TITLE in {row["insight"] for row in rows}
    with (demo_briefings["en"]["dir"] / "tables/quotes.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert "'" + DASH_TRANSLATION in {row["translation"] for row in rows}
    package = json.loads((demo_briefings["en"]["dir"] / "datapackage.json").read_text())
    assert "apostrophe" in package["description"]


@pytest.mark.parametrize("key", ["pl", "en"])
async def test_duckdb_reads_every_parquet_table(demo_briefings, key):
    import csv

    import duckdb

    directory = demo_briefings[key]["dir"]
    for parquet in sorted((directory / "tables").glob("*.parquet")):
        count = duckdb.sql(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchall()[0][0]
        with parquet.with_suffix(".csv").open(encoding="utf-8") as handle:
            assert count == sum(1 for _ in csv.reader(handle)) - 1, parquet.name
    hidden = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{directory / 'tables/key_challenges.parquet'}') "
        "WHERE suppressed AND stories IS NOT NULL"
    ).fetchall()[0][0]
    assert hidden == 0


async def test_no_storyteller_code_or_email_in_any_file(demo_briefings):
    import pyarrow.parquet as pq

    for key in ("pl", "en"):
        directory = demo_briefings[key]["dir"]
        for path in directory.rglob("*"):
            if not path.is_file():
                continue
            if path.suffix == ".zip":
                continue  # its entries are the files checked here
            if path.suffix in (".xlsx", ".docx"):
                with zipfile.ZipFile(path) as archive:
                    text = " ".join(
                        archive.read(n).decode()
                        for n in archive.namelist()
                        if n.endswith((".xml", ".rels"))
                    )
            elif path.suffix == ".pdf":
                text = subprocess.run(
                    ["pdftotext", "-enc", "UTF-8", str(path), "-"],
                    capture_output=True,
                    check=True,
                    text=True,
                ).stdout
            elif path.suffix == ".parquet":
                text = json.dumps(pq.read_table(path).to_pylist(), default=str, ensure_ascii=False)
            else:
                text = path.read_text(encoding="utf-8")
            assert not CODES.search(text), path
            assert "@demo.civicfutures.eu" not in text and "@test.civicfutures.eu" not in text, path


async def test_the_english_cross_site_briefing(demo_briefings):
    directory = demo_briefings["en"]["dir"]
    data = json.loads((directory / "briefing.json").read_text())
    assert data["language"] == "en"
    keys = [s["key"] for s in data["sections"]]
    assert keys[:4] == ["summary", "key_challenges", "future_visions", "what_would_help"]
    assert keys[keys.index("method") + 1 :][:3] == [
        "annex_stories",
        "annex_themes",
        "site_profiles",
    ]
    profiles = data["tables"]["site_profiles"]["rows"]
    assert [row[0] for row in profiles] == ["gdansk", "greater-manchester", "reggio-emilia", "voru"]
    insights = next(s for s in data["sections"] if s["key"] == "insights")
    quotes = [q for b in insights["blocks"] if b["type"] == "insight" for q in b["quotes"]]
    estonian = next(q for q in quotes if q["language"] == "et")
    assert estonian["translation"] == DASH_TRANSLATION
    polish = next(q for q in quotes if q["language"] == "pl")
    assert polish["translation"] and polish["note"]  # the matching sentence, said so
    theory = data["tables"]["theory_of_change"]
    columns = [c["key"] for c in theory["columns"]]
    row = next(
        dict(zip(columns, r, strict=True))
        for r in theory["rows"]
        if r[0] == "more_inclusive_participation"
    )
    assert len(row["insights"]) == 2 and row["stories"] == 2


@pytest.mark.parametrize("key", ["pl", "en"])
async def test_the_html_is_self_contained_and_chromium_renders_it(demo_briefings, key):
    path = demo_briefings[key]["dir"] / "briefing.html"
    html = path.read_text()
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"""(src|href)=["']https?:""", html)
    assert html.count("<svg") == 2
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(chromium).exists(), "Chromium is missing (make test installs it)"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"briefing-{key}.png"
    shot.unlink(missing_ok=True)
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--screenshot={shot}",
            "--window-size=1200,2000",
            path.as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 50_000


@pytest.mark.parametrize("key", ["pl", "en"])
async def test_every_table_sheet_keeps_its_full_title_in_the_first_row(demo_briefings, key):
    workbook = openpyxl.load_workbook(demo_briefings[key]["dir"] / "tables.xlsx")
    tables = workbook.worksheets[1:]
    titles = [sheet["A1"].value for sheet in tables]
    assert len(set(workbook.sheetnames)) == len(workbook.sheetnames)
    assert any(len(title) > 31 for title in titles), "the demo has a long title to shorten"
    for sheet, title in zip(tables, titles, strict=True):
        name = sheet.title
        assert len(name) <= 31 and "  " not in name
        clean = " ".join(re.sub(r"[\[\]:*?/\\]", " ", title).split())
        if len(clean) <= 31:
            assert name == clean
        else:
            stem = name.rsplit(" ~", 1)[0]
            assert clean.startswith(stem) and clean[len(stem)] == " ", (name, title)
