"""A clean CSV checked as a whole gives exactly what the row loop gives; a file with a problem
or with cells the two readers might split differently is left to the row loop."""

from __future__ import annotations

import pickle

import pytest

from civicfutures.auth.actor import SYSTEM
from civicfutures.imports.columns import HeaderIndex, map_header
from civicfutures.imports.frame import parse_clean_csv
from civicfutures.imports.report import ImportReport, Problems
from civicfutures.imports.rows import ParsedFile, RowParser
from civicfutures.imports.service import ImportRejected, ImportService
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


async def dry_run(data: bytes) -> tuple[bool, ImportReport]:
    """Whether a dry run kept the stories as columns, and its report (problems included)."""
    service = ImportService()
    source = SourceFile(name="stories.csv", data=data)
    prepared = await service.prepare(SYSTEM, source, "futures", "gdansk")
    as_columns = prepared.parsed.stories is not None
    try:
        return as_columns, await service.check(prepared)
    except ImportRejected as rejected:
        return as_columns, rejected.report


async def loop_problems(data: bytes) -> list[tuple[int | None, str | None, str | None, str]]:
    """The row loop's problems for the file, as a dry run reports them."""
    context = await ImportService().context(SYSTEM, "futures", "gdansk")
    source = SourceFile(name="stories.csv", data=data)
    problems, parsed = Problems(100), ParsedFile()
    index = HeaderIndex(demographics=context.demographics)
    table = open_table(source, index.recognizes)
    columns = map_header(table.header, table.header_row, index, problems, site_given=True)
    parser = RowParser(context, columns, problems, parsed)
    for number, cells in table.rows:
        parser.parse(number, cells)
    return [(p.row, p.column, p.field, p.message) for p in problems.sorted_items()]


def reported(report: ImportReport) -> list[tuple[int | None, str | None, str | None, str]]:
    return [(p.row, p.column, p.field, p.message) for p in report.problems]


def consented(rows: list[list[object]]) -> list[list[object]]:
    """The new storytellers' rows with a consent record, so that they are no problem."""
    for row in rows[1:]:
        if str(row[2]).startswith("GDA-MANY"):
            row[4], row[5] = "2025-01", "research"
    return rows


async def test_a_dry_run_counts_what_the_commit_writes(world, polish_rows):
    rows = consented(stories(polish_rows))
    as_columns, dry = await dry_run(csv_bytes(rows))
    assert as_columns and dry.problems == []
    committed = await ImportService().run(
        SYSTEM, SourceFile(name="stories.csv", data=csv_bytes(rows)), "futures", "gdansk"
    )
    assert dry.created == committed.created and dry.existing == committed.existing
    assert dry.created.stories == 12 and dry.created.translations > 0 and dry.created.codings > 0

    # Stored stories are found by their hashes; only the rows added since are new.
    more = [list(row) for row in rows[:3]]
    more[1][10], more[2][10] = "Nowa historia o tramwaju.", "Nowa wizja dzielnicy."
    as_columns, again = await dry_run(csv_bytes(rows + more[1:]))
    assert as_columns and again.problems == []
    assert again.created.stories == 2 and again.existing.stories == 12
    assert again.created.translations == 1  # the first row is translated, the second not
    assert again.created.codings == 3
    assert again.created.workshops == 0


async def test_several_faults_are_reported_as_the_row_loop_reports_them(world, polish_rows):
    rows = consented(stories(polish_rows))
    rows[2][0] = "31.02.2025"  # no such date
    rows[4][8] = "xx-nope"  # no such language
    rows[7][10] = ""  # a required cell left empty
    rows[8][11:13] = ["pl", "Tłumaczenie na ten sam język."]  # translated into its own language
    rows[9][6:8] = ["present", "2050"]  # a story of today with a horizon year
    rows[11] = list(rows[10])  # the same story twice
    rows[12][13] = "no_such_theme"
    data = csv_bytes(rows)
    as_columns, report = await dry_run(data)
    assert not as_columns
    expected = await loop_problems(data)
    assert reported(report) == expected
    assert {(row, field) for row, _column, field, _message in expected} >= {
        (3, "workshop_date"),
        (5, "language"),
        (8, "body"),
        (9, "translation_language"),
        (10, "horizon_year"),
        (13, "themes"),
    }
    assert report.problems_total == len(expected)


async def test_a_rejection_crosses_a_process_boundary_whole(world, polish_rows):
    # A pool pickles what its worker raised; an error it cannot unpickle leaves the caller
    # waiting forever, so the rejection must come back with its report and field errors.
    rows = consented(stories(polish_rows))
    rows[2][0] = "31.02.2025"
    service = ImportService()
    prepared = await service.prepare(
        SYSTEM, SourceFile(name="stories.csv", data=csv_bytes(rows)), "futures", "gdansk"
    )
    with pytest.raises(ImportRejected) as raised:
        await service.check(prepared)
    back = pickle.loads(pickle.dumps(raised.value))
    assert type(back) is ImportRejected
    assert back.detail == raised.value.detail and str(back) == str(raised.value)
    assert back.errors == raised.value.errors and back.errors
    assert reported(back.report) == reported(raised.value.report)
    assert (3, "workshop_date") in {(p.row, p.field) for p in back.report.problems}


@pytest.mark.parametrize(
    ("column", "text", "stored"),
    [
        (10, "Z\u0307o\u0301łw i miasto.", "Żółw i miasto."),  # decomposed (NFD): made NFC
        (9, "Cafe\u0301 przy rynku", "Café przy rynku"),
        (10, "Київ і Gdańsk: مدينة المستقبل.", None),  # other scripts, already NFC
    ],
)
async def test_non_ascii_cells_are_taken_as_the_row_loop_takes_them(
    world, polish_rows, column, text, stored
):
    rows = consented(stories(polish_rows))
    rows[3][column] = text
    taken, whole, loop, problems = await read_both_ways(csv_bytes(rows))
    assert problems == 0
    assert taken == (stored is None)  # decomposed text is left to the row loop, which composes it
    row = loop.records[2]
    assert (row.body if column == 10 else row.title) == (stored or text)
    if taken:
        assert whole.records == loop.records and whole.tellers == loop.tellers
    as_columns, report = await dry_run(csv_bytes(rows))
    assert as_columns == taken and report.problems == []


async def test_empty_optional_cells_are_taken_as_the_row_loop_takes_them(world, polish_rows):
    rows = consented(stories(polish_rows))
    for row in rows[6:10]:
        row[3] = row[7] = row[9] = row[13] = ""  # age band, horizon, title, themes
        row[6] = "present"
    rows[4][4:6] = ["", ""]  # a storyteller's consent given on another row of theirs
    taken, whole, loop, problems = await read_both_ways(csv_bytes(rows))
    assert taken and problems == 0
    assert whole.records == loop.records
    assert whole.workshops == loop.workshops
    assert whole.tellers == loop.tellers
    assert whole.story_rows == loop.story_rows


@pytest.mark.parametrize(("length", "taken"), [(100_000, True), (100_001, False)])
async def test_a_huge_cell_is_taken_up_to_its_limit(world, polish_rows, length, taken):
    rows = consented(stories(polish_rows))
    rows[3][10] = ("Żółć " * length)[: length - 1] + "x"  # non-ASCII, trimmed to the limit
    assert len(rows[3][10]) == length
    data = csv_bytes(rows)
    whole_taken, whole, loop, problems = await read_both_ways(data)
    assert whole_taken == taken
    if taken:
        assert problems == 0 and whole.records == loop.records
    as_columns, report = await dry_run(data)
    assert as_columns == taken
    assert reported(report) == await loop_problems(data)
    if not taken:
        assert [(p.row, p.field) for p in report.problems] == [(4, "body")]


@pytest.mark.parametrize(
    "fault",
    [
        "translated into its own language",
        "a story of today with a horizon year",
        "the same story twice, its codes in another order",
        "a translation without its text",
        "one storyteller, two consent versions",
    ],
)
async def test_rules_across_cells_send_the_file_to_the_row_loop(world, polish_rows, fault):
    rows = consented(stories(polish_rows))
    if fault == "translated into its own language":
        rows[3][11:13] = ["PL", "Ta sama historia."]
    elif fault == "a story of today with a horizon year":
        rows[3][6:8] = ["present", "2040"]
    elif fault == "the same story twice, its codes in another order":
        rows[3][2], rows[4] = "GDA-A; GDA-B", list(rows[3])
        rows[4][2] = "GDA-B, GDA-A"
    elif fault == "a translation without its text":
        rows[3][11:13] = ["en", ""]
    else:
        rows[3][2] = rows[4][2] = "GDA-TWICE"
        rows[3][4], rows[4][4] = "2025-01", "2025-02"
    data = csv_bytes(rows)
    taken, _whole, _loop, problems = await read_both_ways(data)
    assert not taken and problems > 0
    as_columns, report = await dry_run(data)
    assert not as_columns
    assert reported(report) == await loop_problems(data)
