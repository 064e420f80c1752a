"""`tables.xlsx`: a sheet per table, headers in the briefing's language, through XlsxWriter.

Reproducible bytes: the workbook is built in memory (XlsxWriter then stamps every zip entry
1980-01-01) and its document properties carry a fixed creation date. Safe cells: strings are
never turned into formulas (`strings_to_formulas: False`), and a text starting with = + - @
(or a tab or carriage return) is also marked "quote prefix", so a spreadsheet program keeps it
text even after the cell is edited.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from civicfutures.analysis.disclosure import NOT_FOR_PUBLICATION, PUBLISHED
from civicfutures.briefings.document import Briefing
from civicfutures.briefings.tables import (
    COUNT,
    DATE,
    DECIMAL,
    PVALUE,
    SHARE,
    Column,
    Table,
    cell_text,
    format_value,
)
from civicfutures.sheet_names import sheet_name

# The workbook's creation date: fixed, so the file does not change with the clock.
CREATED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
RISKY = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60
MIN_WIDTH = 8
WIDTH_SAMPLE = 500
# A table's sheet: its full title in the first row (the sheet's name may be shortened),
# the column headers in the second, the rows below.
HEADER_ROW = 1
FIRST_DATA_ROW = HEADER_ROW + 1
NUMBER_FORMATS = {
    COUNT: "#,##0",
    SHARE: "0.0%",
    DECIMAL: "0.00",
    PVALUE: "0.000",
    DATE: "yyyy-mm-dd",
}


def workbook_options() -> dict[str, Any]:
    return {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "nan_inf_to_errors": True,
    }


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


def _write_column(
    sheet: Worksheet,
    col: int,
    values: list[Any],
    hidden: list[str | None] | None,
    kind: str,
    styles: Styles,
) -> None:
    """One column's cells, written in one loop chosen by the column's kind; `hidden` holds
    the text of each hidden cell (None where the value is shown)."""
    if kind in (COUNT, SHARE, DECIMAL, PVALUE, DATE):
        write = sheet.write_datetime if kind == DATE else sheet.write_number
        number = styles.numbers[kind]
        for i, value in enumerate(values):
            row = FIRST_DATA_ROW + i
            if hidden is not None and hidden[i] is not None:
                sheet.write_string(row, col, hidden[i], styles.hidden)
            elif value is not None:
                write(row, col, value, number)
        return
    texts = [None if v is None else format_value(v, kind) for v in values]
    write = sheet.write_string
    plain, quoted = styles.text, styles.quoted
    for i, text in enumerate(texts):
        row = FIRST_DATA_ROW + i
        if hidden is not None and hidden[i] is not None:
            write(row, col, hidden[i], styles.hidden)
        elif text is not None:
            write(row, col, text, quoted if text.startswith(RISKY) else plain)


def _hidden(table: Table, column: Column, k: int) -> list[str | None] | None:
    """The text of each hidden cell of a column, from the one function every format uses."""
    if not column.guards:
        return None
    flags = table.frame.select(pl.any_horizontal(column.guards).fill_null(False)).to_series()
    if not flags.any():
        return None
    return [
        cell_text(record, column, k) if flag else None
        for flag, record in zip(flags, table.frame.iter_rows(named=True), strict=True)
    ]


def write_table(
    workbook: xlsxwriter.Workbook, table: Table, name: str, styles: Styles, k: int
) -> None:
    """A sheet: the table's full title, then a bold frozen header row, typed cells with number
    formats, fitted widths."""
    sheet = workbook.add_worksheet(name)
    write_text(sheet, 0, 0, table.title, styles)
    sheet.set_row(0, None, styles.title)
    columns = table.people_columns
    for col, column in enumerate(columns):
        sheet.write_string(HEADER_ROW, col, column.header, styles.header)
        values = table.frame[column.key].to_list()
        _write_column(sheet, col, values, _hidden(table, column, k), column.kind, styles)
        sample = [len(format_value(v, column.kind)) for v in values[:WIDTH_SAMPLE] if v is not None]
        width = max([len(column.header), *sample])
        sheet.set_column(col, col, max(MIN_WIDTH, min(MAX_WIDTH, width + 2)))
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    if columns:
        sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + max(table.frame.height, 1), len(columns) - 1)
    sheet.set_row(HEADER_ROW, None, styles.header)


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
        (labels.get("publication", ""), labels.get("publication_note", "")),
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
            # The workbook's own properties carry the marker too (read without opening it).
            "keywords": PUBLISHED if briefing.k else NOT_FOR_PUBLICATION,
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
