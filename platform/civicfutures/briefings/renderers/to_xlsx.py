"""`tables.xlsx`: a sheet per table, headers in the briefing's language, through XlsxWriter.

Reproducible bytes: the workbook is built in memory (XlsxWriter then stamps every zip entry
1980-01-01) and its document properties carry a fixed creation date. Safe cells: strings are
never turned into formulas (`strings_to_formulas: False`), and a text starting with = + - @
(or a tab or carriage return) is also marked "quote prefix", so a spreadsheet program keeps it
text even after the cell is edited.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from civicfutures.briefings.document import Briefing
from civicfutures.briefings.tables import (
    COUNT,
    DATE,
    DECIMAL,
    FLAG,
    LIST,
    PVALUE,
    SHARE,
    Column,
    Table,
    fewer_than,
    format_value,
)

# The workbook's creation date: fixed, so the file does not change with the clock.
CREATED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
RISKY = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60
MIN_WIDTH = 8
WIDTH_SAMPLE = 500
NUMBER_FORMATS = {
    COUNT: "#,##0",
    SHARE: "0.0%",
    DECIMAL: "0.00",
    PVALUE: "0.000",
    DATE: "yyyy-mm-dd",
}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def workbook_options() -> dict[str, Any]:
    return {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "nan_inf_to_errors": True,
    }


def sheet_name(title: str, taken: set[str]) -> str:
    """An Excel sheet name from a title: at most 31 characters, none of []:*?/\\, unique."""
    base = _SHEET_FORBIDDEN.sub(" ", title).strip().strip("'")[:31] or "Sheet"
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


class Styles:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.header = workbook.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bottom": 2, "bg_color": "#F3F5F7"}
        )
        self.hidden = workbook.add_format(
            {"italic": True, "font_color": "#6B4F00", "align": "right"}
        )
        self.text = workbook.add_format({"valign": "top"})
        self.quoted = workbook.add_format({"valign": "top", "quote_prefix": True})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.label = workbook.add_format({"bold": True, "valign": "top"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.numbers = {
            kind: workbook.add_format({"num_format": code, "valign": "top"})
            for kind, code in NUMBER_FORMATS.items()
        }


def write_text(sheet: Worksheet, row: int, col: int, value: str, styles: Styles) -> None:
    sheet.write_string(row, col, value, styles.quoted if value.startswith(RISKY) else styles.text)


def _cell_writer(
    column: Column, styles: Styles, k: int
) -> Callable[[Worksheet, int, int, dict[str, Any]], None]:
    """The function that writes one column's cells, chosen once per column (not per cell)."""
    key, guards, kind = column.key, column.guards, column.kind
    hidden = fewer_than(k)

    def suppressed(record: dict[str, Any]) -> bool:
        return any(record.get(flag) for flag in guards)

    if kind in (COUNT, SHARE, DECIMAL, PVALUE):
        number = styles.numbers[kind]

        def write_number(sheet: Worksheet, row: int, col: int, record: dict[str, Any]) -> None:
            if guards and suppressed(record):
                sheet.write_string(row, col, hidden, styles.hidden)
            elif record[key] is not None:
                sheet.write_number(row, col, record[key], number)

        return write_number
    if kind == DATE:
        date_format = styles.numbers[DATE]

        def write_date(sheet: Worksheet, row: int, col: int, record: dict[str, Any]) -> None:
            if record[key] is not None:
                sheet.write_datetime(row, col, record[key], date_format)

        return write_date

    def write_other(sheet: Worksheet, row: int, col: int, record: dict[str, Any]) -> None:
        if guards and suppressed(record):
            sheet.write_string(row, col, hidden, styles.hidden)
            return
        value = record[key]
        if value is None:
            return
        write_text(
            sheet,
            row,
            col,
            format_value(value, kind) if kind in (FLAG, LIST) else str(value),
            styles,
        )

    return write_other


def write_table(
    workbook: xlsxwriter.Workbook, table: Table, name: str, styles: Styles, k: int
) -> None:
    sheet = workbook.add_worksheet(name)
    columns = table.people_columns
    writers = [_cell_writer(column, styles, k) for column in columns]
    widths = [len(column.header) for column in columns]
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.header, styles.header)
    for row, record in enumerate(table.frame.iter_rows(named=True), start=1):
        for col, write in enumerate(writers):
            write(sheet, row, col, record)
        if row <= WIDTH_SAMPLE:
            for col, column in enumerate(columns):
                value = record[column.key]
                size = len(format_value(value, column.kind)) if value is not None else 0
                if size > widths[col]:
                    widths[col] = size
    for col, width in enumerate(widths):
        sheet.set_column(col, col, max(MIN_WIDTH, min(MAX_WIDTH, width + 2)))
    sheet.freeze_panes(1, 0)
    if columns:
        sheet.autofilter(0, 0, max(table.frame.height, 1), len(columns) - 1)
    sheet.set_row(0, None, styles.header)


def write_about(
    workbook: xlsxwriter.Workbook,
    briefing: Briefing,
    sheets: list[tuple[str, Table]],
    styles: Styles,
) -> None:
    labels = briefing.labels
    sheet = workbook.add_worksheet(sheet_name(labels["about"], set()))
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 90)
    sheet.write_string(0, 0, briefing.title, styles.title)
    write_text(sheet, 1, 0, briefing.subtitle, styles)
    row = 3
    for label, value in (
        (labels["briefing_id"], briefing.id),
        (labels["snapshot"], briefing.snapshot),
        (labels["suppression"], labels["suppression_note"]),
    ):
        sheet.write_string(row, 0, label, styles.label)
        write_text(sheet, row, 1, value, styles)
        row += 1
    row += 1
    sheet.write_string(row, 0, labels["sheet"], styles.header)
    sheet.write_string(row, 1, labels["contents"], styles.header)
    for name, table in sheets:
        row += 1
        write_text(sheet, row, 0, name, styles)
        write_text(
            sheet,
            row,
            1,
            table.title + (f" — {table.description}" if table.description else ""),
            styles,
        )


def render_xlsx(briefing: Briefing, path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(path), workbook_options())
    workbook.set_properties(
        {
            "title": briefing.title,
            "subject": briefing.subtitle,
            "author": "civicfutures",
            "comments": briefing.id,
            "created": CREATED,
        }
    )
    styles = Styles(workbook)
    taken = {briefing.labels["about"].casefold()}
    sheets = [(sheet_name(table.title, taken), table) for table in briefing.tables.values()]
    write_about(workbook, briefing, sheets, styles)
    for name, table in sheets:
        write_table(workbook, table, name, styles, briefing.k)
    workbook.close()


def write_xlsx(briefing: Briefing, directory: Path) -> list[Path]:
    path = directory / "tables.xlsx"
    render_xlsx(briefing, path)
    return [path]
