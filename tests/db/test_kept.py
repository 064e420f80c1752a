"""Values kept per data version: bounded, least recently used dropped first, valid only for
their own version."""

from civicfutures.db.kept import KeptByVersion


def test_kept_values_are_bounded_and_drop_the_least_recently_used():
    kept: KeptByVersion[str] = KeptByVersion(capacity=2)
    kept.put("a", "v1", "value a")
    kept.put("b", "v1", "value b")
    assert kept.get("a", "v1") == "value a"  # now the most recently used
    kept.put("c", "v1", "value c")
    assert len(kept) == 2
    assert kept.get("b", "v1") is None
    assert kept.get("a", "v1") == "value a"
    # A value is valid only for the version it was derived at.
    assert kept.get("c", "v2") is None
