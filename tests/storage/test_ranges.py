from __future__ import annotations

import pytest

from civicfutures.storage.ranges import ByteRange, Unsatisfiable, parse_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=0-", ByteRange(0, 999)),
        ("bytes=990-2000", ByteRange(990, 999)),
        ("bytes=-10", ByteRange(990, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("BYTES = 5 - 5", ByteRange(5, 5)),
        (None, None),
        ("", None),
        ("items=0-1", None),
        ("bytes=0-1,5-6", None),
        ("bytes=5-1", None),
        ("bytes=-", None),
        ("bytes=x-1", None),
    ],
)
def test_ranges(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=1000-", 1000), ("bytes=-0", 1000), ("bytes=0-", 0)]
)
def test_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, size)


def test_content_range() -> None:
    assert ByteRange(0, 9).content_range(100) == "bytes 0-9/100"
    assert ByteRange(0, 9).length == 10
