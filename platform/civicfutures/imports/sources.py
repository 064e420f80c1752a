"""Reading a spreadsheet file into a header and rows of text, whatever wrote it.

- CSV: the encoding is found in this order: a byte-order mark (UTF-8, UTF-16, UTF-32); UTF-16
  without a mark (NUL bytes); strict UTF-8 over the whole file; else the Windows code pages that
  Excel writes in Poland, Estonia and Italy (1250, 1257, 1252), each decoding of the file's start
  scored by how many header cells it turns into known column names, then by how plausible its
  letters are for the expected languages, then by charset-normalizer's own ranking. The
  delimiter (`,` `;` or tab) is the one that splits the header into the most known columns.
  Rows are decoded and parsed as a stream; nothing but the current row is held.
- XLSX and ODS: bounded first without materialising a cell (`preflight.py`: sizes, ratios,
  dimensions, cell references, no DTD or entities), then read by fastexcel (calamine), every
  cell as text. A cell holding a formula is
  refused: the file's XML is scanned for formula elements, and only when one is found is the
  sheet opened cell by cell (openpyxl, or the ODS XML) to name each formula's row and column.
  CSV keeps no formulas: a cell starting with `=` is text, taken as the API takes it, and
  every export keeps it text (an apostrophe in CSV, a text cell in XLSX).
- The first sheet is read; the first non-empty row is the header; empty rows are skipped.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl
from defusedxml import ElementTree

from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_number
from civicfutures.i18n.library_errors import csv_message
from civicfutures.imports.budget import check_budget
from civicfutures.imports.limits import get_limits
from civicfutures.imports.preflight import check_workbook
from civicfutures.imports.read_error import ReadError

__all__ = ["ReadError", "SourceFile", "Table", "open_table"]

Recognizes = Callable[[str], bool]

CHUNK = 1024 * 1024
SAMPLE = 256 * 1024
CODE_PAGES: tuple[str, ...] = ("cp1250", "cp1257", "cp1252")
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "utf-32": "UTF-32",
    "cp1250": "Windows-1250",
    "cp1257": "Windows-1257",
    "cp1252": "Windows-1252",
}
DELIMITERS: tuple[str, ...] = (";", ",", "\t")
_SEP_LINE = re.compile(r"^sep=([;,\t|])\r?\n")

# Letters each language writes beyond ASCII: a decoding that yields them is plausible.
ALPHABETS: dict[str, str] = {
    "pl": "ąćęłńóśźż",
    "et": "äöõüšž",
    "vro": "äöõüšž",
    "it": "àèéìíîòóùú",
    "de": "äöüß",
    "fr": "àâçéèêëîïôùûüÿœ",
    "es": "áéíñóúü",
    "pt": "áâãàçéêíóôõú",
    "lv": "āčēģīķļņšūž",
    "lt": "ąčęėįšųūž",
    "cs": "áčďéěíňóřšťúůýž",
    "sk": "áäčďéíĺľňóôŕšťúýž",
    "hu": "áéíóöőúüű",
    "ro": "ăâîșşțţ",
    "sl": "čšž",
    "hr": "čćđšž",
}
DEFAULT_HINTS: tuple[str, ...] = ("pl", "et", "it", "de", "fr", "es")
NEUTRAL = set("\u00a0„”“‘’‚–—…«»°§·€×")


def _filled(cells: list[str]) -> bool:
    """Whether a row has any non-blank cell (empty rows between stories are skipped)."""
    return not "".join(cells).isspace() and any(cells)


# Bytes the CSV readers treat apart: NUL, and the separators Python strips as whitespace and
# Rust does not.
CONTROL_BYTES = (b"\x00", b"\x1c", b"\x1d", b"\x1e", b"\x1f")


@dataclass(frozen=True)
class FileScan:
    sha256: str
    utf8: bool
    lines: int
    # Whether the file holds any of CONTROL_BYTES, or a carriage return that ends no line.
    controls: bool = False
    lone_returns: bool = False


class _Utf8Check:
    """Whether a stream of bytes is strict UTF-8, a read at a time, checked by Polars (Rust's
    validator: the same rules as Python's strict decoder, without building any text). A
    character cut by the end of a read is carried over to the next."""

    def __init__(self) -> None:
        self.valid = True
        self.carry = b""

    def feed(self, chunk: bytes) -> None:
        if not self.valid:
            return
        block = self.carry + chunk if self.carry else chunk
        end = _whole_characters(block)
        self.carry = block[end:]
        if not block.isascii():
            try:
                pl.Series([block[:end]], dtype=pl.Binary).cast(pl.String, strict=True)
            except pl.exceptions.PolarsError:
                self.valid = False

    def close(self) -> bool:
        return self.valid and not self.carry


def _whole_characters(block: bytes) -> int:
    """Where the last character begun in `block` ends, or begins when it is cut short."""
    end = len(block)
    for back in range(1, min(4, end) + 1):
        byte = block[end - back]
        if byte < 0x80:
            return end
        if byte >= 0xC0:  # the first byte of a character: how long it says it is
            length = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return end if back >= length else end - back
    # Only continuation bytes: invalid however it goes on, as the check of the block says.
    return end


@dataclass
class SourceFile:
    """The uploaded or named file: bytes in memory or a path read in chunks."""

    name: str
    data: bytes | None = None
    path: Path | None = None
    _scan: FileScan | None = field(default=None, repr=False)

    @classmethod
    def from_path(cls, path: Path) -> SourceFile:
        return cls(name=path.name, path=path)

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else self.path.stat().st_size  # type: ignore[union-attr]

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data) if self.data is not None else self.path.open("rb")  # type: ignore[union-attr]

    def head(self, size: int) -> bytes:
        with self.open() as handle:
            return handle.read(size)

    def chunks(self) -> Iterator[bytes]:
        with self.open() as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def scan(self) -> FileScan:
        """The file's fingerprint, UTF-8 validity and line count, in one pass (then cached)."""
        if self._scan is None:
            digest = hashlib.sha256()
            utf8, lines, controls, returns, line_ends, after_return = (
                _Utf8Check(),
                0,
                False,
                0,
                0,
                False,
            )
            # Every question asked of a read while it is in the processor's cache.
            for chunk in self.chunks():
                digest.update(chunk)
                lines += chunk.count(b"\n")
                utf8.feed(chunk)
                controls = controls or any(byte in chunk for byte in CONTROL_BYTES)
                if after_return and chunk.startswith(b"\n"):
                    line_ends += 1
                if b"\r" in chunk:
                    returns += chunk.count(b"\r")
                    line_ends += chunk.count(b"\r\n")
                after_return = chunk.endswith(b"\r")
            self._scan = FileScan(
                sha256=digest.hexdigest(),
                utf8=utf8.close(),
                lines=lines,
                controls=controls,
                lone_returns=returns != line_ends,
            )
        return self._scan

    def is_utf8(self) -> bool:
        return self.scan().utf8

    def readable(self) -> bytes | str:
        """What fastexcel and zipfile take: the bytes, or the path."""
        return self.data if self.data is not None else str(self.path)


@dataclass
class Table:
    """A sheet as text: the header row, then data rows numbered as a spreadsheet numbers them."""

    format: str
    header: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[str]]]
    estimated_rows: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    # Problems found while reading: (row or None, column header or None, message).
    problems: list[tuple[int | None, str | None, str]] = field(default_factory=list)
    # Cells holding formulas, (row, column header): reported once, their values not checked.
    formula_cells: set[tuple[int, str]] = field(default_factory=set)


def open_table(source: SourceFile, recognizes: Recognizes, hints: tuple[str, ...] = ()) -> Table:
    """The file's first sheet as a Table; ReadError when it cannot be read at all."""
    head = source.head(8)
    if not head:
        raise ReadError(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        return _open_workbook(source)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError(
            _("Old Excel files (.xls) are not accepted: save the file as .xlsx, .ods or CSV UTF-8.")
        )
    return _open_csv(source, recognizes, hints)


# ---------------------------------------------------------------- CSV


def _open_csv(source: SourceFile, recognizes: Recognizes, hints: tuple[str, ...]) -> Table:
    encoding = detect_encoding(source, recognizes, hints)
    sample_text = _decode_sample(source.head(SAMPLE), encoding).lstrip("\ufeff")
    # Excel honours (and some exports write) a first line `sep=;` naming the delimiter.
    declared = _SEP_LINE.match(sample_text)
    delimiter = declared.group(1) if declared else detect_delimiter(sample_text, recognizes)
    estimated = source.scan().lines
    table = Table(
        format="csv",
        header=[],
        header_row=1,
        rows=iter(()),
        estimated_rows=max(estimated - 1, 0),
        encoding=ENCODING_NAMES.get(encoding, encoding),
        delimiter=delimiter,
    )
    records = _csv_records(source, encoding, delimiter, table)
    for number, cells in records:
        if declared and number == 1:
            continue
        table.header, table.header_row = cells, number
        break
    else:
        if not table.problems:
            raise ReadError(_("The file has no header row."))
    table.rows = records
    return table


def _csv_records(
    source: SourceFile, encoding: str, delimiter: str, table: Table
) -> Iterator[tuple[int, list[str]]]:
    """Non-empty records with their numbers; a decoding error ends the stream with a problem."""
    number = 0
    with source.open() as raw:
        # A file known to decode whole is read by the fast stream decoder; others line by line.
        verified = encoding in ("utf-8", "utf-8-sig") and source.is_utf8()
        reader = csv.reader(_text_lines(raw, encoding, verified), delimiter=delimiter)
        max_columns = get_limits().max_columns
        try:
            for cells in reader:
                number += 1
                check_budget()
                if len(cells) > max_columns:
                    table.problems.append(
                        (
                            number,
                            None,
                            _(
                                "Row {row} has more than {limit} fields: the file is refused."
                            ).format(row=number, limit=format_number(max_columns)),
                        )
                    )
                    return
                if _filled(cells):
                    yield number, cells
        except UnicodeDecodeError:
            table.problems.append(
                (
                    number + 1,
                    None,
                    _(
                        "From row {row} on, the file is not in {encoding} like the rows before it. Save the whole file again as CSV UTF-8."
                    ).format(row=number + 1, encoding=ENCODING_NAMES.get(encoding, encoding)),
                )
            )
        except csv.Error as error:
            table.problems.append(
                (
                    number + 1,
                    None,
                    csv_message(str(error), number + 1),
                )
            )


def _text_lines(raw: BinaryIO, encoding: str, verified: bool = False) -> Iterator[str]:
    """The file's lines as text: a file known to decode whole, or in UTF-16/32 (where a byte
    `\n` is no line end), through the stream decoder; others a line at a time, so that an
    undecodable row can be named."""
    if verified or encoding.startswith(("utf-16", "utf-32")):
        return io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
    return _decoded_lines(raw, encoding)


def _decoded_lines(raw: BinaryIO, encoding: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    for line in raw:
        yield decoder.decode(line)
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def detect_encoding(source: SourceFile, recognizes: Recognizes, hints: tuple[str, ...] = ()) -> str:
    """The text encoding of a CSV file (see the module's docstring for the order)."""
    head = source.head(4)
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return name
    sample = source.head(SAMPLE)
    if b"\x00" in sample[:4096]:
        return _utf16_without_bom(sample, recognizes)
    if source.is_utf8():
        return "utf-8"
    if _has_valid_utf8_before_error(sample):
        # Mostly UTF-8 with a stray row in another encoding: read as UTF-8 so the row that
        # breaks it is named, instead of turning every accented letter before it into mojibake.
        return "utf-8"
    return _best_code_page(sample, recognizes, hints)


def _utf16_without_bom(sample: bytes, recognizes: Recognizes) -> str:
    best, best_score = None, 0
    for name in ("utf-16-le", "utf-16-be"):
        text = sample[: len(sample) // 2 * 2].decode(name, errors="replace")
        score = _header_score(text, recognizes)
        if score > best_score:
            best, best_score = name, score
    if best is None:
        raise ReadError(_("The file does not look like a spreadsheet or a CSV text file."))
    return best


def _has_valid_utf8_before_error(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        prefix = sample[: error.start]
        try:
            text = prefix.decode("utf-8")
        except UnicodeDecodeError:  # pragma: no cover - the prefix is valid by construction
            return False
        return sum(1 for ch in text if ord(ch) > 127) >= 3
    return True


def _best_code_page(sample: bytes, recognizes: Recognizes, hints: tuple[str, ...]) -> str:
    letters = set("".join(ALPHABETS.get(tag, "") for tag in hints or DEFAULT_HINTS))
    letters |= {ch.upper() for ch in letters}
    ranking = _charset_normalizer_ranking(sample)
    scored = []
    for position, name in enumerate(CODE_PAGES):
        try:
            text = sample.decode(name)
        except UnicodeDecodeError as error:
            # A byte the code page leaves undefined; a cut at the sample's end is not one.
            if error.start < len(sample) - 4:
                continue
            text = sample[: error.start].decode(name, errors="replace")
        scored.append(
            (
                _header_score(text, recognizes),
                _plausibility(text, letters),
                -ranking.get(name, len(CODE_PAGES)),
                -position,
                name,
            )
        )
    if not scored:
        raise ReadError(
            _("The file's encoding is not recognised. Save it as CSV UTF-8 and try again.")
        )
    return max(scored)[-1]


def _charset_normalizer_ranking(sample: bytes) -> dict[str, int]:
    from charset_normalizer import from_bytes

    matches = from_bytes(sample, cp_isolation=list(CODE_PAGES))
    return {match.encoding: rank for rank, match in enumerate(matches)}


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _plausibility(text: str, letters: set[str]) -> int:
    score = 0
    for char, count in Counter(_NON_ASCII.findall(text)).items():
        if char in letters:
            score += 2 * count
        elif char in NEUTRAL:
            continue
        elif char.isalpha():
            score -= count
        else:
            score -= 3 * count
    return score


def _first_record(text: str, delimiter: str) -> list[str]:
    try:
        for cells in csv.reader(io.StringIO(text), delimiter=delimiter):
            if _filled(cells):
                return cells
    except csv.Error:
        return []
    return []


def _header_score(text: str, recognizes: Recognizes) -> int:
    return max(sum(1 for cell in _first_record(text, d) if recognizes(cell)) for d in DELIMITERS)


def detect_delimiter(text: str, recognizes: Recognizes) -> str:
    """The delimiter that splits the header into the most known columns (then the most cells)."""
    best = max(
        DELIMITERS,
        key=lambda d: (
            sum(1 for cell in _first_record(text, d) if recognizes(cell)),
            len(_first_record(text, d)),
        ),
    )
    return best


def _decode_sample(sample: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(sample)


# ---------------------------------------------------------------- XLSX and ODS


def _open_workbook(source: SourceFile) -> Table:
    import fastexcel

    kind = _workbook_kind(source)
    try:
        reader = fastexcel.read_excel(source.readable())
        if not reader.sheet_names:
            raise ReadError(_("The workbook has no sheets."))
        sheet = reader.load_sheet(0, header_row=None, dtypes="string", skip_rows=0)
        batch = sheet.to_arrow()
    except ReadError:
        raise
    except Exception as error:  # calamine reports damaged files with several exception types
        raise ReadError(
            _(
                "The file cannot be opened as a spreadsheet: it may be damaged, or not a spreadsheet."
            )
        ) from error
    columns = [column.to_pylist() for column in batch.columns]
    height = batch.num_rows
    rows = (
        (index + 1, ["" if column[index] is None else column[index] for column in columns])
        for index in range(height)
    )
    table = Table(
        format=kind,
        header=[],
        header_row=1,
        rows=iter(()),
        estimated_rows=height,
        sheet=reader.sheet_names[0],
    )
    for number, cells in rows:
        if _filled(cells):
            table.header, table.header_row = cells, number
            break
    else:
        raise ReadError(_("The first sheet is empty."))
    table.estimated_rows = max(height - table.header_row, 0)
    table.rows = ((n, cells) for n, cells in rows if _filled(cells))
    for row, _column, header_text in _formula_cells(source, kind):
        table.formula_cells.add((row, header_text))
        table.problems.append(
            (
                row,
                header_text or None,
                _(
                    "The cell holds a formula. Type its value instead (copy the cells, then paste values only)."
                ),
            )
        )
    return table


def _workbook_kind(source: SourceFile) -> str:
    """ "xlsx" or "ods", once the archive passed the pre-flight (else ReadError)."""
    try:
        with zipfile.ZipFile(_zip_input(source)) as archive:
            names = set(archive.namelist())
            kind = "xlsx" if "xl/workbook.xml" in names else "ods" if "content.xml" in names else ""
            if kind:
                check_workbook(archive, kind, get_limits())
                return kind
    except (zipfile.BadZipFile, NotImplementedError) as error:
        raise ReadError(_("The file is damaged: it cannot be opened.")) from error
    raise ReadError(
        _("This kind of file is not accepted: use .xlsx, .ods or .csv (CSV UTF-8 is best).")
    )


def _zip_input(source: SourceFile) -> io.BytesIO | Path:
    return io.BytesIO(source.data) if source.data is not None else source.path  # type: ignore[return-value]


_XLSX_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_ODS_FORMULA = re.compile(rb"table:formula=")


def _zip_member_matches(archive: zipfile.ZipFile, name: str, pattern: re.Pattern[bytes]) -> bool:
    """Stream one member looking for a pattern, with an overlap so no match straddles chunks."""
    tail = b""
    with archive.open(name) as member:
        while chunk := member.read(CHUNK):
            if pattern.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def _formula_cells(source: SourceFile, kind: str) -> list[tuple[int, int | None, str]]:
    """(row, column index, header text) of every formula cell of the first sheet."""
    with zipfile.ZipFile(_zip_input(source)) as archive:
        if kind == "xlsx":
            sheets = [n for n in archive.namelist() if re.match(r"xl/worksheets/[^/]+\.xml$", n)]
            if not any(_zip_member_matches(archive, n, _XLSX_FORMULA) for n in sheets):
                return []
        elif not _zip_member_matches(archive, "content.xml", _ODS_FORMULA):
            return []
    return _xlsx_formula_cells(source) if kind == "xlsx" else _ods_formula_cells(source)


def _xlsx_formula_cells(source: SourceFile) -> list[tuple[int, int | None, str]]:
    import openpyxl

    workbook = openpyxl.load_workbook(_zip_input(source), read_only=True, data_only=False)
    try:
        sheet = workbook.worksheets[0]
        header: dict[int, str] = {}
        found = []
        for cells in sheet.iter_rows():
            values = [(cell.column, cell.value) for cell in cells if cell.value not in (None, "")]
            if not header and values:
                header = {column: str(value) for column, value in values}
            for cell in cells:
                if getattr(cell, "data_type", None) == "f":
                    found.append((cell.row, cell.column, header.get(cell.column, cell.coordinate)))
        return found
    finally:
        workbook.close()


_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _ods_formula_cells(source: SourceFile) -> list[tuple[int, int | None, str]]:
    """Walk the first table of content.xml row by row (rows and cells may be repeated)."""
    formulas: list[tuple[int, int]] = []
    header: dict[int, str] = {}
    row_number, column, tables = 0, 0, 0
    cells: list[tuple[int, str]] = []
    table_tag, row_tag = f"{{{_TABLE}}}table", f"{{{_TABLE}}}table-row"
    cell_tags = (f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell")
    with zipfile.ZipFile(_zip_input(source)) as archive, archive.open("content.xml") as content:
        events = ElementTree.iterparse(content, events=("start", "end"), forbid_dtd=True)
        for event, element in events:
            tag = element.tag
            if tag == table_tag:
                if event == "start":
                    tables += 1
                elif tables == 1:
                    break
                continue
            if tables != 1:
                continue
            if event == "start" and tag == row_tag:
                column, cells = 0, []
            elif event == "end" and tag in cell_tags:
                repeat = min(int(element.get(f"{{{_TABLE}}}number-columns-repeated", "1")), 16_384)
                text = "\n".join("".join(part.itertext()) for part in element)
                if text.strip():
                    cells.append((column + 1, text))
                if element.get(f"{{{_TABLE}}}formula") is not None:
                    formulas.append((row_number + 1, column + 1))
                column += repeat
            elif event == "end" and tag == row_tag:
                if not header and cells:
                    header = dict(cells)
                row_number += int(element.get(f"{{{_TABLE}}}number-rows-repeated", "1"))
                element.clear()
    return [(row, column, header.get(column, "")) for row, column in formulas]
