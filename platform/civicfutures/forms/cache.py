"""Form definitions kept per process, each valid for the data version it was built at.

A definition is read from the project, its site, the site's workshops and storytellers and
the codebook (themes): a third of a form page's time went into reading them again on every
request. Every write to those tables bumps the data version (`db/version.py`), so a
definition kept under the version it was built at is exact until the next committed write,
in every process and without a clock: adding a theme shows in the next form served. The
version is read before the data, so a definition is never kept under a newer version than
the data it shows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

# Definitions kept per process. A story form is a few hundred choices (tens of kB); the key
# holds the form, site, language and the reader's access, so a busy server keeps one per
# (site, language, kind of account) in use.
CAPACITY = 512

T = TypeVar("T")


class KeptDefinitions(Generic[T]):
    """The most recently used definitions, each valid only for the version it was built at."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[Hashable, tuple[str, T]] = OrderedDict()

    def get(self, key: Hashable, version: str) -> T | None:
        kept = self._kept.get(key)
        if kept is None or kept[0] != version:
            return None
        self._kept.move_to_end(key)
        return kept[1]

    def put(self, key: Hashable, version: str, definition: T) -> None:
        self._kept[key] = (version, definition)
        self._kept.move_to_end(key)
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        self._kept.clear()
