"""Bounding an XLSX or ODS file before any cell of it is materialised.

The spreadsheet reader (calamine) allocates a sheet's whole rectangle, from A1 to its furthest
cell, and trusts the archive's headers: one cell at XFD1048576 asks for hundreds of GiB, a
sheet that unpacks a thousandfold for gigabytes. So, before the reader sees the file:

- the zip central directory is read: no part may declare more than the unpacked-size limit, nor
  (above 1 MiB, where ratios mean something) a compression ratio beyond the limit;
- every XML part is then unpacked as a stream, its bytes counted against the same limit whatever
  its header said, and parsed by defusedxml's SAX parser: a document type (DTD) or an entity
  declaration is refused, so no entity expands; no tree is built;
- while parsing, a sheet's declared dimension, every cell reference (XLSX) and the repeated rows
  and columns that hold content (ODS) are checked against the row, column and cell limits, and
  the shared strings against the cell limit; the first one past its limit stops the scan.
"""

from __future__ import annotations

import zipfile
from typing import Any, BinaryIO
from xml.sax import SAXException
from xml.sax.handler import ContentHandler, feature_namespaces

from defusedxml import DefusedXmlException
from defusedxml.sax import make_parser

from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_number
from civicfutures.imports.budget import check_budget
from civicfutures.imports.limits import MIB, ImportLimits
from civicfutures.imports.read_error import ReadError

CHUNK = 64 * 1024
# Below this size a part's compression ratio says nothing (a few KiB of blanks pack 1000-fold).
RATIO_FLOOR = MIB

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def check_workbook(archive: zipfile.ZipFile, kind: str, limits: ImportLimits) -> None:
    """ReadError naming the limit when the archive or a sheet in it goes past one."""
    members = [info for info in archive.infolist() if not info.is_dir()]
    for info in members:
        _check_declared(info, limits)
    for info in members:
        if not info.filename.endswith((".xml", ".rels")):
            continue
        if kind == "xlsx" and info.filename.startswith("xl/worksheets/"):
            handler: ContentHandler = _XlsxSheet(limits)
        elif kind == "xlsx" and info.filename == "xl/sharedStrings.xml":
            handler = _SharedStrings(limits)
        elif kind == "ods" and info.filename == "content.xml":
            handler = _OdsContent(limits)
        else:
            handler = ContentHandler()
        _parse(archive, info, handler, limits)


def _check_declared(info: zipfile.ZipInfo, limits: ImportLimits) -> None:
    if info.file_size > limits.max_unpacked_bytes:
        raise _too_large(info.filename, limits)
    if info.file_size > RATIO_FLOOR and (
        info.compress_size == 0
        or info.file_size / info.compress_size > limits.max_compression_ratio
    ):
        raise ReadError(
            _(
                "A part of the file ({part}) is packed more than {limit} times smaller than its content, as no real spreadsheet is: the file is refused."
            ).format(part=info.filename, limit=format_number(limits.max_compression_ratio))
        )


def _too_large(part: str, limits: ImportLimits) -> ReadError:
    return ReadError(
        _(
            "A part of the file ({part}) unpacks to more than {limit} MiB: the file is refused."
        ).format(part=part, limit=format_number(limits.max_unpacked_bytes // MIB))
    )


def _parse(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, handler: ContentHandler, limits: ImportLimits
) -> None:
    parser = make_parser()
    parser.forbid_dtd = True
    parser.forbid_entities = True
    parser.forbid_external = True
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(handler)
    unpacked = 0
    try:
        with archive.open(info) as member:
            while chunk := _read(member):
                check_budget()
                unpacked += len(chunk)
                if unpacked > limits.max_unpacked_bytes:
                    raise _too_large(info.filename, limits)
                parser.feed(chunk)
            parser.close()
    except DefusedXmlException as error:
        raise ReadError(
            _(
                "The file's XML declares a document type or entities, which spreadsheets do not use: the file is refused."
            )
        ) from error
    except SAXException as error:
        raise ReadError(
            _("A part of the file ({part}) is not well-formed XML: the file is damaged.").format(
                part=info.filename
            )
        ) from error


def _read(member: BinaryIO) -> bytes:
    try:
        return member.read(CHUNK)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ReadError(_("The file is damaged: it cannot be opened.")) from error


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter.upper()) - 64)
    return number


def _split_ref(ref: str) -> tuple[int, int] | None:
    """(row, column) of a reference such as `XFD1048576` (`$` allowed); None when malformed."""
    ref = ref.replace("$", "")
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters) :]
    if not letters.isalpha() or not letters.isascii() or not digits or len(digits) > 12:
        return None
    return int(digits), _column_number(letters[:8])


class _Extent:
    """The furthest row and column reached so far, refused past the limits."""

    def __init__(self, limits: ImportLimits) -> None:
        self.limits = limits
        self.rows = 0
        self.columns = 0

    def reach(self, row: int, column: int) -> None:
        limits = self.limits
        if column > limits.max_columns:
            raise ReadError(
                _(
                    "The sheet has more than {limit} columns (it reaches column {column}): delete the columns beyond the stories."
                ).format(limit=format_number(limits.max_columns), column=format_number(column))
            )
        if row > limits.max_sheet_rows:
            raise ReadError(
                _("The file has more than {limit} rows: split it into smaller files.").format(
                    limit=format_number(limits.max_rows)
                )
            )
        self.rows, self.columns = max(self.rows, row), max(self.columns, column)
        if self.rows * self.columns > limits.max_cells:
            raise ReadError(
                _(
                    "The sheet spans more than {limit} cells ({rows} rows by {columns} columns): delete the empty rows and columns around the stories."
                ).format(
                    limit=format_number(limits.max_cells),
                    rows=format_number(self.rows),
                    columns=format_number(self.columns),
                )
            )


class _XlsxSheet(ContentHandler):
    """A worksheet's declared dimension and every row and cell reference."""

    def __init__(self, limits: ImportLimits) -> None:
        super().__init__()
        self.extent = _Extent(limits)
        self.row = 0
        self.column = 0

    def startElementNS(self, name: tuple[str | None, str], qname: str | None, attrs: Any) -> None:
        uri, local = name
        if uri != _MAIN:
            return
        if local == "c":
            ref = _split_ref(attrs.get((None, "r"), ""))
            if ref is None:
                self.column += 1
            else:
                self.row, self.column = max(self.row, ref[0]), ref[1]
            self.extent.reach(self.row, self.column)
        elif local == "row":
            reference = attrs.get((None, "r"), "")
            self.row = int(reference) if reference.isdigit() else self.row + 1
            self.column = 0
            self.extent.reach(self.row, 1)
        elif local == "dimension":
            for corner in attrs.get((None, "ref"), "").split(":"):
                ref = _split_ref(corner)
                if ref is not None:
                    self.extent.reach(*ref)


class _SharedStrings(ContentHandler):
    """The shared strings table: its declared and actual number of texts."""

    def __init__(self, limits: ImportLimits) -> None:
        super().__init__()
        self.limits = limits
        self.count = 0

    def _refuse(self) -> ReadError:
        return ReadError(
            _("The file holds more than {limit} texts: split it into smaller files.").format(
                limit=format_number(self.limits.max_cells)
            )
        )

    def startElementNS(self, name: tuple[str | None, str], qname: str | None, attrs: Any) -> None:
        uri, local = name
        if uri != _MAIN:
            return
        if local == "si":
            self.count += 1
            if self.count > self.limits.max_cells:
                raise self._refuse()
        elif local == "sst":
            for key in ("count", "uniqueCount"):
                declared = attrs.get((None, key), "")
                if declared.isdigit() and int(declared) > self.limits.max_cells:
                    raise self._refuse()


class _OdsContent(ContentHandler):
    """Each table's rows and cells, repeats included; a repeated row or cell counts only when it
    holds something (LibreOffice pads sheets with empty repeats to their maximum size)."""

    def __init__(self, limits: ImportLimits) -> None:
        super().__init__()
        self.extent = _Extent(limits)
        self.limits = limits
        self.row = 0
        self.column = 0
        self.row_repeat = 1
        self.row_end = 0
        self.cell: tuple[int, int] | None = None
        self.cell_filled = False

    def startElementNS(self, name: tuple[str | None, str], qname: str | None, attrs: Any) -> None:
        uri, local = name
        if self.cell is not None:
            self.cell_filled = True
            return
        if uri != _TABLE:
            return
        if local == "table":
            self.row, self.extent.rows, self.extent.columns = 0, 0, 0
        elif local == "table-row":
            self.row_repeat = _repeat(attrs.get((_TABLE, "number-rows-repeated")))
            self.column, self.row_end = 0, 0
        elif local in ("table-cell", "covered-table-cell"):
            self.cell = (self.column, _repeat(attrs.get((_TABLE, "number-columns-repeated"))))
            self.cell_filled = attrs.get((_OFFICE, "value-type")) is not None

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:
        uri, local = name
        if uri != _TABLE:
            return
        if local in ("table-cell", "covered-table-cell") and self.cell is not None:
            start, repeat = self.cell
            self.column = start + repeat
            if self.cell_filled:
                self.row_end = self.column
                self.extent.reach(self.row + 1, self.column)
            self.cell = None
        elif local == "table-row":
            if self.row_end:
                self.extent.reach(self.row + self.row_repeat, self.row_end)
            self.row += self.row_repeat


def _repeat(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 12 else 1
