"""Spreadsheets in arbitrary Unicode, and arbitrary bytes: a report or a 4xx, never a 5xx."""

from __future__ import annotations

import csv
import io
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from civicfutures.imports.sources import ReadError, SourceFile, open_table

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HEADER = ["Site", "Workshop date", "Workshop type", "Storyteller code", "age_band",
          "Consent version", "Consent scopes", "Story type", "Horizon year", "Story language",
          "Title", "Story", "Translation language", "Translation", "Themes"]  # fmt: skip
# A row that imports, field by field; the fuzzer replaces some fields with arbitrary text.
VALID = ["gdansk", "2025-03-15", "storytelling", "GDA-FUZZ-1", "16-24", "2025-01",
         "research; quote", "present", "", "pl", "Tytuł", "Treść historii.", "en",
         "A translation.", "youth_voice"]  # fmt: skip

any_text = st.text(max_size=80)
cell = st.one_of(any_text, st.sampled_from(["", " ", "=1+1", "\x00", "\u202e", "\ufeff"]))
row = st.lists(st.tuples(st.integers(0, len(VALID) - 1), cell), max_size=6).map(
    lambda changes: [dict(changes).get(index, value) for index, value in enumerate(VALID)]
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1250", "cp1257"])
delimiters = st.sampled_from([",", ";", "\t"])


def spreadsheet(rows: list[list[str]], encoding: str, delimiter: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows([HEADER, *rows])
    return out.getvalue().encode(encoding, errors="replace")


@pytest.fixture
async def partner(token_for):
    return await token_for("partner", "gdansk")


async def _import(client, headers, data: bytes, name: str, dry_run: bool):
    return await client.post(
        "/api/v1/imports",
        params={
            "project": "futures",
            "site": "gdansk",
            "dry_run": str(dry_run).lower(),
            "filename": name,
        },
        content=data,
        headers={**headers, "Content-Type": "application/octet-stream"},
    )


@FUZZ
@given(rows=st.lists(row, min_size=1, max_size=4), encoding=encodings, delimiter=delimiters)
@example(rows=[VALID], encoding="utf-8", delimiter=",")
async def test_any_unicode_in_cells_is_checked_and_imported_whole_or_not_at_all(
    client, world, partner, rows, encoding, delimiter
):
    data = spreadsheet(rows, encoding, delimiter)
    checked = await _import(client, partner, data, "stories.csv", dry_run=True)
    assert checked.status_code in (200, 400, 413, 422), checked.text
    if rows == [VALID] and encoding == "utf-8":
        assert checked.status_code == 200, checked.text  # the fuzzer's starting point imports
    if checked.status_code != 200:
        return
    committed = await _import(client, partner, data, "stories.csv", dry_run=False)
    assert committed.status_code == 201, committed.text
    assert committed.json()["created"] == checked.json()["created"]
    stored = (await client.get("/api/v1/stories?site=gdansk&limit=200", headers=partner)).json()
    for story in stored["items"]:
        assert unicodedata.is_normalized("NFC", story["title"] + story["body"])


@FUZZ
@given(
    data=st.binary(max_size=2000)
    | st.binary(max_size=400).map(lambda b: b"PK\x03\x04" + b)
    | any_text.map(lambda t: ",".join(HEADER).encode() + b"\n" + t.encode()),
    name=st.sampled_from(["stories.csv", "stories.xlsx", "stories.ods", "stories"]),
)
async def test_any_bytes_as_a_spreadsheet_are_reported_not_a_server_error(
    client, world, partner, data, name
):
    answer = await _import(client, partner, data, name, dry_run=True)
    assert answer.status_code in (200, 400, 413, 415, 422), answer.text


@settings(max_examples=200, deadline=None, database=None)
@given(data=st.binary(max_size=3000))
def test_the_reader_reads_any_bytes_or_says_why_not(data):
    try:
        table = open_table(SourceFile(name="any.csv", data=data), lambda header: False)
        for _number, cells in table.rows:
            assert all(isinstance(value, str) for value in cells)
    except ReadError as error:
        assert str(error)
