"""Writers of one table as CSV, XLSX, Parquet or JSON Lines, streamed to the file.

A table arrives as one lazy plan or as consecutive parts. One plan goes through Polars'
streaming sinks: rows reach the file in batches as the plan produces them, so the whole table
is never in memory (only what the plan aggregates). Parts (pages read one at a time, e.g. from
the database) are collected, appended to the file and dropped one by one.

Parquet and JSON Lines keep list columns as lists. CSV and XLSX have no lists: a list of
codes or labels becomes text joined by `; `, a list of records (codings, translations) a JSON
array. Spreadsheet safety: in CSV a text cell starting with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading apostrophe (the OWASP advice against formula injection); XLSX
needs no prefix because every text is written as a text cell (never as a formula).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import xlsxwriter

from civicfutures.errors import InvalidInput
from civicfutures.exports.notes import ExportNotes
from civicfutures.i18n import gettext as _
from civicfutures.i18n import use_locale
from civicfutures.sheet_names import sheet_name

LIST_SEPARATOR = "; "
FORMULA_START = r"^[=+\-@\t\r]"
XLSX_MAX_ROWS = 1_048_575  # one row of the sheet is the header
XLSX_MAX_CELL = 32_767

PARQUET_COMPRESSION = "zstd"
# A Parquet sink holds a row group's rows until it encodes them: a million stories' rows with
# their texts, in Polars' default groups, held 200–250 MiB more at the peak than in these.
PARQUET_ROW_GROUP_ROWS = 25_000
CSV_DATE_FORMAT = "%Y-%m-%d"
Table = pl.LazyFrame | Iterable[pl.LazyFrame]
TableWriter = Callable[[Table, Path, ExportNotes, Path], None]
"""A writer gets the table as one lazy plan or as consecutive parts, and writes one file."""


def flat(frame: pl.LazyFrame) -> pl.LazyFrame:
    """List columns as text: scalars joined by `; `, records as a JSON array."""
    changes: list[pl.Expr] = []
    for name, dtype in frame.collect_schema().items():
        if not isinstance(dtype, pl.List):
            continue
        if isinstance(dtype.inner, pl.Struct):
            encoded = pl.col(name).list.eval(pl.element().struct.json_encode()).list.join(",")
            changes.append((pl.lit("[") + encoded + pl.lit("]")).alias(name))
        else:
            changes.append(
                pl.col(name)
                .list.eval(pl.element().cast(pl.String))
                .list.join(LIST_SEPARATOR)
                .alias(name)
            )
    return frame.with_columns(changes) if changes else frame


def _prefixed(name: str) -> pl.Expr:
    column = pl.col(name)
    return (
        pl.when(column.str.contains(FORMULA_START))
        .then(pl.lit("'") + column)
        .otherwise(column)
        .alias(name)
    )


def text_safe(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Prefix an apostrophe to text a spreadsheet would run as a formula."""
    strings = [n for n, t in frame.collect_schema().items() if t == pl.String]
    return frame.with_columns(_prefixed(n) for n in strings)


def text_safe_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """`text_safe` on rows at hand: only a column where some cell needs the prefix (rarely
    one) is rewritten, instead of a copy of every text column."""
    strings = [n for n, t in frame.schema.items() if t == pl.String]
    if not strings or frame.height == 0:
        return frame
    found = frame.select(pl.col(n).str.contains(FORMULA_START).any() for n in strings).row(0)
    return frame.with_columns(_prefixed(n) for n, hit in zip(strings, found, strict=True) if hit)


def write_parquet(table: Table, path: Path, notes: ExportNotes, work: Path) -> None:
    if isinstance(table, pl.LazyFrame):
        table.sink_parquet(
            path, compression=PARQUET_COMPRESSION, row_group_size=PARQUET_ROW_GROUP_ROWS
        )
        return
    writer: pq.ParquetWriter | None = None
    schema = None
    for frame in table:
        part = frame.collect().to_arrow()
        if writer is None:
            schema = part.schema
            writer = pq.ParquetWriter(path, schema, compression=PARQUET_COMPRESSION)
        writer.write_table(part.cast(schema), row_group_size=PARQUET_ROW_GROUP_ROWS)
    if writer is not None:
        writer.close()


def write_jsonl(table: Table, path: Path, notes: ExportNotes, work: Path) -> None:
    if isinstance(table, pl.LazyFrame):
        table.sink_ndjson(path)
        return
    with path.open("wb") as handle:
        for frame in table:
            frame.collect().write_ndjson(handle)


def csv_frame(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The table as CSV holds it: lists flattened to text, formula-looking text prefixed."""
    return text_safe(flat(frame))


def sink_csv_rows(plan: pl.LazyFrame, path: Path, notes: ExportNotes) -> None:
    """A plan whose rows are already as CSV holds them (`csv_frame`'s) streamed to the file."""
    notes.text_prefixed_cells = "apostrophe"
    plan.sink_csv(path, date_format=CSV_DATE_FORMAT)


def write_csv(table: Table, path: Path, notes: ExportNotes, work: Path) -> None:
    notes.text_prefixed_cells = "apostrophe"
    if isinstance(table, pl.LazyFrame):
        sink_csv_rows(csv_frame(table), path, notes)
        return
    with path.open("wb") as handle:
        for n, frame in enumerate(table):
            csv_frame(frame).collect().write_csv(
                handle, include_header=n == 0, date_format=CSV_DATE_FORMAT
            )


def write_xlsx(table: Table, path: Path, notes: ExportNotes, work: Path) -> None:
    """Rows streamed from a Parquet copy into XlsxWriter's constant-memory mode."""
    staged = work / "xlsx-rows.parquet"
    flat_table = flat(table) if isinstance(table, pl.LazyFrame) else (flat(f) for f in table)
    write_parquet(flat_table, staged, notes, work)
    source = pq.ParquetFile(staged)
    if source.metadata.num_rows > XLSX_MAX_ROWS:
        with use_locale(notes.lang):
            raise InvalidInput(
                _("Too many rows for a spreadsheet ({n}); choose CSV or Parquet.").format(
                    n=source.metadata.num_rows
                )
            )
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    taken: set[str] = set()
    sheet = book.add_worksheet(sheet_name(notes.kind, taken))
    header = book.add_format({"bold": True})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    names = source.schema_arrow.names
    for col, name in enumerate(names):
        sheet.write_string(0, col, name, header)
    sheet.freeze_panes(1, 0)
    row = 1
    for batch in source.iter_batches(batch_size=2_000):
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for values in zip(*columns, strict=True):
            for col, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(row, col, value[:XLSX_MAX_CELL])
                elif isinstance(value, bool):
                    sheet.write_boolean(row, col, value)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(row, col, value, dates)
                else:
                    sheet.write_number(row, col, value)
            row += 1
    write_notes_sheet(book, notes, taken)
    book.close()
    staged.unlink()


def write_notes_sheet(
    book: xlsxwriter.Workbook, notes: ExportNotes, taken: set[str] | None = None
) -> None:
    with use_locale(notes.lang):
        sheet = book.add_worksheet(sheet_name(_("Notes"), set() if taken is None else taken))
    for row, line in enumerate(notes.sentences()):
        sheet.write_string(row, 0, line)


TABLE_WRITERS: dict[str, TableWriter] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "parquet": write_parquet,
    "jsonl": write_jsonl,
}
