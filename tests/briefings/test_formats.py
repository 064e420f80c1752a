"""The formats authors hand on, read back as their readers would: the PDF through poppler's
pdftotext and pypdf, the DOCX through python-docx, the ZIP through zipfile.

The Polish (Gdańsk) and English (cross-site) demo briefings come from the session's build;
the Arabic one is built and downloaded here through the HTTP API.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import html as lxml_html
from pypdf import PdfReader

from briefings.conftest import curate_demo
from briefings.demo import PROJECT
from civicfutures.i18n.formatting import quoted

A4 = (595.28, 841.89)
# Poppler marks right-to-left runs with Unicode embedding controls; they are not text.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f]")
ARABIC = re.compile("[\u0600-\u06ff]")


def pdftotext(path: Path, page: int | None = None) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing (make test installs poppler-utils)"
    pages = ["-f", str(page), "-l", str(page)] if page else []
    done = subprocess.run(
        [tool, "-enc", "UTF-8", *pages, str(path), "-"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    # NFC: marks such as shadda and kasra come back in either order.
    return unicodedata.normalize("NFC", BIDI_CONTROLS.sub("", done.stdout.decode("utf-8")))


def outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every bookmark, in order."""
    found: list[tuple[int, str, int]] = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            # Subset fonts are named ABCDEF+Family-Style.
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def pictures(reader: PdfReader) -> set[int]:
    """The image objects the pages draw (pages may share one resource dictionary)."""
    found = set()
    for page in reader.pages:
        objects = page["/Resources"].get("/XObject") or {}
        for reference in objects.get_object().values():
            if reference.get_object().get("/Subtype") == "/Image":
                found.add(reference.idnum)
    return found


def briefing_data(directory: Path) -> dict:
    return json.loads((directory / "briefing.json").read_text(encoding="utf-8"))


def html_tables(directory: Path) -> dict[str, list[list[str]]]:
    """Every table of the HTML briefing: its header row, then its rows, as the cells read."""
    tree = lxml_html.fromstring((directory / "briefing.html").read_bytes())
    tables = {}
    for table in tree.iter("table"):
        name = (table.get("id") or "").removeprefix("table-")
        rows = [[cell.text_content() for cell in row.iter("th", "td")] for row in table.iter("tr")]
        tables[name] = rows
    return tables


def word_tables(document) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


# ---------------------------------------------------------------------------- PDF


@pytest.mark.parametrize("key", ["pl", "en"])
async def test_the_pdf_is_a4_with_bookmarks_a_contents_page_and_page_numbers(demo_briefings, key):
    directory = demo_briefings[key]["dir"]
    path = directory / "briefing.pdf"
    data = briefing_data(directory)
    reader = PdfReader(path)
    pages = len(reader.pages)
    # The contents page, then the briefing proper, then each part of the annex on its own pages.
    assert pages >= 2 + sum(section["annex"] for section in data["sections"])
    for page in reader.pages:
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == A4

    marks = outline(reader)
    assert marks[0][:2] == (0, data["title"])
    headings = [section["heading"] for section in data["sections"]]
    assert [title for depth, title, _page in marks if depth == 1] == headings

    first = pdftotext(path, 1)
    assert data["title"] in " ".join(first.split())
    for depth, title, page in marks:
        if depth != 1:
            continue
        printed = re.search(re.escape(title) + r"\s*\.{3,}\s*(\d+)", first)
        assert printed, f"{title} is not in the printed contents"
        assert int(printed.group(1)) == page + 1, title
    for number in (1, pages):
        assert f"{number} / {pages}" in pdftotext(path, number)
    assert reader.trailer["/Root"]["/Lang"] == data["language"]
    assert {"Noto-Sans", "Noto-Sans-Bold"} <= fonts(reader)


async def test_the_pdf_shows_cells_as_the_html_does_and_keeps_the_charts_as_vectors(
    demo_briefings,
):
    directory = demo_briefings["pl"]["dir"]
    text = " ".join(pdftotext(directory / "briefing.pdf").split())
    assert "Gdańsk" in text
    html = html_tables(directory)
    tree = lxml_html.fromstring((directory / "briefing.html").read_bytes())
    hidden = {cell.text_content() for cell in tree.find_class("hidden")}
    assert hidden, "the demo's Gdańsk briefing has hidden cells"
    for label in hidden:
        assert label in text
    # Each theme label of the key challenges table is printed.
    for row in html["key_challenges"][1:]:
        assert " ".join(row[0].split()) in text
    # Vector charts: their axis labels are text in the PDF, not pixels.
    reader = PdfReader(directory / "briefing.pdf")
    assert not pictures(reader)


# ---------------------------------------------------------------------------- DOCX


@pytest.mark.parametrize("key", ["pl", "en"])
async def test_the_docx_has_heading_styles_word_tables_and_quotes(demo_briefings, key):
    directory = demo_briefings[key]["dir"]
    data = briefing_data(directory)
    document = docx.Document(directory / "briefing.docx")
    styled = [(p.style.name, p.text) for p in document.paragraphs]
    assert styled[0] == ("Title", data["title"])
    assert styled[1] == ("Subtitle", data["subtitle"])
    assert [text for style, text in styled if style == "Heading 1"] == [
        section["heading"] for section in data["sections"]
    ]
    second_level = {text for style, text in styled if style == "Heading 2"}
    insights = [
        block
        for section in data["sections"]
        for block in section["blocks"]
        if block["type"] == "insight"
    ]
    assert insights and {block["title"] for block in insights} <= second_level
    quotes = {text for style, text in styled if style == "Quote"}
    for block in insights:
        for quote in block["quotes"]:
            # The briefing's own quotation marks (CLDR): „…” in a Polish one.
            assert quoted(quote["text"], data["language"]) in quotes
            if quote["translation"]:
                assert quote["translation"] in quotes

    properties = document.core_properties
    assert properties.language == data["language"] and properties.title == data["title"]
    assert properties.created.year == 2000 and properties.modified.year == 2000
    assert properties.last_modified_by == ""


@pytest.mark.parametrize("key", ["pl", "en"])
async def test_docx_table_cells_read_exactly_as_in_the_html(demo_briefings, key):
    """The same cell texts (numbers, dates, hidden cells) as the HTML, table by table."""
    directory = demo_briefings[key]["dir"]
    data = briefing_data(directory)
    html = html_tables(directory)
    words = word_tables(docx.Document(directory / "briefing.docx"))
    shown = [
        block["table"]
        for section in data["sections"]
        for block in section["blocks"]
        if block["type"] == "table" and data["tables"][block["table"]]["rows"]
    ]
    assert len(words) == len(shown)
    for name, word in zip(shown, words, strict=True):
        expected = html[name][: len(word)]
        assert word == expected, name
        assert len(word) == min(len(html[name]), 41), name  # the header and up to 40 rows
    tree = lxml_html.fromstring((directory / "briefing.html").read_bytes())
    hidden = tree.get_element_by_id("table-key_challenges").find_class("hidden")
    if key == "pl":
        assert hidden, "the comparison covers hidden cells"


@pytest.mark.parametrize(
    ("size", "printed", "scale"),
    [
        # The 200-site heatmap: held to the page's height, 37 mm wide, drawn at 300 dpi.
        ((729, 4379), ("height", 220), 220 / 25.4 * 300 / 4379),
        # A small chart fills the width and keeps twice its size (under 300 dpi there).
        ((344, 300), ("width", 160), 2),
    ],
)
def test_a_docx_picture_is_drawn_at_no_more_than_300_dpi_where_it_is_printed(size, printed, scale):
    from civicfutures.briefings.renderers.to_docx import placed

    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="{size[0]}" height="{size[1]}"></svg>'
    width, height, drawn = placed(svg)
    side, millimetres = printed
    assert (width if side == "width" else height).mm == pytest.approx(millimetres)
    assert (height if side == "width" else width) is None
    assert drawn == pytest.approx(scale)
    pixels = size[0 if side == "width" else 1] * drawn
    assert pixels / (millimetres / 25.4) <= 300 + 1e-6


def test_the_docx_pictures_are_no_denser_than_300_dpi_in_the_page(demo_briefings):
    """Read back from the file: each picture's pixels over its extent in the document."""
    from PIL import Image

    path = demo_briefings["en"]["dir"] / "briefing.docx"
    with zipfile.ZipFile(path) as package:
        document = package.read("word/document.xml").decode()
        media = sorted(n for n in package.namelist() if n.startswith("word/media/"))
        sizes = [Image.open(io.BytesIO(package.read(n))).size for n in media]
    extents = [int(cx) for cx in re.findall(r'<wp:extent cx="(\d+)"', document)]
    assert len(media) == len(extents) == 2
    # The document's pictures are its media in order (python-docx names them image1, image2).
    for (pixels, _), emu in zip(sizes, extents, strict=True):
        assert pixels / (emu / 914400) <= 301


# ---------------------------------------------------------------------------- ZIP


@pytest.mark.parametrize("key", ["pl", "en"])
async def test_the_zip_holds_every_file_and_the_manifest_sorted_and_stamped(demo_briefings, key):
    directory = demo_briefings[key]["dir"]
    manifest = json.loads((directory / "manifest.json").read_text())
    identifier = manifest["briefing"]
    with zipfile.ZipFile(directory / "briefing.zip") as archive:
        assert archive.testzip() is None
        entries = archive.infolist()
        names = [entry.filename for entry in entries]
        assert names == sorted(names)
        assert {name.removeprefix(f"{identifier}/") for name in names} == {
            f["path"] for f in manifest["files"]
        } | {"manifest.json"}
        for entry in entries:
            assert entry.date_time == (1980, 1, 1, 0, 0, 0)
            assert entry.external_attr >> 16 == 0o100644
        for listed in manifest["files"]:
            body = archive.read(f"{identifier}/{listed['path']}")
            assert hashlib.sha256(body).hexdigest() == listed["sha256"], listed["path"]
        assert json.loads(archive.read(f"{identifier}/manifest.json")) == manifest


@pytest.mark.parametrize("key", ["pl", "en"])
@pytest.mark.parametrize("name", ["briefing.pdf", "briefing.docx", "briefing.zip"])
async def test_two_builds_give_byte_identical_files(demo_briefings, key, name):
    first = (demo_briefings[key]["dir"] / name).read_bytes()
    again = (demo_briefings[key]["again"] / name).read_bytes()
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(again).hexdigest()


# ---------------------------------------------------------------------------- Arabic, over HTTP


async def test_an_arabic_briefing_downloads_as_right_to_left_pdf_docx_and_zip(
    client, admin, tmp_path
):
    from civicfutures.demo import load_demo

    await load_demo()
    await curate_demo(client, admin)
    response = await client.post(
        "/api/v1/briefings", json={"project": PROJECT, "language": "ar"}, headers=admin
    )
    assert response.status_code == 201, response.text
    built = response.json()
    files = {f["name"]: f for f in built["files"]}
    assert {"briefing.pdf", "briefing.docx", "briefing.zip"} <= set(files)
    base = f"/api/v1/briefings/{built['id']}/files/"

    async def download(name: str, media_type: str) -> bytes:
        got = await client.get(base + name, headers=admin)
        assert got.status_code == 200, name
        assert got.headers["content-type"].startswith(media_type), name
        assert hashlib.sha256(got.content).hexdigest() == files[name]["sha256"], name
        return got.content

    data = json.loads(await download("briefing.json", "application/json"))
    assert data["direction"] == "rtl"
    headings = [section["heading"] for section in data["sections"]]

    pdf = await download("briefing.pdf", "application/pdf")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    assert [title for depth, title, _page in outline(reader) if depth == 1] == headings
    assert {"Noto-Sans-Arabic", "Noto-Sans-Arabic-Bold"} <= fonts(reader)
    for page in reader.pages:
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == A4
    (tmp_path / "briefing.pdf").write_bytes(pdf)
    text = " ".join(pdftotext(tmp_path / "briefing.pdf").split())
    assert len(ARABIC.findall(text)) > 500
    # Lam-alef (with or without hamza or madda) comes back from the PDF as a ligature; the other
    # headings read as written, but for the spaces poppler puts around a colon between Arabic
    # words ("ملحق: القصص" comes back as "ملحق :القصص").
    readable = [
        "".join(unicodedata.normalize("NFC", h).split())
        for h in headings
        if not re.search("ل[اأإآ]", h)
    ]
    squeezed = "".join(text.split())
    assert len(readable) >= 5 and all(heading in squeezed for heading in readable)
    # Charts with Arabic text are pictures drawn with joined letters, not letter-by-letter SVG.
    assert len(pictures(reader)) == len(
        [b for s in data["sections"] for b in s["blocks"] if b["type"] == "chart"]
    )

    document = docx.Document(io.BytesIO(await download("briefing.docx", "application/vnd")))
    body = document.element.body
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    heading_paragraphs = [p for p in document.paragraphs if p.style.name == "Heading 1"]
    assert [p.text for p in heading_paragraphs] == headings
    assert all(p._p.pPr.find(f"{w}bidi") is not None for p in heading_paragraphs)
    assert body.find(f"{w}sectPr/{w}bidi") is not None
    assert document.tables and all(
        t._tbl.tblPr.find(f"{w}bidiVisual") is not None for t in document.tables
    )

    archive = zipfile.ZipFile(io.BytesIO(await download("briefing.zip", "application/zip")))
    assert f"{built['id']}/briefing.pdf" in archive.namelist()
    assert archive.read(f"{built['id']}/briefing.pdf") == pdf
