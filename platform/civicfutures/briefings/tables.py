"""A briefing's tables: typed columns with headers in the briefing's language, rows in a frame.

Machine formats (CSV, Parquet, JSON) take the frame as it is: a suppressed cell is null and
the row's `suppressed` flag says why. Formats for people (HTML, Markdown, XLSX) show such a
cell as "fewer than k" through `cell_text`, never as a number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import polars as pl

from civicfutures.i18n import current_locale
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_date, format_number, format_percent

# Column kinds: how a value is typed in machine formats and shown to people.
TEXT, COUNT, SHARE, DECIMAL, PVALUE, FLAG, DATE, LIST = (
    "text",
    "count",
    "share",
    "decimal",
    "pvalue",
    "flag",
    "date",
    "list",
)

# Published decimals. Polars sums in parallel, so the last bit of a float (a test statistic,
# say) depends on the order the parts were added; rounding makes every run publish the same
# digits, far beyond any precision the figures carry.
DECIMALS = 12
FLOAT_KINDS = ("share", "decimal", "pvalue")
NUMBER_KINDS = ("count", "share", "decimal", "pvalue")

POLARS_TYPES: dict[str, pl.DataType] = {
    TEXT: pl.String(),
    COUNT: pl.Int64(),
    SHARE: pl.Float64(),
    DECIMAL: pl.Float64(),
    PVALUE: pl.Float64(),
    FLAG: pl.Boolean(),
    DATE: pl.Date(),
    LIST: pl.List(pl.String()),
}


@dataclass(frozen=True)
class Column:
    """One column: `key` names it in data files, `header` in the briefing's language.

    `guards` name flag columns: where one of them is true the value was suppressed.
    `people` is False for columns only machines need (keys, flags).
    """

    key: str
    header: str
    kind: str = TEXT
    guards: tuple[str, ...] = ()
    people: bool = True
    description: str = ""


@dataclass
class Table:
    """A named table: its file stem, title, columns and rows (a frame with exactly those columns)."""

    name: str
    title: str
    columns: list[Column]
    frame: pl.DataFrame
    description: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        schema = {c.key: POLARS_TYPES[c.kind] for c in self.columns}
        self.frame = self.frame.select(
            [
                pl.col(c.key).cast(schema[c.key])
                if c.key in self.frame.columns
                else pl.lit(None, dtype=schema[c.key]).alias(c.key)
                for c in self.columns
            ]
        ).with_columns(pl.col(c.key).round(DECIMALS) for c in self.columns if c.kind in FLOAT_KINDS)

    @property
    def people_columns(self) -> list[Column]:
        return [c for c in self.columns if c.people]

    def people_rows(self, k: int) -> list[list[str]]:
        """Every row as the texts a reader sees, in the current locale."""
        columns = self.people_columns
        rows = []
        for record in self.frame.iter_rows(named=True):
            rows.append([cell_text(record, column, k) for column in columns])
        return rows


def fewer_than(k: int) -> str:
    """How a suppressed cell reads: "fewer than 3", in the briefing's language."""
    return _("fewer than %(k)s") % {"k": format_number(k)}


def is_suppressed(record: dict[str, Any], column: Column) -> bool:
    return any(record.get(flag) for flag in column.guards)


def cell_text(record: dict[str, Any], column: Column, k: int) -> str:
    """One cell for people: localized numbers and dates, "fewer than k" where suppressed."""
    if is_suppressed(record, column):
        return fewer_than(k)
    return format_value(record.get(column.key), column.kind)


def format_value(value: Any, kind: str) -> str:
    """A value as text in the current locale (numbers and dates through CLDR)."""
    if value is None:
        return "–" if kind in (COUNT, SHARE, DECIMAL, PVALUE) else ""
    if kind in NUMBER_KINDS:
        # Tables repeat the same few numbers thousands of times; CLDR formatting is slow.
        return _number_text(value, kind, current_locale())
    if kind == FLAG:
        return _("yes") if value else _("no")
    if kind == DATE:
        return format_date(value) if isinstance(value, dt.date) else str(value)
    if kind == LIST:
        return ", ".join(str(v) for v in value)
    return str(value)


@lru_cache(maxsize=1 << 16)
def _number_text(value: float, kind: str, locale: str) -> str:
    if kind == COUNT:
        return format_number(value, locale)
    if kind == SHARE:
        return format_percent(value, locale)
    if kind == DECIMAL:
        return format_number(round(value, 2), locale)
    if value < 0.001:
        return "< " + format_number(0.001, locale)
    return format_number(round(value, 3), locale)
