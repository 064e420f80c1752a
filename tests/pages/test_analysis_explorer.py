"""The analysis explorer: every kind as a chart and a table, downloads equal to the table,
disclosure control shown honestly, bad parameters as a 400 naming the field."""

from __future__ import annotations

import io
import re
from html import unescape

import openpyxl
import polars as pl
import pytest

KINDS = (
    "prevalence",
    "comparison",
    "distinctive",
    "breakdown",
    "cooccurrence",
    "links",
    "agreement",
    "quality",
    "representativeness",
)
PROJECT = "euarenas-futures"
ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
CELL = re.compile(r'<td([^>]*)data-value="([^"]*)"[^>]*>(.*?)</td>', re.S)


def shown_table(html: str) -> tuple[list[str], list[list[tuple[str, str, str]]]]:
    """The table's column names and, per row, (attributes, data-value, visible text) per cell."""
    table = html[html.index('<table class="analysis-table">') : html.index("</table>")]
    header = re.findall(r'<th scope="col" data-column="([^"]*)">', table)
    body = table[table.index("<tbody>") :]
    rows = [CELL.findall(row) for row in ROW.findall(body)]
    return header, [row for row in rows if row]


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.parametrize("kind", KINDS)
async def test_each_kind_shows_a_chart_and_a_table(client, demo, sign_in, kind):
    await sign_in("researcher")
    response = await client.get(f"/en/analysis/{kind}?project={PROJECT}")
    assert response.status_code == 200, response.text
    assert "<figure" in response.text and "<svg" in response.text
    assert "<figcaption" in response.text
    header, rows = shown_table(response.text)
    assert header
    # Which themes stand out rests on perturbed counts, whose keys are drawn per storyteller:
    # a demo load may publish none, and the table then says so.
    assert rows or (kind == "distinctive" and "No rows for these parameters." in response.text)
    assert 'id="disclosure-legend"' in response.text


async def test_the_index_lists_every_kind_with_its_method(client, demo, sign_in):
    await sign_in("author", lang="pl")
    response = await client.get("/pl/analysis")
    assert response.status_code == 200
    for kind in KINDS:
        assert f'href="/pl/analysis/{kind}"' in response.text
    assert "Wilson" in response.text


@pytest.mark.parametrize("path", ["/en/analysis", "/en/analysis/prevalence?project=" + PROJECT])
async def test_partners_are_refused(client, demo, sign_in, path):
    await sign_in("partner", "gdansk")
    response = await client.get(path)
    assert response.status_code == 403


async def test_an_unknown_kind_is_a_404_page(client, demo, sign_in):
    await sign_in("researcher")
    response = await client.get(f"/en/analysis/astrology?project={PROJECT}")
    assert response.status_code == 404
    assert "<html" in response.text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=15/03/2025", "from"),
        ("by=shoe_size", "by"),
        ("story_kind=past", "story_kind"),
        ("from=2025-06-01&to=2025-01-01", "from"),
    ],
)
async def test_bad_parameters_name_their_field(client, demo, sign_in, query, field):
    await sign_in("researcher", lang="pl")
    response = await client.get(f"/pl/analysis/prevalence?project={PROJECT}&{query}")
    assert response.status_code == 400, response.text
    assert f'id="analysis-{field}-error"' in response.text
    assert 'lang="pl"' in response.text


async def test_an_unknown_project_names_the_project_field(client, demo, sign_in):
    await sign_in("researcher")
    response = await client.get("/en/analysis/prevalence?project=atlantis")
    assert response.status_code == 400
    assert 'id="analysis-project-error"' in response.text


async def test_suppressed_cells_are_marked_never_small_numbers(client, demo, sign_in):
    await sign_in("researcher")
    response = await client.get(f"/en/analysis/prevalence?project={PROJECT}")
    header, rows = shown_table(response.text)
    stories = header.index("stories")
    suppressed_column = header.index("suppressed")
    hidden = [row for row in rows if row[suppressed_column][1] == "true"]
    assert hidden, "the demo has small cells"
    for row in hidden:
        attributes, value, text = row[stories]
        assert 'class="suppressed"' in attributes and value == ""
        assert not re.search(r"\d", re.sub(r"<[^>]+>", "", text))


@pytest.mark.parametrize("kind", ["prevalence", "cooccurrence", "representativeness"])
async def test_downloads_equal_the_table_shown(client, demo, sign_in, kind):
    await sign_in("researcher")
    query = (
        f"project={PROJECT}&story_kind=present"
        if kind != "representativeness"
        else f"project={PROJECT}"
    )
    page = await client.get(f"/en/analysis/{kind}?{query}")
    header, rows = shown_table(page.text)
    expected = [[unescape(cell[1]) for cell in row] for row in rows]
    assert f"/en/analysis/{kind}/download.csv?{query}".replace("&", "&amp;") in page.text

    csv = await client.get(f"/en/analysis/{kind}/download.csv?{query}")
    assert csv.status_code == 200 and csv.headers["x-publication"] == "published"
    frame = pl.read_csv(io.BytesIO(csv.content), infer_schema=False)
    assert frame.columns == header
    assert [[cell or "" for cell in row] for row in frame.rows()] == expected

    parquet = await client.get(f"/en/analysis/{kind}/download.parquet?{query}")
    frame = pl.read_parquet(io.BytesIO(parquet.content))
    assert frame.columns == header
    assert [[as_text(cell) for cell in row] for row in frame.rows()] == expected

    xlsx = await client.get(f"/en/analysis/{kind}/download.xlsx?{query}")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == header
    assert len(values) - 1 == len(expected)
    for got, want in zip(values[1:], expected, strict=True):
        for cell, text in zip(got, want, strict=True):
            if cell is None or isinstance(cell, str | bool):
                assert as_text(cell) == text
            else:
                assert cell == pytest.approx(float(text))


async def test_theme_labels_follow_the_page_language(client, demo, sign_in):
    await sign_in("researcher", lang="ar")
    response = await client.get(f"/ar/analysis/comparison?project={PROJECT}")
    assert response.status_code == 200
    assert 'dir="rtl"' in response.text
    header, _rows = shown_table(response.text)
    assert "theme_label" in header
    # The headers are read in the page's language; the downloads keep the column names.
    assert '<th scope="col" data-column="theme_label">الموضوع</th>' in response.text
    assert '<th scope="col" data-column="p_value">القيمة الاحتمالية</th>' in response.text


async def test_the_project_list_shows_names_and_posts_slugs(client, demo, sign_in):
    await sign_in("researcher")
    response = await client.get(f"/en/analysis/prevalence?project={PROJECT}")
    assert response.status_code == 200, response.text
    name = demo["project"]["name"]
    assert re.search(rf'<option value="{PROJECT}"[^>]*>{re.escape(name)}</option>', response.text)
