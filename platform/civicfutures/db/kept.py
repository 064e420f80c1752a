"""Values kept per process, each valid only for the data version it was derived at.

What is derived from the tables whose writes bump the data version (`db/version.py`) — a
form's definition, the sites an account works on — is exact until the next committed write,
in every process and without a clock: a reader looks the value up under the version it has
just read, and derives it again if the version moved. Read the version before the data, so
that a value is never kept under a newer version than the data it was derived from.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from civicfutures.recent import Recent

T = TypeVar("T")


class KeptByVersion(Generic[T]):
    """The most recently used values (at most `capacity`), each with the version it holds for."""

    def __init__(self, capacity: int) -> None:
        self._kept: Recent[Hashable, tuple[str, T]] = Recent(capacity)
        self._deriving: dict[tuple[Hashable, str], asyncio.Future[T]] = {}

    def get(self, key: Hashable, version: str) -> T | None:
        kept = self._kept.get(key)
        if kept is None or kept[0] != version:
            return None
        return kept[1]

    def put(self, key: Hashable, version: str, value: T) -> None:
        self._kept.put(key, (version, value))

    async def get_or_derive(
        self, key: Hashable, version: str, derive: Callable[[], Awaitable[T]]
    ) -> T:
        """The value kept for `key` at `version`, else `derive()`'s, kept. Requests that miss
        the same key at once wait for one derivation rather than each running it (a page
        asked by 32 connections right after a write would otherwise be read 32 times)."""
        kept = self.get(key, version)
        if kept is not None:
            return kept
        pending = self._deriving.get((key, version))
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except Exception:
                # The one derivation failed (a refusal, a cancelled request): derive alone.
                return await derive()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._deriving[(key, version)] = future
        try:
            value = await derive()
        except BaseException as error:
            future.set_exception(
                error if isinstance(error, Exception) else RuntimeError("not derived")
            )
            future.exception()  # retrieved: waiters derive alone
            raise
        finally:
            self._deriving.pop((key, version), None)
        future.set_result(value)
        self.put(key, version, value)
        return value

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        self._kept.clear()
