"""A clean CSV checked as a whole gives exactly what the row loop gives; a file with a problem
or with cells the two readers might split differently is left to the row loop."""

from __future__ import annotations

import pytest

from civicfutures.auth.actor import SYSTEM
from civicfutures.imports.columns import HeaderIndex, map_header
from civicfutures.imports.frame import parse_clean_csv
from civicfutures.imports.report import Problems
from civicfutures.imports.rows import ParsedFile, RowParser
from civicfutures.imports.service import ImportService
from civicfutures.imports.sources import SourceFile, open_table
from imports.spreadsheets import csv_bytes


async def read_both_ways(data: bytes) -> tuple[bool, ParsedFile, ParsedFile, int]:
    """Whether the whole-file check took the file, its result, the row loop's, its problems."""
    context = await ImportService().context(SYSTEM, "futures", "gdansk")
    results = []
    for whole in (True, False):
        source = SourceFile(name="stories.csv", data=data)
        problems, parsed = Problems(100), ParsedFile()
        index = HeaderIndex(demographics=context.demographics)
        table = open_table(source, index.recognizes)
        columns = map_header(table.header, table.header_row, index, problems, site_given=True)
        parsed.columns = columns
        if whole:
            taken = parse_clean_csv(source, table, columns, context, parsed, problems)
        else:
            parser = RowParser(context, columns, problems, parsed)
            for number, cells in table.rows:
                parser.parse(number, cells)
        results.append(parsed)
    return taken, results[0], results[1], problems.total


def stories(polish_rows: list[list[object]]) -> list[list[object]]:
    """A dozen clean stories: labels in Polish and English, keys, day-first dates, blank lines."""
    header, present, future = polish_rows
    future = [str(cell).replace("\n", " ") for cell in future]
    rows = [header, present, future]
    for n in range(10):
        row = list(future if n % 2 else present)
        row[2] = f"GDA-MANY-{n % 3}"
        row[3] = ["16-24", "", "25-64"][n % 3] if n % 2 else ""
        row[6] = ["Wizja przyszłości", "future", "FUTURE"][n % 3] if n % 2 else "present"
        row[10] = f"  Historia numer {n}: żółw i miasto.  "
        row[11:13] = ["en", f"Story number {n}."] if n % 4 == 0 else ["", ""]
        rows.append(row)
    rows.insert(5, [""] * len(header))
    return rows


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
async def test_a_clean_file_gives_what_the_row_loop_gives(world, polish_rows, delimiter):
    taken, whole, loop, problems = await read_both_ways(
        csv_bytes(stories(polish_rows), delimiter=delimiter)
    )
    assert taken and problems == 0
    assert len(whole.records) == 12
    assert whole.records == loop.records
    assert whole.workshops == loop.workshops
    assert whole.tellers == loop.tellers
    assert whole.story_rows == loop.story_rows
    assert whole.rows == loop.rows == 12
    assert [record.row for record in whole.records][3:5] == [5, 7]  # the blank line is row 6


@pytest.mark.parametrize(
    ("row", "column", "text"),
    [
        (2, 10, "Linia\nautobusowa"),  # a record over two lines
        (2, 10, 'Powiedział "nie" i wyszedł.'),  # quotes inside a field
        (2, 10, "Tekst\x1fz separatorem"),  # Python strips it as whitespace, Rust does not
        (2, 6, "Opowieść"),  # not a kind of story: a problem
        (2, 8, "xx-nope"),  # not a language tag: a problem
        (3, 2, "GDANSK-1"),  # one storyteller, two different age bands
    ],
)
async def test_doubtful_or_faulty_files_take_the_row_loop(world, polish_rows, row, column, text):
    rows = stories(polish_rows)
    rows[row][column] = text
    if row == 3:
        rows[2][3], rows[3][3] = "16-24", "65+"
        rows[2][2] = "GDANSK-1"
    taken, whole, loop, _problems = await read_both_ways(csv_bytes(rows))
    assert not taken
    assert whole.records == [] and whole.tellers == {} and whole.rows == 0
    assert loop.rows == 12
