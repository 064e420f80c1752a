"""Reading files as partners' spreadsheet programs write them: encodings, delimiters, formats."""

from __future__ import annotations

import codecs

import pytest

from civicfutures.imports.columns import HeaderIndex
from civicfutures.imports.sources import CHUNK, ReadError, SourceFile, open_table
from imports.spreadsheets import SUFFIX, WORKBOOK_WRITERS, csv_bytes

INDEX = HeaderIndex()
TEXTS = {
    "pl": (
        ["Data warsztatu", "Kod osoby opowiadającej", "Treść historii"],
        "Żółć, gęś i źdźbło: łąka.",
    ),
    "et": (["Töötoa kuupäev", "Jutustaja kood", "Lugu"], "Šokolaad, žürii ja õun: Võru külas."),
    "it": (
        ["Data del laboratorio", "Codice di chi racconta", "Testo della storia"],
        "Perché la città è così? Più voce, però già.",
    ),
}


def read(data: bytes, name: str = "file.csv", hints: tuple[str, ...] = ()):
    table = open_table(SourceFile(name=name, data=data), INDEX.recognizes, hints)
    return table, list(table.rows)


@pytest.mark.parametrize(
    ("language", "encoding", "expected"),
    [
        ("pl", "utf-8", "UTF-8"),
        ("pl", "utf-8-sig", "UTF-8 (BOM)"),
        ("et", "utf-16", "UTF-16"),
        ("pl", "cp1250", "Windows-1250"),
        ("et", "cp1257", "Windows-1257"),
        ("it", "cp1252", "Windows-1252"),
    ],
)
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_encodings_and_delimiters_are_detected(language, encoding, expected, delimiter):
    header, body = TEXTS[language]
    data = csv_bytes(
        [header, ["2025-03-15", "AB-1", body], ["2025-03-16", "AB-2", body.upper()]],
        encoding,
        delimiter,
    )
    table, rows = read(data)
    assert (table.encoding, table.delimiter) == (expected, delimiter)
    assert table.header == header
    assert rows == [(2, ["2025-03-15", "AB-1", body]), (3, ["2025-03-16", "AB-2", body.upper()])]


def test_estonian_without_site_hints_is_not_read_as_western_european():
    # Windows-1252 decodes the same bytes without error (š → ð, ž → þ): plausibility decides.
    header, body = ["Site", "Story"], "Šokolaadi žürii otsus: šampanjat ei ole."
    table, rows = read(csv_bytes([header, ["voru", body]], "cp1257", ";"))
    assert table.encoding == "Windows-1257"
    assert rows[0][1][1] == body


def test_a_row_in_another_encoding_is_named_not_turned_into_mojibake():
    good = csv_bytes(
        [["Tytuł", "Treść historii"], ["Łąka", "Zażółć gęślą jaźń"], ["Dwa", "Źdźbło"]]
    )
    bad = csv_bytes([["Trzy", "Gęś w środku"]], "cp1250")
    table, rows = read(good + bad + csv_bytes([["Cztery", "Koniec"]]))
    assert table.encoding == "UTF-8"
    assert [row for row, _cells in rows] == [2, 3]
    assert rows[0][1] == ["Łąka", "Zażółć gęślą jaźń"]
    assert table.problems and table.problems[0][0] == 4
    assert "UTF-8" in table.problems[0][2]


def test_quoted_cells_keep_delimiters_and_line_breaks():
    data = csv_bytes([["Title", "Story"], ["a; b", "line one\nline two; still"]], delimiter=";")
    _table, rows = read(data)
    assert rows == [(2, ["a; b", "line one\nline two; still"])]


@pytest.mark.parametrize("writer", sorted(WORKBOOK_WRITERS))
def test_workbooks_read_as_text_with_spreadsheet_row_numbers(writer):
    rows = [
        ["Data warsztatu", "Rok horyzontu", "Treść historii"],
        ["2025-03-15", 2050, "Żółć\nw dwóch liniach"],
        [None, None, None],
        ["2025-04-01", None, "Trzecia"],
    ]
    table, read_rows = read(WORKBOOK_WRITERS[writer](rows), f"file.{SUFFIX[writer]}")
    assert table.format == SUFFIX[writer]
    assert table.header == rows[0]
    assert read_rows == [
        (2, ["2025-03-15", "2050", "Żółć\nw dwóch liniach"]),
        (4, ["2025-04-01", "", "Trzecia"]),
    ]
    assert table.problems == []


@pytest.mark.parametrize("writer", sorted(WORKBOOK_WRITERS))
def test_formula_cells_are_found_with_row_and_column(writer):
    rows = [["Title", "Horizon year", "Story"], ["A", 2050, "x"], ["B", None, "y"]]
    data = WORKBOOK_WRITERS[writer](rows, formulas={(3, 2): "=2000+50"})
    table, _rows = read(data, f"file.{SUFFIX[writer]}")
    assert [(row, column) for row, column, _message in table.problems] == [(3, "Horizon year")]


def test_files_that_are_no_spreadsheets_are_refused_with_a_reason():
    with pytest.raises(ReadError, match="xls"):
        read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls")
    with pytest.raises(ReadError):
        read(b"PK\x03\x04 not really a zip", "broken.xlsx")
    with pytest.raises(ReadError):
        read(b"", "empty.csv")
    utf16_without_bom = "Title,Story\r\nA,B\r\n".encode("utf-16-le")
    table, rows = read(utf16_without_bom)
    assert (table.encoding, rows) == ("UTF-16LE", [(2, ["A", "B"])])
    assert codecs.BOM_UTF16_LE not in utf16_without_bom[:2]


def test_an_excel_sep_line_names_the_delimiter():
    data = b"sep=;\r\n" + csv_bytes([["Title", "Story"], ["a,b", "c"]], delimiter=";")
    table, rows = read(data)
    assert (table.delimiter, table.header, table.header_row) == (";", ["Title", "Story"], 2)
    assert rows == [(3, ["a,b", "c"])]


@pytest.mark.parametrize("shift", range(5))
@pytest.mark.parametrize(
    "tail",
    [
        "ż€😀".encode(),  # whole characters of two, three and four bytes
        b"\xff",  # never a UTF-8 byte
        b"\xed\xa0\x80",  # a surrogate
        b"\xc0\xaf",  # an overlong "/"
        b"\xf4\x90\x80\x80",  # past U+10FFFF
        b"\xe2\x82",  # a character cut short at the end of the file
        b"\x80ok",  # a continuation byte without its start
        "ż".encode()[:1] + b"ok",  # a start without its continuation
    ],
)
def test_utf8_is_judged_as_python_judges_it_across_reads(shift, tail):
    # The character straddles the end of the first read by `shift` bytes.
    data = b"x" * (CHUNK - shift) + tail + "ż".encode()
    try:
        data.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    assert SourceFile(name="stories.csv", data=data).scan().utf8 is expected


@pytest.mark.parametrize(
    ("tail", "controls", "lone_returns"),
    [
        (b"\r\nnext", False, False),  # a line end cut by the end of the first read
        (b"\rnext", False, True),  # a carriage return that ends no line
        (b"\n\rnext", False, True),
        (b"\x1fnext", True, False),  # a separator Python strips as whitespace
        (b"\x00", True, False),
    ],
)
def test_a_scan_finds_control_bytes_and_lone_returns_across_reads(tail, controls, lone_returns):
    scan = SourceFile(name="stories.csv", data=b"a,b\r\n" * 10 + b"x" * (CHUNK - 51) + tail).scan()
    assert (scan.controls, scan.lone_returns) == (controls, lone_returns)
