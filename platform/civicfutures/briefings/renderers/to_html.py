"""`briefing.html`: one self-contained page (inline styles, inline SVG charts, no scripts)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import msgspec
from jinja2 import Environment
from markupsafe import Markup, escape

from civicfutures.briefings.document import Briefing, Chart
from civicfutures.briefings.tables import (
    COUNT,
    DECIMAL,
    PVALUE,
    SHARE,
    Table,
)
from civicfutures.i18n.jinja import make_environment

NUMERIC = {COUNT, SHARE, DECIMAL, PVALUE}


@cache
def environment() -> Environment:
    """The pages' Jinja environment (gettext installed once, autoescaping on)."""
    return make_environment()


def _rows(rows: list[str], indent: str) -> Markup:
    """Rows of markup one to a line, as the template's own loop laid them out."""
    return Markup(f"\n{indent}".join(rows))


def table_view(table: Table, k: int) -> dict[str, Any]:
    """Headers, and the rows as markup: cells as text, with a CSS class for numbers and for
    hidden cells.

    The rows are built here rather than in the template: Jinja's loop over a large table's
    cells (12,000 rows at 10^6 stories) took most of the page's time.
    """
    columns = table.people_columns
    cells = table.people_cells(k)
    openings = [
        ('<td class="number">', '<td class="number hidden">')
        if column.kind in NUMERIC
        else ("<td>", '<td class="hidden">')
        for column in columns
    ]
    rows = (
        "<tr>"
        + "".join(
            (hidden_tag if hidden else shown_tag) + str(escape(text)) + "</td>"
            for (shown_tag, hidden_tag), text, hidden in zip(openings, texts, flags, strict=True)
        )
        + "</tr>"
        for texts, flags in zip(
            zip(*(c.texts for c in cells), strict=True),
            zip(*(c.hidden for c in cells), strict=True),
            strict=True,
        )
    )
    return {
        "name": table.name,
        "title": table.title,
        "description": table.description,
        "headers": [c.header for c in columns],
        "body": _rows(list(rows), "      ") if columns else "",
    }


def chart_view(chart: Chart) -> dict[str, Any]:
    """The chart, its figures' rows as markup (the first cell of each heads the row)."""
    tables = [
        {
            "caption": data.caption,
            "headers": data.headers,
            "body": _rows(
                [
                    "<tr>"
                    + "".join(
                        f'<th scope="row">{escape(cell)}</th>'
                        if i == 0
                        else f'<td class="number">{escape(cell)}</td>'
                        for i, cell in enumerate(row)
                    )
                    + "</tr>"
                    for row in data.rows
                ],
                "          ",
            ),
        }
        for data in chart.tables
    ]
    return {
        "name": chart.name,
        "title": chart.title,
        "description": chart.description,
        "svg": chart.svg,
        "tables": tables,
        "tables_label": chart.tables_label,
    }


def render_html(briefing: Briefing) -> str:
    template = environment().get_template("briefings/briefing.html")
    return template.render(
        briefing=briefing,
        sections=msgspec.to_builtins(briefing.sections),
        tables={name: table_view(t, briefing.k) for name, t in briefing.tables.items()},
        charts={name: chart_view(chart) for name, chart in briefing.charts.items()},
        labels=briefing.labels,
    )


def write_html(briefing: Briefing, directory: Path) -> list[Path]:
    path = directory / "briefing.html"
    path.write_text(render_html(briefing), encoding="utf-8", newline="\n")
    return [path]
