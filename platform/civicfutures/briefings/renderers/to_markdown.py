"""`briefing.md`: the briefing as Markdown, tables as GitHub pipe tables with padded columns.

Charts are linked as the SVG files beside it. Text from people (insights, quotes, labels) is
escaped so it cannot open HTML or break a table row. Each quoted text, and each table cell in a
language of its own, is isolated with FSI … PDI (U+2068, U+2069): an Arabic quote in a Polish
briefing, or a Polish one in an Arabic briefing, keeps its direction and leaves the quotation
marks and the line around it in the briefing's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from civicfutures.briefings.document import (
    Briefing,
    ChartRef,
    Facts,
    InsightView,
    Notes,
    Paragraph,
    QuoteView,
    TableRef,
    ThemeView,
)
from civicfutures.briefings.tables import COUNT, DECIMAL, PVALUE, SHARE, Table
from civicfutures.i18n.formatting import format_list, isolated, quoted

NUMERIC = {COUNT, SHARE, DECIMAL, PVALUE}


def text(value: str) -> str:
    """Inline text: no raw HTML, no line breaks that would end a paragraph or a row."""
    return " ".join(value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").split())


def cell(value: str) -> str:
    return text(value).replace("|", "\\|")


def markdown_table(table: Table, k: int) -> str:
    """The table as a GitHub pipe table, each column as wide as its widest cell (at least its
    header and two spaces), numbers aligned right; the layout tabulate's "github" format gives,
    without its guess of each cell's type (which took most of the time of a 12,000-row table)."""
    columns = table.people_columns
    if not columns:
        return ""
    texts = [cells.texts for cells in table.people_cells(k)]
    languages = table.people_languages()
    body = [
        [
            isolated(cell(v)) if language and v else cell(v)
            for v, language in zip(row, tags, strict=True)
        ]
        for row, tags in zip(zip(*texts, strict=True), languages, strict=True)
    ]
    headers = [cell(c.header) for c in columns]
    widths = [
        max(len(header) + 2, *(len(row[i]) for row in body)) for i, header in enumerate(headers)
    ]
    right = [c.kind in NUMERIC for c in columns]

    def line(values: list[str]) -> str:
        padded = (
            value.rjust(width) if aligned_right else value.ljust(width)
            for value, width, aligned_right in zip(values, widths, right, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(headers), rule, *(line(row) for row in body)])


def _quote(quote: QuoteView) -> str:
    lines = [f"> {quoted(isolated(text(quote.text)))}"]
    if quote.translation:
        lines += [">", f"> {text(quote.translation)}"]
    footer = " · ".join(
        text(part) for part in (quote.site, quote.language_name, quote.note or "") if part
    )
    lines += [">", f"> — {footer}"]
    return "\n".join(lines)


def _lines(briefing: Briefing) -> Iterator[str]:
    labels = briefing.labels
    yield f"# {text(briefing.title)}"
    yield ""
    yield f"*{text(briefing.subtitle)}*"
    for section in briefing.sections:
        yield ""
        yield f"## {text(section.heading)}"
        for block in section.blocks:
            yield ""
            if isinstance(block, Paragraph):
                yield text(block.text)
            elif isinstance(block, Facts):
                yield "\n".join(f"- **{text(f.label)}:** {text(f.value)}" for f in block.items)
            elif isinstance(block, Notes):
                yield "\n".join(f"- {text(item)}" for item in block.items)
            elif isinstance(block, TableRef):
                table = briefing.tables[block.table]
                yield f"### {text(table.title)}"
                if table.description:
                    yield ""
                    yield text(table.description)
                yield ""
                yield (
                    markdown_table(table, briefing.k)
                    if table.frame.height
                    else f"*{text(labels['empty'])}*"
                )
            elif isinstance(block, ChartRef):
                chart = briefing.charts[block.chart]
                yield f"![{text(chart.title)}: {text(chart.description)}](charts/{chart.name}.svg)"
            elif isinstance(block, InsightView):
                yield f"### {text(block.title)}"
                yield ""
                tags = " · ".join(
                    part
                    for part in (
                        text(block.scope),
                        format_list(text(t) for t in block.themes),
                        f"{text(labels['outcomes'])}: {', '.join(text(o) for o in block.outcomes)}"
                        if block.outcomes
                        else "",
                    )
                    if part
                )
                yield f"*{tags}*"
                yield ""
                yield text(block.summary)
                for note in block.notes:
                    yield ""
                    yield f"*{text(note)}*"
                for quote in block.quotes:
                    yield ""
                    yield _quote(quote)
            elif isinstance(block, ThemeView):
                yield f"### {text(block.title)}"
                yield ""
                yield f"**{text(block.figure)}**"
                if block.places:
                    yield ""
                    yield text(block.places)
                if block.outcomes:
                    yield ""
                    outcomes = format_list(text(o) for o in block.outcomes)
                    yield f"{text(labels['leads_to'])}: {outcomes}"
                for quote in block.quotes:
                    yield ""
                    yield _quote(quote)
                if block.note:
                    yield ""
                    yield f"*{text(block.note)}*"
    yield ""
    yield "---"
    yield ""
    yield text(labels["colophon"])


def render_markdown(briefing: Briefing) -> str:
    return "\n".join(_lines(briefing)) + "\n"


def write_markdown(briefing: Briefing, directory: Path) -> list[Path]:
    path = directory / "briefing.md"
    path.write_text(render_markdown(briefing), encoding="utf-8", newline="\n")
    return [path]
