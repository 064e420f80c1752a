"""Hostile spreadsheets made on the spot: far cells, zip bombs, entity bombs, endless rows."""

from __future__ import annotations

import io
import zipfile

from imports.spreadsheets import ods_by_odfpy, xlsx_by_openpyxl

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)


def with_member(data: bytes, name: str, content: bytes | None) -> bytes:
    """The archive with one member replaced (or left out when `content` is None)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info))
        if content is not None:
            target.writestr(name, content)
    return out.getvalue()


def _sheet(body: str, dimension: str | None = None, prolog: str = "") -> bytes:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">'
        f"{declared}<sheetData>{body}</sheetData></worksheet>"
    ).encode()


def _cell(ref: str, text: str = "x") -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _xlsx(sheet: bytes) -> bytes:
    return with_member(xlsx_by_openpyxl([["x"]]), "xl/worksheets/sheet1.xml", sheet)


def far_cell(ref: str, *, declared: bool = False) -> bytes:
    """An XLSX with a header at A1 and one cell at `ref` (optionally declared by `<dimension>`
    too): the reader allocates the rectangle between them."""
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    body = f'<row r="1">{_cell("A1", "Title")}</row><row r="{row}">{_cell(ref)}</row>'
    return _xlsx(_sheet(body, f"A1:{ref}" if declared else None))


def empty_rows(count: int) -> bytes:
    """An XLSX with one header cell, then `count` rows without a value."""
    rows = "".join(f'<row r="{n}"/>' for n in range(2, count + 2))
    return _xlsx(_sheet(f'<row r="1">{_cell("A1", "Title")}</row>{rows}'))


def wide_row(columns: int) -> bytes:
    """An XLSX whose first row holds `columns` cells (references written out)."""
    cells = "".join(_cell(f"{_letters(n)}1") for n in range(1, columns + 1))
    return _xlsx(_sheet(f'<row r="1">{cells}</row>'))


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def zip_bomb(unpacked_mib: int) -> bytes:
    """An XLSX whose sheet XML unpacks to `unpacked_mib` MiB of blanks around one cell."""
    out = io.BytesIO()
    base = xlsx_by_openpyxl([["x"]])
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info.filename, source.read(info))
        with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            blanks = b" " * (1024 * 1024)
            for _ in range(unpacked_mib):
                sheet.write(blanks)
            sheet.write(f'<row r="1">{_cell("A1")}</row></sheetData></worksheet>'.encode())
    return out.getvalue()


def laughing_xlsx(part: str) -> bytes:
    """An XLSX whose sheet or shared strings declare nested entities (billion laughs)."""
    if part == "sheet":
        return _xlsx(_sheet(f'<row r="1">{_cell("A1", "&lol9;")}</row>', prolog=LAUGHS))
    strings = (
        f'<?xml version="1.0"?>{LAUGHS}<sst xmlns="{MAIN}" count="1" uniqueCount="1">'
        "<si><t>&lol9;</t></si></sst>"
    ).encode()
    sheet = _sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    return with_member(_xlsx(sheet), "xl/sharedStrings.xml", strings)


def laughing_ods() -> bytes:
    """An ODS whose content.xml declares nested entities (billion laughs)."""
    data = ods_by_odfpy([["lol"]])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read("content.xml").decode()
    start = content.index("?>") + 2 if content.startswith("<?xml") else 0
    content = content[:start] + LAUGHS + content[start:].replace(">lol<", ">&lol9;<")
    return with_member(data, "content.xml", content.encode())


def repeated_ods_rows(count: int) -> bytes:
    """An ODS with a row of text repeated `count` times in one element."""
    data = ods_by_odfpy([["Title"], ["lol"]])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read("content.xml").decode()
    marker = "<table:table-row>"
    last = content.rindex(marker)
    content = (
        content[:last]
        + f'<table:table-row table:number-rows-repeated="{count}">'
        + content[last + len(marker) :]
    )
    return with_member(data, "content.xml", content.encode())


def malformed_xlsx() -> bytes:
    """An XLSX whose sheet XML is cut in the middle of a tag."""
    return _xlsx(b'<?xml version="1.0"?><worksheet xmlns="' + MAIN.encode() + b'"><sheetData><ro')
