"""The words of the libraries that read input (msgspec, csv, the spreadsheet reader) as our own
localized messages.

A library's English error text never reaches a reader: each known shape becomes a message from
the catalogs, and an unknown one a general message, so a new library version cannot leak
untranslated text into a page or an API answer.
"""

from __future__ import annotations

import re

from civicfutures.i18n.runtime import gettext as _

_AT_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_MSGSPEC: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Object contains unknown field `(?P<name>[^`]+)`"), "unknown"),
    (re.compile(r"^Object missing required field `(?P<name>[^`]+)`"), "missing"),
    (re.compile(r"^Expected `(?P<expected>str|array|object)` of length <= (?P<n>\d+)"), "too_long"),
    (
        re.compile(r"^Expected `(?P<expected>str|array|object)` of length >= (?P<n>\d+)"),
        "too_short",
    ),
    (re.compile(r"^Expected `(?P<expected>int|float)` >= (?P<n>-?[\d.]+)"), "too_small"),
    (re.compile(r"^Expected `(?P<expected>int|float)` <= (?P<n>-?[\d.]+)"), "too_large"),
    (re.compile(r"^Expected `str` matching regex"), "pattern"),
    (re.compile(r"^Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`"), "type"),
    (re.compile(r"^Invalid enum value `?(?P<value>[^`]*)`?"), "choice"),
    (re.compile(r"^Invalid (RFC 3339 encoded datetime|ISO 8601 date)"), "date"),
    (re.compile(r"^Invalid date or time in field `(?P<name>[^`]+)`"), "date"),
]


def _expected_kind(expected: str) -> str:
    """What a field wants, from msgspec's type names (`int | null`, `array`, `str`)."""
    kinds = {part.strip() for part in expected.split("|")} - {"null"}
    if kinds <= {"int"}:
        return _("Enter a whole number.")
    if kinds <= {"int", "float"}:
        return _("Enter a number.")
    if kinds <= {"bool"}:
        return _("Enter true or false.")
    if kinds <= {"array"}:
        return _("Enter a list.")
    if kinds <= {"object"}:
        return _("Enter a group of named fields (a JSON object).")
    if kinds <= {"str"}:
        return _("Enter text.")
    return _("This value is not of the kind this field takes.")


def msgspec_message(message: str, where: str | None = None) -> tuple[str | None, str]:
    """A msgspec validation message as (field path, localized text).

    `where` is the path the caller already took out of the message (Litestar does), if any.
    """
    path = where
    match = _AT_PATH.search(message)
    if match:
        path = match.group("path").lstrip(".").replace("[", ".").replace("]", "") or None
        message = message[: match.start()]
    for pattern, kind in _MSGSPEC:
        found = pattern.match(message)
        if not found:
            continue
        values = found.groupdict()
        if "name" in values:
            path = f"{path}.{values['name']}" if path else values["name"]
        return path, _text(kind, values)
    return path, _("This value is not accepted here.")


def _text(kind: str, values: dict[str, str]) -> str:
    if kind == "unknown":
        return _("Unknown field.")
    if kind == "missing":
        return _("This field is required.")
    if kind == "type":
        return _expected_kind(values["expected"])
    if kind == "too_long":
        return _("Too long: at most {n}.").format(n=values["n"])
    if kind == "too_short":
        return _("Too short: at least {n}.").format(n=values["n"])
    if kind == "too_small":
        return _("Must be at least {n}.").format(n=values["n"])
    if kind == "too_large":
        return _("Must be at most {n}.").format(n=values["n"])
    if kind == "pattern":
        return _("The format is not allowed here.")
    if kind == "choice":
        return _("“{value}” is not one of the allowed values.").format(
            value=values.get("value", "")
        )
    return _("Not a valid date or time.")


_JSON_AT_BYTE = re.compile(r"\(byte (?P<n>\d+)\)")


def json_message(message: str) -> str:
    """msgspec's JSON decoding error (`JSON is malformed: … (byte 12)`) in the reader's words."""
    found = _JSON_AT_BYTE.search(message)
    if "truncated" in message.lower():
        return _("The JSON text ends too early: something is missing at its end.")
    if found:
        return _("The JSON text is malformed at byte {n}.").format(n=found.group("n"))
    return _("The JSON text is malformed.")


def csv_message(message: str, row: int) -> str:
    """The csv module's error on a row in the reader's words."""
    if "NUL" in message:
        return _("Row {row} contains a NUL character: save the file again as CSV UTF-8.").format(
            row=row
        )
    limit = re.search(r"field larger than field limit \((?P<n>\d+)\)", message)
    if limit:
        return _("Row {row} has a cell longer than {n} characters.").format(
            row=row, n=limit.group("n")
        )
    return _("Row {row} cannot be read as CSV: check the quotation marks in it.").format(row=row)
