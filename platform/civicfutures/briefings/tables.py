"""A briefing's tables: typed columns with headers in the briefing's language, rows in a frame.

Machine formats (CSV, Parquet, JSON) take the frame as it is: a suppressed cell is null, the
row's flag (`suppressed`, `total_suppressed`) is true and its reason column
(`suppressed_reason`, `total_suppressed_reason`) says why: `few`, `few_storytellers` or
`protects` (`analysis.disclosure`). Formats for people (HTML, Markdown, XLSX, and any writer
added later) show such a cell through `cell_text`, never as a number, and every text it can
show is true of the cell: "fewer than k" only for a count that is below k, "hidden to protect
a small group" for a cell hidden for another's sake, and a share is said to be hidden, never
to be fewer than anything. `hidden_legend` gives the same texts to the machine formats.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import polars as pl

from civicfutures.analysis.disclosure import (
    FEW,
    FEW_STORYTELLERS,
    PROTECTS,
    REASONS,
    reason_column,
)
from civicfutures.i18n import current_locale
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_date, format_list, format_number, format_percent

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
    language: str = ""
    """The column holding each row's language tag of this column's text (a quote's), so that
    formats for people can mark it and isolate its direction; empty: the briefing's language."""


@dataclass(frozen=True)
class ColumnCells:
    """A column's cells as a reader sees them, and whether each is hidden."""

    texts: list[str]
    hidden: list[bool]


@dataclass
class Table:
    """A named table: its file stem, title, columns and rows (a frame with exactly those columns)."""

    name: str
    title: str
    columns: list[Column]
    frame: pl.DataFrame
    description: str = ""
    notes: list[str] = field(default_factory=list)
    _cells: dict[tuple[str, int], list[ColumnCells]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

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

    def people_cells(self, k: int) -> list[ColumnCells]:
        """Each column for people as the texts a reader sees and which of them are hidden, in
        the current locale; worked out once per locale and k, since the HTML, Markdown and
        DOCX writers all show them."""
        key = (current_locale(), k)
        if key not in self._cells:
            self._cells[key] = [column_cells(self.frame, c, k) for c in self.people_columns]
        return self._cells[key]

    def people_rows(self, k: int) -> list[list[str]]:
        """Every row as the texts a reader sees, in the current locale."""
        columns = [cells.texts for cells in self.people_cells(k)]
        return [list(row) for row in zip(*columns, strict=True)] if columns else []

    def people_languages(self) -> list[list[str | None]]:
        """Every row's language tag per people column, None where it is the briefing's."""
        columns = self.people_columns
        tags = sorted({c.language for c in columns if c.language})
        if not tags:
            return [[None] * len(columns) for _ in range(self.frame.height)]
        return [
            [(record[c.language] or None) if c.language else None for c in columns]
            for record in self.frame.select(tags).iter_rows(named=True)
        ]


def fewer_than(k: int) -> str:
    """How a suppressed cell reads: "fewer than 3", in the briefing's language."""
    return _("fewer than %(k)s") % {"k": format_number(k)}


def is_suppressed(record: dict[str, Any], column: Column) -> bool:
    return any(record.get(flag) for flag in column.guards)


def hidden_reason(record: dict[str, Any], column: Column) -> str | None:
    """Why a suppressed cell is hidden: the most telling reason of the flags that guard it
    (its own smallness before its group's, smallness before protection); None if unknown."""
    given = {record.get(reason_column(flag)) for flag in column.guards if record.get(flag)} & set(
        REASONS
    )
    return next((reason for reason in REASONS if reason in given), None)


def hidden_text(reason: str | None, kind: str, k: int) -> str:
    """What a reader sees instead of a hidden value of a column of `kind`: never a false
    statement about its size, and never a count's wording for a share."""
    if reason == PROTECTS:
        return _("hidden to protect a small group")
    if reason in (FEW, FEW_STORYTELLERS):
        if kind == COUNT:
            if reason == FEW:
                return fewer_than(k)
            return _("from fewer than %(k)s storytellers") % {"k": format_number(k)}
        if kind == SHARE:
            return _("share hidden: small group")
        return _("hidden: small group")
    return _("hidden")


def hidden_legend(k: int) -> dict[str, str]:
    """Each reason with what it means, for the files machines read (data package, JSON)."""
    n = {"k": format_number(k)}
    return {
        FEW: _("the count is fewer than %(k)s") % n,
        FEW_STORYTELLERS: _("the count rests on fewer than %(k)s storytellers") % n,
        PROTECTS: hidden_text(PROTECTS, COUNT, k),
    }


def hidden_note(k: int) -> str:
    """The sentence telling readers what each text of a hidden cell means."""
    return _(
        "A hidden count below %(k)s reads “%(few)s”; one of %(k)s or more that rests on "
        "fewer than %(k)s storytellers reads “%(storytellers)s”; a figure hidden so that a "
        "small group cannot be worked out from it reads “%(protects)s”; a hidden share reads "
        "“%(share)s”."
    ) % {
        "k": format_number(k),
        "few": hidden_text(FEW, COUNT, k),
        "storytellers": hidden_text(FEW_STORYTELLERS, COUNT, k),
        "protects": hidden_text(PROTECTS, COUNT, k),
        "share": hidden_text(FEW, SHARE, k),
    }


def cell_text(record: dict[str, Any], column: Column, k: int) -> str:
    """One cell for people: localized numbers and dates; a hidden cell says why it is hidden.

    Every writer for people goes through here, so a new format shows the same texts."""
    if is_suppressed(record, column):
        return hidden_text(hidden_reason(record, column), column.kind, k)
    return format_value(record.get(column.key), column.kind)


def column_cells(frame: pl.DataFrame, column: Column, k: int) -> ColumnCells:
    """`cell_text` of every row of one column, reading only the columns it needs."""
    values = frame.get_column(column.key).to_list()
    guards = [flag for flag in column.guards if flag in frame.columns]
    hidden = (
        frame.select(pl.any_horizontal(guards).fill_null(False)).to_series().to_list()
        if guards
        else [False] * len(values)
    )
    kind = column.kind
    texts = [format_value(value, kind) for value in values]
    if any(hidden):
        flags = [*guards, *(reason_column(f) for f in guards if reason_column(f) in frame.columns)]
        records = frame.select(flags).iter_rows(named=True)
        for index, (is_hidden, record) in enumerate(zip(hidden, records, strict=True)):
            if is_hidden:
                texts[index] = hidden_text(hidden_reason(record, column), kind, k)
    return ColumnCells(texts=texts, hidden=hidden)


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
        return format_list(value)
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
