"""Excerpt offsets into a story's text: code points of the NFC body, cut only between graphemes.

An offset inside a grapheme cluster (between a letter and its combining mark, inside an
emoji sequence) would produce an excerpt that starts with a bare harakah or ends with half a
letter; those offsets are refused rather than silently widened, so the client learns exactly
which character it split. Cluster boundaries follow Unicode's extended grapheme clusters
(UAX #29) through the `regex` module's `\\X`.
"""

from __future__ import annotations

import unicodedata

import regex

from civicfutures.i18n import gettext as _
from civicfutures.intake.validation import Checker

_GRAPHEME = regex.compile(r"\X")


def grapheme_boundaries(text: str) -> frozenset[int]:
    """Every index at which `text` may be cut without splitting a grapheme cluster."""
    bounds = {0, len(text)}
    bounds.update(match.end() for match in _GRAPHEME.finditer(text))
    return frozenset(bounds)


def check_span(check: Checker, field: str, body: str, start: int, end: int) -> bool:
    """Add a field error (under `field.start` / `field.end`) unless body[start:end] is a clean excerpt."""
    if start < 0 or end < 0:
        check.add(f"{field}.start", _("Offsets cannot be negative."))
        return False
    if start >= end:
        check.add(f"{field}.end", _("The end of an excerpt must come after its start."))
        return False
    if end > len(body):
        check.add(
            f"{field}.end",
            _("The excerpt ends after the story's text ({length} characters).").format(
                length=len(body)
            ),
        )
        return False
    bounds = grapheme_boundaries(body)
    ok = True
    for name, offset in (("start", start), ("end", end)):
        if offset not in bounds:
            check.add(
                f"{field}.{name}",
                _(
                    "Offset {offset} falls inside the character “{character}”: it would split a letter from its accent or mark. Move it to just before or after that character."
                ).format(offset=offset, character=_cluster_at(body, offset)),
            )
            ok = False
    if ok and not body[start:end].strip():
        check.add(f"{field}.end", _("The excerpt holds only spaces."))
        ok = False
    return ok


def _cluster_at(body: str, offset: int) -> str:
    for match in _GRAPHEME.finditer(body):
        if match.start() < offset < match.end():
            return match.group()
    return body[offset : offset + 1]


def locate(body: str, excerpt: str, occurrence: int = 1) -> tuple[int, int] | None:
    """The offsets of the n-th occurrence (from 1) of `excerpt` in `body` that starts and ends
    on grapheme boundaries, or None; the excerpt is NFC-normalised first like the body."""
    needle = unicodedata.normalize("NFC", excerpt)
    if not needle or occurrence < 1:
        return None
    found = occurrences(body, needle)
    if len(found) < occurrence:
        return None
    start = found[occurrence - 1]
    return start, start + len(needle)


def occurrences(body: str, needle: str) -> list[int]:
    """Start offsets where `needle` stands in `body` as whole graphemes (never mid-cluster)."""
    if not needle:
        return []
    bounds = grapheme_boundaries(body)
    found, index = [], body.find(needle)
    while index >= 0:
        if index in bounds and index + len(needle) in bounds:
            found.append(index)
        index = body.find(needle, index + 1)
    return found
