"""Every export kind and its formats: `EXPORTS[kind][format]` is the writer, its media type and
file extension. Routes and the command look writers up here, never by an if-chain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from civicfutures.exports.categories import categorical_stories
from civicfutures.exports.dataset import ExportData
from civicfutures.exports.dictionary import write_datapackage, write_dictionary_table
from civicfutures.exports.notes import ExportNotes
from civicfutures.exports.refiqda import write_qdc, write_qdpx
from civicfutures.exports.request import download_name
from civicfutures.exports.statistical import write_dta, write_sav
from civicfutures.exports.stories import stories_table
from civicfutures.exports.tabular import TABLE_WRITERS, sink_csv_rows

Writer = Callable[[ExportData, Path, ExportNotes, Path], None]


@dataclass(frozen=True)
class Format:
    writer: Writer
    media_type: str
    extension: str


MEDIA = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
    "jsonl": "application/jsonl",
}


def _stories(fmt: str) -> Writer:
    table_writer = TABLE_WRITERS[fmt]

    def write(data: ExportData, path: Path, notes: ExportNotes, work: Path) -> None:
        table_writer(stories_table(data), path, notes, work)

    return write


def _csv_stories(data: ExportData, path: Path, notes: ExportNotes, work: Path) -> None:
    """CSV's rows are built as text batch by batch: a record is JSON-encoded on its own row
    and a list joined once, instead of flattening the lists of the finished table."""
    sink_csv_rows(stories_table(data, text=True), path, notes)


def _categorical_stories(data: ExportData, path: Path, notes: ExportNotes, work: Path) -> None:
    """Parquet keeps the coded columns as categories (levels in the codebook's order)."""
    TABLE_WRITERS["parquet"](categorical_stories(data), path, notes, work)


EXPORTS: dict[str, dict[str, Format]] = {
    "stories": {
        **{fmt: Format(_stories(fmt), MEDIA[fmt], fmt) for fmt in ("xlsx", "jsonl")},
        "csv": Format(_csv_stories, MEDIA["csv"], "csv"),
        "parquet": Format(_categorical_stories, MEDIA["parquet"], "parquet"),
    },
    "qdpx": {"qdpx": Format(write_qdpx, "application/zip", "qdpx")},
    "qdc": {"qdc": Format(write_qdc, "application/xml", "qdc")},
    "sav": {"sav": Format(write_sav, "application/x-spss-sav", "sav")},
    "dta": {"dta": Format(write_dta, "application/x-stata-dta", "dta")},
    "dictionary": {
        "csv": Format(write_dictionary_table, MEDIA["csv"], "csv"),
        "xlsx": Format(write_dictionary_table, MEDIA["xlsx"], "xlsx"),
        "datapackage": Format(write_datapackage, "application/zip", "zip"),
    },
}

FORMATS: dict[str, tuple[str, ...]] = {kind: tuple(formats) for kind, formats in EXPORTS.items()}


def filename(kind: str, fmt: str, project: str, lang: str) -> str:
    """The download's name; the datapackage names the CSV files inside it by this same rule."""
    if kind == "dictionary" and fmt == "datapackage":
        return download_name(project, lang, "datapackage", "zip")
    return download_name(project, lang, kind, EXPORTS[kind][fmt].extension)
