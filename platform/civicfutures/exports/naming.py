"""Variable names and labels that SPSS and Stata accept.

Names: ASCII letters, digits and `_`, starting with a letter, at most 28 characters, not a
reserved word of either program, unique without regard to case. Stata allows 32 characters
and SPSS 64 bytes, but pyreadstat names a variable's value-label set after the variable plus a
running number and readstat refuses label-set names past 31 bytes: 28 leaves room for 999
labelled variables. Letters with diacritics are transliterated (`ł` → `l`, `ą` → `a`).
Labels keep their diacritics (both files are written in UTF-8); Stata variable labels are cut
to 80 characters, SPSS variable labels to 256 bytes and SPSS value labels to 120 bytes, always
on a character boundary.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_NAME = 28
STATA_LABEL_CHARS = 80
SPSS_LABEL_BYTES = 256
SPSS_VALUE_LABEL_BYTES = 120
STATA_VALUE_LABEL_CHARS = 32_000

SPSS_RESERVED = {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
STATA_RESERVED = {
    "_all", "_b", "_coef", "_cons", "_n", "_pi", "_pred", "_rc", "_se", "_skip", "byte",
    "double", "float", "if", "in", "int", "long", "str", "strl", "using", "with",
}  # fmt: skip
# Letters NFKD does not take apart.
SPECIAL = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae",
     "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th", "ð": "d"}
)  # fmt: skip


def ascii_name(text: str) -> str:
    """`Łódź wiek` → `Lodz_wiek`: transliterated, other characters as `_`."""
    decomposed = unicodedata.normalize("NFKD", text.translate(SPECIAL))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9]+", "_", plain).strip("_")


def variable_names(wanted: Iterable[str]) -> dict[str, str]:
    """`{wanted: valid unique name}` in input order; clashes get a numeric suffix."""
    taken: set[str] = set()
    result: dict[str, str] = {}
    for original in wanted:
        base = ascii_name(original) or "v"
        if not base[0].isalpha():
            base = f"v{base}"
        if base.lower() in SPSS_RESERVED | STATA_RESERVED:
            base = f"{base}_"
        base = base[:MAX_NAME]
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            suffix = f"_{n}"
            name = base[: MAX_NAME - len(suffix)] + suffix
        taken.add(name.lower())
        result[original] = name
    return result


def cut_chars(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def cut_bytes(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, never splitting a character."""
    if len(text.encode("utf-8")) <= limit:
        return text
    ellipsis = "…"
    budget = limit - len(ellipsis.encode("utf-8"))
    out = text.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip()
    return out + ellipsis


def byte_lines(text: str, limit: int) -> list[str]:
    """Words packed into lines of at most `limit` UTF-8 bytes (SPSS document lines are 80)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if len(candidate.encode("utf-8")) <= limit:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = cut_bytes(word, limit)
    if current:
        lines.append(current)
    return lines


def variable_label(text: str, program: str) -> str:
    if program == "dta":
        return cut_chars(text, STATA_LABEL_CHARS)
    return cut_bytes(text, SPSS_LABEL_BYTES)


def value_label(text: str, program: str) -> str:
    if program == "dta":
        return cut_chars(text, STATA_VALUE_LABEL_CHARS)
    return cut_bytes(text, SPSS_VALUE_LABEL_BYTES)
