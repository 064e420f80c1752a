"""Rendered archive answers, kept per archive version in each process.

A public page is the same for every visitor, so it is rendered once per (page, language,
data version) and served as bytes with its ETag. The data version (`db/version.py`) changes
with every change the archive shows (a withdrawal, an unpublished story or archive, an
erasure, an edit): each request reads it once, so a page
kept under an older version is never served again, in any process, once the change is
committed. The version is read before the data, so a page is never kept under a newer version
than the data it shows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from civicfutures.db.version import data_version
from civicfutures.web.public import etag_of

# Pages kept per process: a page is 5-40 kB, so at most a few tens of MB.
CAPACITY = 4096


@dataclass(frozen=True)
class Rendered:
    """An answer's bytes with their ETag, a digest of the bytes (the same in every process)."""

    body: bytes
    media_type: str
    etag: str

    @classmethod
    def of(cls, body: bytes, media_type: str) -> Rendered:
        return cls(body, media_type, etag_of(body, media_type))


async def archive_version() -> str:
    """The version the archive's pages are kept under: the data version."""
    return await data_version()


class RenderedPages:
    """The most recently used answers, each valid for the archive version it was rendered at."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._pages: OrderedDict[Hashable, tuple[str, Rendered]] = OrderedDict()

    def get(self, key: Hashable, version: str) -> Rendered | None:
        kept = self._pages.get(key)
        if kept is None or kept[0] != version:
            return None
        self._pages.move_to_end(key)
        return kept[1]

    def put(self, key: Hashable, version: str, rendered: Rendered) -> None:
        self._pages[key] = (version, rendered)
        self._pages.move_to_end(key)
        while len(self._pages) > self.capacity:
            self._pages.popitem(last=False)

    def clear(self) -> None:
        self._pages.clear()


# Story pages, and list pages apart: a flood of distinct searches never pushes stories out.
PAGES = RenderedPages()
LISTS = RenderedPages(capacity=1024)
