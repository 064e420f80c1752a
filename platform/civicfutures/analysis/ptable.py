"""The perturbation table of the cell key method: (true count, cell key) → published count.

Generated deterministically from the parameters below and the project's k, never drawn at
random: the same count with the same key always publishes the same value, and anybody may
rebuild the table (its secrecy protects nothing; the record keys are the secret).

- Counts of at least k + D (D = `MAX_PERTURBATION`) move by −2…+2 with the key counts of
  `SPREAD` among the 256 keys: symmetric, so the mean perturbation is exactly 0, and the
  variance is (2·77·1 + 2·13·4) / 256 = 1.008.
- Counts from k to k + D − 1 use the same spread clipped to ±(count − k): still symmetric
  (mean 0), smaller variance, and never below k.
- Counts from 1 to k − 1 are never published as such: they become 0 or k, k for
  round(256·n/k) of the keys, so the published value's mean stays n (to within 1/256 of k).
- 0 stays 0: a cell resting on nobody has no key to perturb it with.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from civicfutures.db.record_key import RECORD_KEY_RANGE

MAX_PERTURBATION = 2
# How many of the 256 keys give each perturbation of a large count.
SPREAD = {-2: 13, -1: 77, 0: 76, 1: 77, 2: 13}


def largest_change(k: int) -> int:
    """The most a published cell differs from its true count: D, or k − 1 for a small count."""
    return max(MAX_PERTURBATION, k - 1)


def _row(count: int, k: int) -> list[int]:
    """The published counts of one true count, one per key (key order)."""
    if count == 0:
        return [0] * RECORD_KEY_RANGE
    if count < k:
        raised = round(RECORD_KEY_RANGE * count / k)
        return [0] * (RECORD_KEY_RANGE - raised) + [k] * raised
    reach = min(MAX_PERTURBATION, count - k)
    out: list[int] = []
    for change, keys in sorted(SPREAD.items()):
        out += [count + max(-reach, min(reach, change))] * keys
    return out


@cache
def ptable(k: int) -> pl.DataFrame:
    """The table for threshold k: `count` (0 … k + D), `key` (0 … 255), `published`.

    A count above the last row moves as the last row does.
    """
    counts = range(k + MAX_PERTURBATION + 1)
    return pl.DataFrame(
        {
            "count": [n for n in counts for _ in range(RECORD_KEY_RANGE)],
            "key": [key for _ in counts for key in range(RECORD_KEY_RANGE)],
            "published": [value for n in counts for value in _row(n, k)],
        },
        schema={"count": pl.Int64, "key": pl.Int64, "published": pl.Int64},
    )


def published(count: pl.Expr, key: pl.Expr, k: int) -> pl.Expr:
    """The published value of `count` given its cell `key` (any integer; taken modulo 256)."""
    table = ptable(k)
    last = k + MAX_PERTURBATION
    row = pl.min_horizontal(count, pl.lit(last))
    index = row * RECORD_KEY_RANGE + key.mod(RECORD_KEY_RANGE)
    change = (table["published"] - table["count"]).to_list()
    moved = index.replace_strict(list(range(len(change))), change, return_dtype=pl.Int64)
    return pl.when(count.is_null()).then(None).otherwise(count + moved)
