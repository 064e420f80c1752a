"""`briefing.docx`: the briefing as a Word document an author can edit, through python-docx.

Built from Word's own styles, so it edits like a document someone typed: Title and Subtitle,
Heading 1 for sections, Heading 2 for insights and tables (the navigation pane lists them),
Quote for quotes, List Bullet for facts and notes, and tables as Word tables with a repeated
header row. Cells read as in every format for people (`Table.people_rows`, through
`tables.cell_text`). Right-to-left languages get right-to-left paragraphs and tables. A quote
(or a table cell) in a language of its own is isolated as Word knows it: its own run with
`w:lang`, and for right-to-left text `w:rtl` on the run and `w:bidi` on the paragraph, so an
Arabic quote reads right to left in a Polish briefing and a Latin one left to right in an
Arabic briefing; the quotation marks are runs of their own in the briefing's language. Charts go
in as pictures (PNG drawn from their SVG), with their text alternative as the caption.

Reproducible bytes: the document properties carry a fixed date and no editor's name, and the
package is rewritten with every zip entry stamped 1980-01-01, in python-docx's part order.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import vl_convert
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph as WordParagraph

from civicfutures.briefings.document import (
    Briefing,
    Chart,
    ChartRef,
    Facts,
    InsightView,
    Notes,
    Paragraph,
    QuoteView,
    TableRef,
    ThemeView,
)
from civicfutures.briefings.params import xml_text
from civicfutures.briefings.renderers.print_svg import printable_svg
from civicfutures.briefings.renderers.printed import printed
from civicfutures.briefings.tables import COUNT, DECIMAL, PVALUE, SHARE, Table
from civicfutures.i18n.formatting import format_list, quotation_marks
from civicfutures.i18n.languages import text_direction

DOCX = "briefing.docx"
NUMERIC = {COUNT, SHARE, DECIMAL, PVALUE}
# Like the workbook's: fixed, so the file does not change with the clock.
CREATED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
PICTURE_WIDTH = Mm(160)
PICTURE_HEIGHT = Mm(220)
PNG_SCALE = 2
# Enough for print at the picture's size in the page.
PICTURE_DPI = 300
_SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([0-9.]+)"[^>]*?\bheight="([0-9.]+)"')

# Word rejects a file whose property elements are out of the schema's order; each element
# added by hand goes before the first of those that must follow it.
_AFTER = {
    "w:bidi@pPr": (
        "w:adjustRightInd",
        "w:snapToGrid",
        "w:spacing",
        "w:ind",
        "w:contextualSpacing",
        "w:mirrorIndents",
        "w:suppressOverlap",
        "w:jc",
        "w:textDirection",
        "w:textAlignment",
        "w:textboxTightWrap",
        "w:outlineLvl",
        "w:divId",
        "w:cnfStyle",
        "w:rPr",
        "w:sectPr",
        "w:pPrChange",
    ),
    "w:rtl": ("w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath"),
    "w:lang": ("w:eastAsianLayout", "w:specVanish", "w:oMath"),
    "w:bidiVisual": (
        "w:tblStyleRowBandSize",
        "w:tblStyleColBandSize",
        "w:tblW",
        "w:jc",
        "w:tblCellSpacing",
        "w:tblInd",
        "w:tblBorders",
        "w:shd",
        "w:tblLayout",
        "w:tblCellMar",
        "w:tblLook",
        "w:tblCaption",
        "w:tblDescription",
        "w:tblPrChange",
    ),
    "w:bidi@sectPr": ("w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange"),
}


def _insert(parent, tag: str, where: str | None = None):
    """A new `tag` element in `parent`, in schema order; the element."""
    child = OxmlElement(tag)
    followers = {qn(t) for t in _AFTER[where or tag]}
    for index, existing in enumerate(parent):
        if existing.tag in followers:
            parent.insert(index, child)
            return child
    parent.append(child)
    return child


def placed(svg: str) -> tuple[Mm | None, Mm | None, float]:
    """A chart's picture in the page (its width or its height, the other following) and the
    scale it is drawn at: PNG_SCALE, but never more than PICTURE_DPI at the printed size.

    A tall chart is held to the page's height and printed narrow: the heatmap of 200 sites
    (729 × 4,379 px) is 37 mm wide, and at PNG_SCALE it was a 1,458 × 8,758 PNG (1,000 dpi
    printed, 13 MB) that took 2.4–3.1 s to draw. Word itself keeps 220 ppi by default.
    """
    size = _SVG_SIZE.search(svg)
    if not size or float(size.group(1)) <= 0 or float(size.group(2)) <= 0:
        return PICTURE_WIDTH, None, PNG_SCALE
    svg_width, svg_height = float(size.group(1)), float(size.group(2))
    if PICTURE_WIDTH * svg_height / svg_width > PICTURE_HEIGHT:
        printed_mm, drawn_px, width, height = PICTURE_HEIGHT.mm, svg_height, None, PICTURE_HEIGHT
    else:
        printed_mm, drawn_px, width, height = PICTURE_WIDTH.mm, svg_width, PICTURE_WIDTH, None
    return width, height, min(PNG_SCALE, printed_mm / 25.4 * PICTURE_DPI / drawn_px)


PROPERTY_LIMIT = 255


def _property(text: str) -> str:
    """A document property fits Word's 255 characters (a subtitle naming 200 sites does not)."""
    text = xml_text(text)
    return text if len(text) <= PROPERTY_LIMIT else text[: PROPERTY_LIMIT - 1] + "…"


class _Writer:
    """Appends a briefing's blocks to a Word document in its language and direction."""

    def __init__(self, briefing: Briefing) -> None:
        self.briefing = briefing
        self.rtl = briefing.direction == "rtl"
        self.doc: DocumentObject = Document()
        self._setup()

    # -------------------------------------------------------------- document and paragraphs

    def _setup(self) -> None:
        briefing = self.briefing
        props = self.doc.core_properties
        props.title = _property(briefing.title)
        props.subject = _property(briefing.subtitle)
        props.language = briefing.language
        props.identifier = briefing.id
        props.author = "civicfutures"
        props.last_modified_by = ""
        props.comments = ""
        props.keywords = ""
        props.category = ""
        props.revision = 1
        props.created = CREATED
        props.modified = CREATED
        props.last_printed = CREATED
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin = section.bottom_margin = Mm(20)
        if self.rtl:
            _insert(section._sectPr, "w:bidi", "w:bidi@sectPr")
        # The document's language, for spelling and for Word's choice of fonts and direction.
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        lang = run_defaults.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            run_defaults.append(lang)
        lang.set(qn("w:val"), briefing.language)
        if self.rtl:
            lang.set(qn("w:bidi"), briefing.language)

    def _direct(self, paragraph: WordParagraph, language: str | None = None) -> WordParagraph:
        """Mark a paragraph and its runs right-to-left when its language is written so."""
        rtl = text_direction(language) == "rtl" if language else self.rtl
        if rtl:
            _insert(paragraph._p.get_or_add_pPr(), "w:bidi", "w:bidi@pPr")
            for run in paragraph.runs:
                _insert(run._r.get_or_add_rPr(), "w:rtl")
        if language and language != self.briefing.language:
            for run in paragraph.runs:
                lang = _insert(run._r.get_or_add_rPr(), "w:lang")
                lang.set(qn("w:val"), language)
                if rtl:
                    lang.set(qn("w:bidi"), language)
        return paragraph

    def heading(self, text: str, level: int, language: str | None = None) -> None:
        self._direct(self.doc.add_heading(xml_text(text), level), language)

    def paragraph(self, text: str, style: str | None = None, language: str | None = None):
        return self._direct(self.doc.add_paragraph(xml_text(text), style=style), language)

    def labelled(self, label: str, value: str) -> None:
        paragraph = self.doc.add_paragraph(style="List Bullet")
        paragraph.add_run(xml_text(f"{label}: ")).bold = True
        paragraph.add_run(xml_text(value))
        self._direct(paragraph)

    # -------------------------------------------------------------- blocks

    def table(self, table: Table) -> None:
        labels = self.briefing.labels
        self.heading(table.title, 2)
        if table.description:
            self.paragraph(table.description, style="Caption")
        columns = table.people_columns
        rows = table.people_rows(self.briefing.k)
        if not rows:
            self.paragraph(labels.get("empty", ""))
            return
        word = self.doc.add_table(rows=1 + len(rows), cols=len(columns))
        word.style = self.doc.styles["Table Grid"]
        word.alignment = WD_TABLE_ALIGNMENT.CENTER
        if self.rtl:
            _insert(word._tbl.tblPr, "w:bidiVisual")
        header = word.rows[0]
        # Repeated at the top of every page the table runs onto.
        header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for cell, column in zip(header.cells, columns, strict=True):
            self._cell(cell, column.header, bold=True)
        languages = table.people_languages()
        for word_row, row, tags in zip(word.rows[1:], rows, languages, strict=True):
            for cell, column, text, tag in zip(word_row.cells, columns, row, tags, strict=True):
                self._cell(cell, text, number=column.kind in NUMERIC, language=tag)
        self.doc.add_paragraph()

    def _cell(
        self,
        cell,
        text: str,
        *,
        bold: bool = False,
        number: bool = False,
        language: str | None = None,
    ) -> None:
        paragraph = cell.paragraphs[0]
        run = paragraph.add_run(xml_text(text))
        run.bold = bold or None
        run.font.size = Pt(8.5)
        if number:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if self.rtl else WD_ALIGN_PARAGRAPH.RIGHT
        self._direct(paragraph, language if text else None)

    def chart(self, chart: Chart) -> None:
        self.heading(chart.title, 2)
        width, height, scale = placed(chart.svg)
        # Drawn from the printable SVG: a heatmap's cells merged by fill and its outlines as
        # runs draw the same picture in a third of the time.
        png = vl_convert.svg_to_png(printable_svg(chart.svg), scale=scale)
        self.doc.add_picture(io.BytesIO(png), width=width, height=height)
        picture = self.doc.paragraphs[-1]
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        # The picture's own text alternative, read out by screen readers in Word.
        for properties in picture._p.iter(qn("wp:docPr")):
            properties.set("descr", f"{chart.title}: {chart.description}")
        self.paragraph(chart.description, style="Caption")

    def insight(self, block: InsightView) -> None:
        labels = self.briefing.labels
        self.heading(block.title, 2, block.language)
        tags = " · ".join(
            part
            for part in (
                block.scope,
                format_list(block.themes),
                f"{labels.get('outcomes', '')}: {', '.join(block.outcomes)}"
                if block.outcomes
                else "",
            )
            if part
        )
        tagline = self.paragraph(tags)
        for run in tagline.runs:
            run.italic = True
        self.paragraph(block.summary, language=block.language)
        for note in block.notes:
            self.paragraph(note, style="Caption")
        for quote in block.quotes:
            self.quote(quote)

    def theme(self, block: ThemeView) -> None:
        self.heading(block.title, 2)
        figure = self.paragraph(block.figure)
        for run in figure.runs:
            run.bold = True
        if block.places:
            self.paragraph(block.places)
        if block.outcomes:
            self.labelled(self.briefing.labels.get("leads_to", ""), ", ".join(block.outcomes))
        for quote in block.quotes:
            self.quote(quote)
        if block.note:
            self.paragraph(block.note, style="Caption")

    def quote(self, quote: QuoteView) -> None:
        start, end = quotation_marks(self.briefing.language)
        paragraph = self._direct(self.doc.add_paragraph(style="Quote"), quote.language)
        rtl = text_direction(quote.language) == "rtl"
        for part, own in ((start, False), (quote.text, True), (end, False)):
            run = paragraph.add_run(xml_text(part))
            properties = run._r.get_or_add_rPr()
            if rtl if own else self.rtl:
                _insert(properties, "w:rtl")
            lang = _insert(properties, "w:lang")
            tag = quote.language if own else self.briefing.language
            lang.set(qn("w:val"), tag)
            if text_direction(tag) == "rtl":
                lang.set(qn("w:bidi"), tag)
        if quote.translation:
            self.paragraph(
                quote.translation, style="Quote", language=quote.translation_language or None
            )
        footer = " · ".join(part for part in (quote.site, quote.language_name, quote.note) if part)
        self.paragraph(f"— {footer}", style="Caption")

    # -------------------------------------------------------------- the whole briefing

    def write(self) -> bytes:
        briefing = self.briefing
        self._direct(self.doc.add_paragraph(xml_text(briefing.title), style="Title"))
        self._direct(self.doc.add_paragraph(xml_text(briefing.subtitle), style="Subtitle"))
        for section in briefing.sections:
            self.heading(section.heading, 1)
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    self.paragraph(block.text, language=block.language)
                elif isinstance(block, Facts):
                    for fact in block.items:
                        self.labelled(fact.label, fact.value)
                elif isinstance(block, Notes):
                    for item in block.items:
                        self.paragraph(item, style="List Bullet")
                elif isinstance(block, TableRef):
                    self.table(briefing.tables[block.table])
                elif isinstance(block, ChartRef):
                    self.chart(briefing.charts[block.chart])
                elif isinstance(block, InsightView):
                    self.insight(block)
                elif isinstance(block, ThemeView):
                    self.theme(block)
        if "colophon" in briefing.labels:
            self.paragraph(briefing.labels["colophon"], style="Caption")
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return restamped(buffer.getvalue())


def restamped(package: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01 and the same permissions."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()


def render_docx(briefing: Briefing) -> bytes:
    return _Writer(printed(briefing)).write()


def write_docx(briefing: Briefing, directory: Path) -> list[Path]:
    path = directory / DOCX
    path.write_bytes(render_docx(briefing))
    return [path]
