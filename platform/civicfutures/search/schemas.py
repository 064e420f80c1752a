"""What a search answers."""

from __future__ import annotations

from msgspec import Struct


class SearchHit(Struct, kw_only=True):
    """One story found: `snippet` is HTML (the story's text escaped, matched words in
    `<mark>`), in the language `snippet_language` (the original's or a translation's)."""

    id: int
    title: str
    snippet: str
    snippet_language: str
    language: str
    site: str
    kind: str
    status: str
    score: float


class FacetCount(Struct):
    value: str
    count: int


class SearchPage(Struct, kw_only=True):
    """Hits in rank order (best first, then by id), the number of matches, and per filter the
    number of matching stories for each value."""

    q: str
    items: list[SearchHit]
    total: int
    limit: int
    offset: int
    facets: dict[str, list[FacetCount]]
