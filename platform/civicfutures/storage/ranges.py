"""HTTP byte ranges (RFC 9110 §14): which part of an object a `Range` header asks for.

One range per request: media players and download resumers ask for one; a multi-range request
is answered whole (200), which RFC 9110 allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPEC = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class Unsatisfiable(ValueError):
    """The range lies outside the object: answered 416 with `Content-Range: bytes */size`."""


@dataclass(frozen=True)
class ByteRange:
    """Bytes `start` to `end`, both included, as in `Content-Range`."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range asked for in an object of `size` bytes; None to send the whole object (no
    header, a unit other than bytes, several ranges, or syntax that is not a range)."""
    if not header or "," in header:
        return None
    match = _SPEC.match(header)
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable(header)
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise Unsatisfiable(header)
    return ByteRange(start, min(int(last), size - 1) if last else size - 1)
