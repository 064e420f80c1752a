"""Values kept per data version: requests that miss one key at once derive it once."""

from __future__ import annotations

import asyncio

import pytest

from civicfutures.db.kept import KeptByVersion


async def test_concurrent_misses_derive_once_and_a_new_version_derives_again():
    kept: KeptByVersion[int] = KeptByVersion(capacity=4)
    calls: list[str] = []

    async def derive(version: str) -> int:
        calls.append(version)
        await asyncio.sleep(0.01)
        return len(calls)

    first = await asyncio.gather(
        *(kept.get_or_derive("page", "v1", lambda: derive("v1")) for _ in range(8))
    )
    assert first == [1] * 8 and calls == ["v1"]
    assert await kept.get_or_derive("page", "v2", lambda: derive("v2")) == 2
    assert calls == ["v1", "v2"]


async def test_a_failed_derivation_is_not_kept_and_its_waiters_derive_alone():
    kept: KeptByVersion[int] = KeptByVersion(capacity=4)
    attempts = {"n": 0}

    async def derive() -> int:
        attempts["n"] += 1
        await asyncio.sleep(0.01)
        if attempts["n"] == 1:
            raise LookupError("refused")
        return 7

    results = await asyncio.gather(
        kept.get_or_derive("page", "v1", derive),
        kept.get_or_derive("page", "v1", derive),
        return_exceptions=True,
    )
    assert isinstance(results[0], LookupError) and results[1] == 7
    assert kept.get("page", "v1") is None or kept.get("page", "v1") == 7
    with pytest.raises(LookupError):
        await KeptByVersion(1).get_or_derive("x", "v", _refuse)


async def _refuse() -> int:
    raise LookupError("refused")
