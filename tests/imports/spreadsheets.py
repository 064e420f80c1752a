"""Spreadsheets made by the tests themselves: CSV in any encoding, XLSX by two writers, ODS."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence

Rows = Sequence[Sequence[object]]


def csv_bytes(rows: Rows, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        ["" if cell is None else str(cell) for cell in row] for row in rows
    )
    return buffer.getvalue().encode(encoding)


def xlsx_by_openpyxl(rows: Rows, formulas: dict[tuple[int, int], str] | None = None) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Historie"
    for row in rows:
        sheet.append(list(row))
    for (row, column), formula in (formulas or {}).items():
        sheet.cell(row=row, column=column, value=formula)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_by_xlsxwriter(rows: Rows, formulas: dict[tuple[int, int], str] | None = None) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("Lood")
    for index, row in enumerate(rows):
        for column, value in enumerate(row):
            if value is not None:
                sheet.write(index, column, value)
    for (row, column), formula in (formulas or {}).items():
        sheet.write_formula(row - 1, column - 1, formula, None, 7)
    workbook.close()
    return buffer.getvalue()


def ods_by_odfpy(rows: Rows, formulas: dict[tuple[int, int], str] | None = None) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Storie")
    for row_number, row in enumerate(rows, start=1):
        table_row = TableRow()
        for column_number, value in enumerate(row, start=1):
            formula = (formulas or {}).get((row_number, column_number))
            if formula is not None:
                cell = TableCell(valuetype="float", value=7, formula=f"of:{formula}")
                cell.addElement(P(text="7"))
            elif value is None or value == "":
                cell = TableCell()
            elif isinstance(value, int | float):
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
            else:
                cell = TableCell(valuetype="string")
                for line in str(value).split("\n"):
                    cell.addElement(P(text=line))
            table_row.addElement(cell)
        table.addElement(table_row)
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


WORKBOOK_WRITERS: dict[str, Callable[..., bytes]] = {
    "xlsx-openpyxl": xlsx_by_openpyxl,
    "xlsx-xlsxwriter": xlsx_by_xlsxwriter,
    "ods-odfpy": ods_by_odfpy,
}
SUFFIX = {"xlsx-openpyxl": "xlsx", "xlsx-xlsxwriter": "xlsx", "ods-odfpy": "ods"}
