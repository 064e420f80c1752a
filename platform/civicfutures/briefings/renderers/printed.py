"""What the documents made for printing and editing (PDF, DOCX) show of a briefing's tables.

A table of thousands of rows is read in a spreadsheet, not on paper: beyond `PRINTED_ROWS` rows
these formats show the first ones and say where every row is (the XLSX workbook and the CSV
file). It also keeps their layout time bounded on large projects.
"""

from __future__ import annotations

import dataclasses

from civicfutures.briefings.document import Briefing, Chart, ChartTable
from civicfutures.briefings.tables import Table
from civicfutures.i18n import gettext as _
from civicfutures.i18n import ngettext
from civicfutures.i18n.formatting import format_number

PRINTED_ROWS = 40
PRINTED_COLUMNS = 8
"""Columns of a chart's figures that fit across a printed page (a heatmap's table has a
column per site: two hundred of them would be a millimetre wide each, and would take most of
the PDF's layout time)."""


def shortened_note(table: Table, shown: int) -> str:
    rows = table.frame.height
    return ngettext(
        "This table has %(rows)s row; the first %(shown)s are shown here, and every row is in "
        "tables.xlsx and in %(file)s.",
        "This table has %(rows)s rows; the first %(shown)s are shown here, and every row is in "
        "tables.xlsx and in %(file)s.",
        rows,
    ) % {
        "rows": format_number(rows),
        "shown": format_number(shown),
        "file": f"tables/{table.name}.csv",
    }


def printed_table(table: Table, limit: int = PRINTED_ROWS) -> Table:
    """The table itself when it is short; else its first rows, the description saying so."""
    if table.frame.height <= limit:
        return table
    note = shortened_note(table, limit)
    description = f"{table.description} {note}" if table.description else note
    return dataclasses.replace(table, frame=table.frame.head(limit), description=description)


def printed_chart_table(
    data: ChartTable, limit: int = PRINTED_ROWS, columns: int = PRINTED_COLUMNS
) -> ChartTable:
    """The chart's figures when they fit a page; else their first rows and columns, the
    caption saying where all of them are."""
    if len(data.rows) <= limit and len(data.headers) <= columns:
        return data
    note = _(
        "Only the first rows and columns of this table are printed; every figure is in "
        "the chart's table in the HTML file."
    )
    return ChartTable(
        caption=f"{data.caption} {note}" if data.caption else note,
        headers=data.headers[:columns],
        rows=[row[:columns] for row in data.rows[:limit]],
    )


def printed_chart(chart: Chart, limit: int = PRINTED_ROWS) -> Chart:
    if not chart.tables:
        return chart
    return dataclasses.replace(
        chart, tables=[printed_chart_table(data, limit) for data in chart.tables]
    )


def printed(briefing: Briefing, limit: int = PRINTED_ROWS) -> Briefing:
    """The briefing with every table as `printed_table` gives it and every chart's figures
    as `printed_chart_table` does (in the current locale)."""
    return dataclasses.replace(
        briefing,
        tables={name: printed_table(table, limit) for name, table in briefing.tables.items()},
        charts={name: printed_chart(chart, limit) for name, chart in briefing.charts.items()},
    )
