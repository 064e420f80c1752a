"""`briefing.html`: one self-contained page (inline styles, inline SVG charts, no scripts)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import msgspec
from jinja2 import Environment

from civicfutures.briefings.document import Briefing
from civicfutures.briefings.tables import (
    COUNT,
    DECIMAL,
    PVALUE,
    SHARE,
    Table,
    cell_text,
    is_suppressed,
)
from civicfutures.i18n.jinja import make_environment

NUMERIC = {COUNT, SHARE, DECIMAL, PVALUE}


@cache
def environment() -> Environment:
    """The pages' Jinja environment (gettext installed once, autoescaping on)."""
    return make_environment()


def table_view(table: Table, k: int) -> dict[str, Any]:
    """Headers and cells as text, with a CSS class for numbers and suppressed cells."""
    columns = table.people_columns
    rows = []
    for record in table.frame.iter_rows(named=True):
        cells = []
        for column in columns:
            css = []
            if column.kind in NUMERIC:
                css.append("number")
            if is_suppressed(record, column):
                css.append("hidden")
            cells.append({"text": cell_text(record, column, k), "css": " ".join(css)})
        rows.append(cells)
    return {
        "name": table.name,
        "title": table.title,
        "description": table.description,
        "headers": [c.header for c in columns],
        "rows": rows,
    }


def render_html(briefing: Briefing) -> str:
    template = environment().get_template("briefings/briefing.html")
    return template.render(
        briefing=briefing,
        sections=msgspec.to_builtins(briefing.sections),
        tables={name: table_view(t, briefing.k) for name, t in briefing.tables.items()},
        charts=briefing.charts,
        labels=briefing.labels,
    )


def write_html(briefing: Briefing, directory: Path) -> list[Path]:
    path = directory / "briefing.html"
    path.write_text(render_html(briefing), encoding="utf-8", newline="\n")
    return [path]
