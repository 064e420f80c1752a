"""Values kept per process, each valid only for the data version it was derived at.

What is derived from the tables whose writes bump the data version (`db/version.py`) — a
form's definition, the sites an account works on — is exact until the next committed write,
in every process and without a clock: a reader looks the value up under the version it has
just read, and derives it again if the version moved. Read the version before the data, so
that a value is never kept under a newer version than the data it was derived from.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class KeptByVersion(Generic[T]):
    """The most recently used values (at most `capacity`), each with the version it holds for."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[Hashable, tuple[str, T]] = OrderedDict()

    def get(self, key: Hashable, version: str) -> T | None:
        kept = self._kept.get(key)
        if kept is None or kept[0] != version:
            return None
        self._kept.move_to_end(key)
        return kept[1]

    def put(self, key: Hashable, version: str, value: T) -> None:
        self._kept[key] = (version, value)
        self._kept.move_to_end(key)
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        self._kept.clear()
