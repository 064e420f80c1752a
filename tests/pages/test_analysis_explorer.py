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
CELL = re.compile(r'<td([^>]*)data-value="([^"]*)"([^>]*)>(.*?)</td>', re.S)
CODE = re.compile(r'data-code="([^"]*)"')


def shown_table(html: str) -> tuple[list[str], list[list[tuple[str, str, str]]]]:
    """The table's column names and, per row, (attributes, data-value, visible text) per cell."""
    table = html[html.index('<table class="analysis-table">') : html.index("</table>")]
    header = re.findall(r'<th scope="col" data-column="([^"]*)">', table)
    body = table[table.index("<tbody>") :]
    rows = [
        [(before + after, value, text) for before, value, after, text in CELL.findall(row)]
        for row in ROW.findall(body)
    ]
    return header, [row for row in rows if row]


def as_downloaded(html: str) -> tuple[list[str], list[list[str]]]:
    """The table as its downloads write it: each label column after its code column, which
    the page keeps in the label cell's `data-code`."""
    header, rows = shown_table(html)
    columns = []
    for name in header:
        if name.endswith("_label"):
            columns.append(name.removesuffix("_label"))
        columns.append(name)
    values = []
    for row in rows:
        cells = []
        for name, (attributes, value, _text) in zip(header, row, strict=True):
            if name.endswith("_label"):
                cells.append(unescape(CODE.search(attributes).group(1)))
            cells.append(unescape(value))
        values.append(cells)
    return columns, values


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
    header, expected = as_downloaded(page.text)
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


# Per view: a code the analysis writes, and its label in Polish and in Arabic.
BUREAUCRACY = {"pl": "Bariery biurokratyczne", "ar": "العوائق البيروقراطية"}
AGE_16_24 = {"pl": "16–24 lata", "ar": "16–24 سنة"}
GDANSK = {"pl": "Gdańsk", "ar": "Gdańsk"}
LABELLED_VIEWS = {
    "prevalence": ("by=age_band", {"16-24": AGE_16_24, "bureaucratic_barriers": BUREAUCRACY}),
    "comparison": ("", {"gdansk": GDANSK, "bureaucratic_barriers": BUREAUCRACY}),
    "distinctive": (
        "unsuppressed=1",
        {
            "decisions_made_far_away": {
                "pl": "Decyzje zapadające daleko",
                "ar": "قرارات تتخذ في أماكن بعيدة",
            }
        },
    ),
    "breakdown": ("by=age_band", {"16-24": AGE_16_24, "gdansk": GDANSK}),
    "cooccurrence": ("", {"bureaucratic_barriers": BUREAUCRACY}),
    "links": ("", {"bureaucratic_barriers": BUREAUCRACY}),
    "agreement": ("", {"bureaucratic_barriers": BUREAUCRACY}),
    "quality": ("", {"gdansk": GDANSK}),
    "representativeness": (
        "",
        {"age_band": {"pl": "Przedział wieku", "ar": "الفئة العمرية"}, "16-24": AGE_16_24},
    ),
}


def visible_text(html: str) -> str:
    """What a reader sees in the page's main part: no tags, no attributes."""
    main = html[html.index('<main id="main"') : html.index("</main>")]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", main))


@pytest.mark.parametrize("lang", ["pl", "ar"])
@pytest.mark.parametrize("kind", KINDS)
async def test_each_view_shows_labels_never_codes(client, demo, sign_in, kind, lang):
    await sign_in("admin", lang=lang)
    query, codes = LABELLED_VIEWS[kind]
    response = await client.get(f"/{lang}/analysis/{kind}?project={PROJECT}&{query}")
    assert response.status_code == 200, response.text
    text = visible_text(response.text)
    for code, label in codes.items():
        assert label[lang] in text, (kind, lang, label[lang])
        assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text), (kind, lang, code)
    # Codes stay where tools read them: the label cell's attributes.
    header, _rows = shown_table(response.text)
    assert not {"theme", "site", "group", "attribute"} & set(header)
