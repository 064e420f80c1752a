"""The codebook as files other tools read: REFI-QDA `.qdc` and Taguette's CSV.

Pure functions between bytes and `Entry` lists; the service decides what an import changes.

- `.qdc`: a `CodeBook` of nested `Code`s (namespace `urn:QDA-XML:codebook:1.0`). A code's
  `name` is the theme's label in one language, its `Description` the description followed by a
  last line `key · kind` (the same footer as the project's `.qdpx`), so an import finds the
  theme again; codes written by other tools have no such line and get a key from their name.
  A retired theme is a code that is not codable (`isCodable="false"`).
- CSV: the columns `name`, `description`, `parent` (the parent's name), as Taguette writes
  and reads a codebook; Taguette's `tag` column is read as `name`.

Reading refuses a document type or entities (defusedxml), files over `MAX_BYTES` and more than
`MAX_ENTRIES` themes, naming the field (`file`) or the row (`rows.N.name`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from lxml import etree

from civicfutures.errors import FieldError, InvalidInput
from civicfutures.exports.refiqda import CODEBOOK_NS, KIND_COLOURS, ORIGIN, guid
from civicfutures.i18n import gettext as _

MAX_BYTES = 1_000_000
MAX_ENTRIES = 2_000
MAX_NAME = 500
MAX_DESCRIPTION = 500
FOOTER = re.compile(r"^(?P<key>[a-z0-9][a-z0-9_.-]{0,63}) · (?P<kind>[^\n]+)$")
KEY_CHARS = re.compile(r"[^a-z0-9]+")
CSV_COLUMNS = ("name", "description", "parent")


@dataclass(frozen=True)
class Entry:
    """One theme as a file carries it: a name and description in one language."""

    name: str
    description: str = ""
    parent: str | None = None  # the parent's name
    key: str | None = None  # known when the file came from this platform
    kind: str | None = None  # a kind code or its label in some language
    retired: bool = False
    parent_key: str | None = None  # set when written from the database


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(_("The codebook file cannot be imported."), [FieldError(field, message)])


def key_for(name: str) -> str:
    """A theme key from a name: ASCII letters and digits where the name has them, else a
    short digest (an Arabic or Ukrainian name is never transliterated)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    key = KEY_CHARS.sub("_", folded).strip("_")[:56]
    if len(key) < 2:
        key = "theme_" + hashlib.sha256(name.encode()).hexdigest()[:10]
    return key


# ------------------------------------------------------------------ writing


def write_qdc(entries: list[Entry], project: str, kind_labels: dict[str, str]) -> bytes:
    """The codebook as a REFI-QDA `.qdc`; `entries` in codebook order, nested by `parent_key`."""
    root = etree.Element(
        f"{{{CODEBOOK_NS}}}CodeBook", {"origin": ORIGIN}, nsmap={None: CODEBOOK_NS}
    )
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    keys = {entry.key for entry in entries}
    children: dict[str | None, list[Entry]] = {}
    for entry in entries:
        parent = entry.parent_key if entry.parent_key in keys else None
        children.setdefault(parent, []).append(entry)

    def write(parent_element: etree._Element, entry: Entry) -> None:
        code = etree.SubElement(
            parent_element,
            f"{{{CODEBOOK_NS}}}Code",
            {
                "guid": guid(project, "code", entry.key),
                "name": entry.name,
                "isCodable": "false" if entry.retired else "true",
                "color": KIND_COLOURS.get(entry.kind or "", KIND_COLOURS["other"]),
            },
        )
        kind = kind_labels.get(entry.kind or "other", entry.kind or "other")
        footer = f"{entry.key} · {kind}"
        description = etree.SubElement(code, f"{{{CODEBOOK_NS}}}Description")
        description.text = f"{entry.description}\n\n{footer}" if entry.description else footer
        for child in children.get(entry.key, []):
            write(code, child)

    for entry in children.get(None, []):
        write(codes, entry)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", standalone=True)


def write_csv(entries: list[Entry]) -> bytes:
    """The codebook as Taguette's CSV: `name`, `description`, `parent` (UTF-8, with a BOM so
    spreadsheet programs read the accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow([entry.name, entry.description, entry.parent or ""])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# ------------------------------------------------------------------ reading


def _checked_size(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise _invalid(
            "file",
            _("The file is larger than {size} MB.").format(size=MAX_BYTES // 1_000_000),
        )
    if not data.strip():
        raise _invalid("file", _("The file is empty."))


def _checked_entry(index: int, entry: Entry, errors: list[FieldError]) -> None:
    row = f"rows.{index}"
    if not entry.name:
        errors.append(
            FieldError(f"{row}.name", _("Row {n}: the name is empty.").format(n=index + 1))
        )
    elif len(entry.name) > MAX_NAME:
        errors.append(
            FieldError(
                f"{row}.name",
                _("Row {n}: the name is longer than {max} characters.").format(
                    n=index + 1, max=MAX_NAME
                ),
            )
        )
    if len(entry.description) > MAX_DESCRIPTION:
        errors.append(
            FieldError(
                f"{row}.description",
                _("Row {n}: the description is longer than {max} characters.").format(
                    n=index + 1, max=MAX_DESCRIPTION
                ),
            )
        )


def check_entries(entries: list[Entry]) -> None:
    """Every name present, unique and of a sane length; parents named in the file; no cycle."""
    if len(entries) > MAX_ENTRIES:
        raise _invalid("file", _("The file has more than {max} themes.").format(max=MAX_ENTRIES))
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        _checked_entry(index, entry, errors)
        folded = entry.name.casefold()
        if entry.name and folded in seen:
            errors.append(
                FieldError(
                    f"rows.{index}.name",
                    _("Row {n}: “{name}” is already the name of row {first}.").format(
                        n=index + 1, name=entry.name[:80], first=seen[folded] + 1
                    ),
                )
            )
        seen.setdefault(folded, index)
    parents = {e.name.casefold(): (e.parent or "").casefold() for e in entries}
    for index, entry in enumerate(entries):
        if entry.parent and entry.parent.casefold() not in parents:
            errors.append(
                FieldError(
                    f"rows.{index}.parent",
                    _("Row {n}: the parent “{parent}” is not a theme of this file.").format(
                        n=index + 1, parent=entry.parent[:80]
                    ),
                )
            )
            continue
        walked, current = set(), entry.name.casefold()
        while current and current not in walked:
            walked.add(current)
            current = parents.get(current, "")
        if current:
            errors.append(
                FieldError(
                    f"rows.{index}.parent",
                    _("Row {n}: the parents of “{name}” go round in a circle.").format(
                        n=index + 1, name=entry.name[:80]
                    ),
                )
            )
    if errors:
        raise InvalidInput(_("The codebook file cannot be imported."), errors)


def read_csv(data: bytes) -> list[Entry]:
    """Entries of a Taguette-style CSV; the header names the columns in any order."""
    _checked_size(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _invalid("file", _("The file is not UTF-8 text.")) from None
    text = unicodedata.normalize("NFC", text)
    if "\x00" in text:
        raise _invalid("file", _("The file is not UTF-8 text."))
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise _invalid("file", _("The file is not a CSV file.")) from None
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    header = ["name" if cell == "tag" else cell for cell in header]
    if "name" not in header:
        raise _invalid("name", _("The file has no “name” column."))
    at = {column: header.index(column) for column in CSV_COLUMNS if column in header}

    def cell(row: list[str], column: str) -> str:
        index = at.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    entries = [
        Entry(
            name=cell(row, "name"),
            description=cell(row, "description"),
            parent=cell(row, "parent") or None,
        )
        for row in rows[1:]
        if any(c.strip() for c in row)
    ]
    check_entries(entries)
    return entries


def read_qdc(data: bytes) -> list[Entry]:
    """Entries of a REFI-QDA codebook, parents from the nesting, in document order."""
    _checked_size(data)
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise _invalid(
            "file", _("The file declares a document type or entities, which are not accepted.")
        ) from None
    except Exception:
        raise _invalid("file", _("The file is not well-formed XML.")) from None
    if root.tag != f"{{{CODEBOOK_NS}}}CodeBook":
        raise _invalid("file", _("The file is not a REFI-QDA codebook (.qdc)."))
    codes = root.find(f"{{{CODEBOOK_NS}}}Codes")
    entries: list[Entry] = []

    def walk(element, parent: str | None) -> None:
        for code in element.findall(f"{{{CODEBOOK_NS}}}Code"):
            if len(entries) > MAX_ENTRIES:
                return
            name = unicodedata.normalize("NFC", (code.get("name") or "").strip())
            text = code.findtext(f"{{{CODEBOOK_NS}}}Description") or ""
            text = unicodedata.normalize("NFC", text.strip())
            body, _sep, last = text.rpartition("\n")
            footer = FOOTER.match(last.strip())
            key = kind = None
            if footer:
                key, kind, text = footer["key"], footer["kind"].strip(), body.strip()
            entries.append(
                Entry(
                    name=name,
                    description=text,
                    parent=parent,
                    key=key,
                    kind=kind,
                    retired=(code.get("isCodable") or "true").strip().lower() in ("false", "0"),
                )
            )
            walk(code, name)

    if codes is not None:
        walk(codes, None)
    check_entries(entries)
    return entries
