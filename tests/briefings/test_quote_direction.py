"""Quotes keep their own direction in the formats without `dir`: an Arabic quote in a Polish
briefing and a Polish quote in an Arabic one, isolated in Markdown (FSI … PDI) and in Word
(`w:rtl` on the quote's run, `w:bidi` on its paragraph), read back from the files."""

from __future__ import annotations

import io

import docx
import polars as pl
import pytest
from docx.oxml.ns import qn

from civicfutures.briefings.document import Briefing, InsightView, QuoteView, Section, TableRef
from civicfutures.briefings.renderers.to_docx import render_docx
from civicfutures.briefings.renderers.to_markdown import render_markdown
from civicfutures.briefings.tables import Column, Table
from civicfutures.i18n import use_locale
from civicfutures.i18n.languages import text_direction

FSI, PDI = "\u2068", "\u2069"
QUOTES = {
    "ar": "نريد أن يسمعنا أحد قبل أن تُتخذ القرارات.",
    "pl": "Chcemy, żeby ktoś nas wysłuchał, zanim zapadną decyzje.",
}
# The briefing's language and the quote's: each crosses directions.
CASES = [("pl", "ar"), ("en", "ar"), ("ar", "pl")]


def briefing(language: str, quoted: str) -> Briefing:
    quote = QuoteView(
        text=QUOTES[quoted], language=quoted, language_name=quoted, site="Reggio Emilia"
    )
    table = Table(
        name="quotes",
        title="Quotes",
        columns=[
            Column("language", "Language tag", people=False),
            Column("text", "Quote", language="language"),
        ],
        frame=pl.DataFrame({"language": [quoted], "text": [QUOTES[quoted]]}),
    )
    insight = InsightView(
        title="Heard too late", summary="", scope="", themes=[], outcomes=[], quotes=[quote],
        notes=[],
    )  # fmt: skip
    return Briefing(
        id="1" * 24,
        language=language,
        direction=text_direction(language),
        title="Quotes",
        subtitle="Direction",
        k=3,
        sections=[Section(key="insights", heading="Insights", blocks=[insight, TableRef(table="quotes")])],
        tables={"quotes": table},
        labels={"colophon": "", "empty": "", "outcomes": "", "leads_to": ""},
    )  # fmt: skip


@pytest.mark.parametrize(("language", "quoted"), CASES)
def test_markdown_isolates_each_quote(language, quoted):
    with use_locale(language):
        markdown = render_markdown(briefing(language, quoted))
    isolated = f"{FSI}{QUOTES[quoted]}{PDI}"
    quote_lines = [line for line in markdown.splitlines() if line.startswith("> ")]
    # Inside the briefing's own quotation marks, not around them.
    assert any(isolated in line and not line.startswith(f"> {FSI}") for line in quote_lines)
    table_rows = [line for line in markdown.splitlines() if line.startswith("|")]
    assert any(isolated in row for row in table_rows)


@pytest.mark.parametrize(("language", "quoted"), CASES)
def test_docx_marks_the_quote_run_and_paragraph(language, quoted):
    with use_locale(language):
        document = docx.Document(io.BytesIO(render_docx(briefing(language, quoted))))
    rtl = text_direction(quoted) == "rtl"
    paragraph = next(p for p in document.paragraphs if p.style.name == "Quote")
    run = next(r for r in paragraph.runs if r.text == QUOTES[quoted])
    properties = run._r.rPr
    assert (properties.find(qn("w:rtl")) is not None) == rtl
    lang = properties.find(qn("w:lang"))
    assert lang.get(qn("w:val")) == quoted
    assert (lang.get(qn("w:bidi")) == quoted) == rtl
    assert (paragraph._p.pPr.find(qn("w:bidi")) is not None) == rtl
    # The quotation marks are the briefing's, in runs of their own.
    marks = [r for r in paragraph.runs if r.text != QUOTES[quoted]]
    assert len(marks) == 2
    assert all(r._r.rPr.find(qn("w:lang")).get(qn("w:val")) == language for r in marks)
    # The table cell holding the quote is marked the same way.
    cell = next(
        c for t in document.tables for row in t.rows for c in row.cells if c.text == QUOTES[quoted]
    )
    cell_paragraph = cell.paragraphs[0]
    properties = cell_paragraph._p.pPr
    assert (properties is not None and properties.find(qn("w:bidi")) is not None) == rtl
    assert all((r._r.rPr.find(qn("w:rtl")) is not None) == rtl for r in cell_paragraph.runs)


def test_docx_is_written_when_texts_carry_characters_xml_cannot_hold():
    """A story may hold control characters (only NUL is refused at intake): the Word file is
    still written, without them, and the words around them kept."""
    document = briefing("pl", "pl")
    document.title = "Tytuł\x00 z\x0f sterowaniem\x1b"
    document.sections[0].blocks[0].quotes[0].text = "Autobus\x0f, którego\ufffe nie ma."
    with use_locale("pl"):
        written = docx.Document(io.BytesIO(render_docx(document)))
    texts = [p.text for p in written.paragraphs]
    assert "Tytuł z sterowaniem" in texts
    assert any("Autobus, którego nie ma." in text for text in texts)
