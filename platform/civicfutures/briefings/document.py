"""The briefing as plain data: sections of blocks, tables and charts, every text already localized.

Renderers read only this; none of them computes, translates or formats a number on its own
except through `tables.cell_text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from civicfutures.briefings.tables import Table


class Block(msgspec.Struct, tag_field="type", kw_only=True):
    """A piece of a section."""


class Paragraph(Block, tag="paragraph"):
    text: str
    language: str | None = None
    """The language the text is in, when it is not the briefing's."""


class Fact(msgspec.Struct, kw_only=True):
    label: str
    value: str


class Facts(Block, tag="facts"):
    """Key figures as label/value pairs (a definition list)."""

    items: list[Fact]


class Notes(Block, tag="notes"):
    """A bulleted list of remarks."""

    items: list[str]


class TableRef(Block, tag="table"):
    table: str


class ChartRef(Block, tag="chart"):
    chart: str


class QuoteView(msgspec.Struct, kw_only=True):
    """A quote in its original words, with a translation into the briefing's language if any."""

    text: str
    language: str
    language_name: str
    site: str
    translation: str | None = None
    translation_language: str | None = None
    note: str | None = None


class InsightView(Block, tag="insight"):
    title: str
    summary: str
    scope: str
    themes: list[str]
    outcomes: list[str]
    quotes: list[QuoteView]
    notes: list[str]
    language: str | None = None
    """The language title and summary are in, when it is not the briefing's."""


class ThemeView(Block, tag="theme"):
    """A theme told as a finding: how often it comes up, where it stands out, who said it."""

    theme: str
    title: str
    figure: str
    """Its share of the stories with the interval, or what hides it."""
    places: str | None = None
    """The sites where it is distinctive, in a sentence."""
    outcomes: list[str] = []
    """The Theory-of-Change outcomes it leads to (enablers)."""
    quotes: list[QuoteView] = []
    note: str | None = None


class Section(msgspec.Struct, kw_only=True):
    key: str
    heading: str
    blocks: list[Block]
    annex: bool = False
    """Reference material after the briefing proper (the statistical tables)."""


@dataclass(frozen=True)
class ChartTable:
    """A chart's figures as text, in the order the chart shows them: its text alternative."""

    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Chart:
    """A chart as an SVG document, with the text that stands in for it."""

    name: str
    title: str
    description: str
    svg: str
    tables: list[ChartTable] = field(default_factory=list)
    tables_label: str = ""
    """What the tables are called where a page offers them beside the chart."""


@dataclass
class Briefing:
    """Everything the renderers write: the document, its tables and its charts."""

    id: str
    language: str
    direction: str
    title: str
    subtitle: str
    k: int
    sections: list[Section]
    tables: dict[str, Table]
    charts: dict[str, Chart] = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)
    snapshot: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    """Localized words the renderers need (contents, sheet names' prefix, source line)."""
