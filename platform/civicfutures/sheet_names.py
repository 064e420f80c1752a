"""Excel sheet names from titles: at most 31 characters, none of `[]:*?/\\`, unique in a book.

A title that fits is kept as it is (forbidden characters become a space, runs of spaces one).
A longer title is cut on a word boundary and ends with `~` and four hex digits of its own
hash, so the same title always gets the same name and two long titles that start alike do
not collide; the sheet's first row keeps the full title.
"""

from __future__ import annotations

import hashlib
import re

MAX_CHARS = 31
FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SPACES = re.compile(r"\s+")
FALLBACK = "Sheet"


def _tag(title: str, n: int) -> str:
    digest = hashlib.sha256(f"{title}\x00{n}".encode()).hexdigest()
    return f" ~{digest[:4]}"


def _cut(text: str, limit: int) -> str:
    """`text` cut to `limit` characters at the last word boundary (mid-word only for one word)."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    boundary = head.rfind(" ")
    cut = head[:boundary] if boundary > 0 else text[:limit]
    return cut.rstrip(" -–—,.;")


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name for `title`; records it (case-folded) in `taken`."""
    clean = SPACES.sub(" ", FORBIDDEN.sub(" ", title)).strip().strip("'").strip() or FALLBACK
    name, n = clean, 0
    if len(clean) > MAX_CHARS or clean.casefold() in taken:
        n = 1
        tag = _tag(title, n)
        name = _cut(clean, MAX_CHARS - len(tag)) + tag
        while name.casefold() in taken:
            n += 1
            tag = _tag(title, n)
            name = _cut(clean, MAX_CHARS - len(tag)) + tag
    taken.add(name.casefold())
    return name
