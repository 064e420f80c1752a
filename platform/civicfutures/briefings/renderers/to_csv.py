"""`tables/*.csv` and the Frictionless `datapackage.json` that describes them.

Machine-readable: column names are stable keys, numbers unformatted, a suppressed cell is
empty, the row's flag true and its reason column (`few`, `few_storytellers`, `protects`) says
why; the data package lists each reason with what it means, in the texts people read
(`tables.hidden_legend`). Lists are joined with "; ".
Formula injection: a text cell starting with = + - @ (or a tab or carriage return) is written
with a leading apostrophe (`'=SUM(A1)`), so a spreadsheet program opening the file shows it as
text; the apostrophe is part of the value in the file, as the data package says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from civicfutures.analysis.disclosure import (
    FLAGS,
    NOT_FOR_PUBLICATION,
    PUBLICATION_COLUMN,
    reason_column,
)
from civicfutures.briefings.document import Briefing
from civicfutures.briefings.tables import (
    COUNT,
    DATE,
    DECIMAL,
    FLAG,
    LIST,
    PVALUE,
    SHARE,
    TEXT,
    Table,
    hidden_legend,
)

RISKY_START = r"^[=+\-@\t\r]"
REASON_COLUMNS = {reason_column(flag) for flag in FLAGS}
LIST_SEPARATOR = "; "
FRICTIONLESS_TYPES = {
    TEXT: "string",
    LIST: "string",
    COUNT: "integer",
    SHARE: "number",
    DECIMAL: "number",
    PVALUE: "number",
    FLAG: "boolean",
    DATE: "date",
}


def neutralise(column: pl.Expr) -> pl.Expr:
    """Prefix an apostrophe to a text that a spreadsheet would read as a formula."""
    return pl.when(column.str.contains(RISKY_START)).then(pl.lit("'") + column).otherwise(column)


def csv_frame(table: Table, exact: bool = False) -> pl.DataFrame:
    """The table as written; an exact briefing's tables (disclosure control off) start with
    a `publication` column reading "not for publication" on every row."""
    expressions = []
    if exact:
        expressions.append(pl.lit(NOT_FOR_PUBLICATION).alias(PUBLICATION_COLUMN))
    for column in table.columns:
        expr = pl.col(column.key)
        if column.kind == LIST:
            expr = expr.list.join(LIST_SEPARATOR)
        if column.kind in (TEXT, LIST):
            expr = neutralise(expr)
        expressions.append(expr.alias(column.key))
    return table.frame.select(expressions)


def resource(table: Table, exact: bool = False, k: int = 0) -> dict[str, Any]:
    fields: list[dict[str, Any]] = []
    legend = hidden_legend(k)
    if exact:
        fields.append({"name": PUBLICATION_COLUMN, "type": "string"})
    for column in table.columns:
        field: dict[str, Any] = {
            "name": column.key,
            "title": column.header,
            "type": FRICTIONLESS_TYPES[column.kind],
        }
        if column.kind == DATE:
            field["format"] = "default"
        if column.guards:
            field["description"] = (
                f"empty where {' or '.join(column.guards)} is true; "
                f"{' or '.join(reason_column(g) for g in column.guards)} says why"
            )
        if column.key in REASON_COLUMNS:
            field["description"] = "; ".join(f"{r}: {text}" for r, text in legend.items())
            field["constraints"] = {"enum": list(legend)}
        fields.append(field)
    description = table.description
    return {
        "name": table.name,
        "path": f"tables/{table.name}.csv",
        "title": table.title,
        **({"description": description} if description else {}),
        "profile": "tabular-data-resource",
        "scheme": "file",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
        "schema": {"fields": fields, "missingValues": [""]},
    }


def write_csv(briefing: Briefing, directory: Path) -> list[Path]:
    folder = directory / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    exact = not briefing.k
    for name, table in briefing.tables.items():
        path = folder / f"{name}.csv"
        csv_frame(table, exact).write_csv(
            path, include_header=True, line_terminator="\n", null_value=""
        )
        written.append(path)
    package = {
        "profile": "tabular-data-package",
        "name": f"briefing-{briefing.id}",
        "title": briefing.title,
        "description": (
            f"{briefing.subtitle}. Text cells that begin with =, +, - or @ carry a leading "
            "apostrophe so spreadsheet programs do not run them as formulas. Suppressed cells "
            "are empty, with the row's suppressed flag true and its reason column saying why."
            + (" Exact counts: not for publication." if exact else "")
        ),
        "resources": [resource(table, exact, briefing.k) for table in briefing.tables.values()],
    }
    path = directory / "datapackage.json"
    path.write_text(
        json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n"
    )
    return [*written, path]
