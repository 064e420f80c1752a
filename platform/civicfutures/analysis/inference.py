"""Interval estimates and tests of independence used by the insights.

Wilson intervals are Polars expressions (they run inside the plan). The per-theme tests run
on small aggregated tables (one row per theme) through SciPy and NumPy.
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import polars as pl

Z95 = 1.959963984540054


def wilson(stories: pl.Expr, total: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """Wilson score interval of the proportion stories/total; null when total is 0.

    The interval always contains the observed share; the clamps only absorb rounding at 0 and 1.
    """
    n = total.cast(pl.Float64)
    p = stories.cast(pl.Float64) / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt() / denominator
    low = pl.min_horizontal(centre - half, p).clip(0.0, 1.0)
    high = pl.max_horizontal(centre + half, p).clip(0.0, 1.0)
    valid = total > 0
    return pl.when(valid).then(low), pl.when(valid).then(high)


def wilson_interval(stories: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The same interval for plain numbers (tests and checks)."""
    p = stories / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denominator
    return max(0.0, min(centre - half, p)), min(1.0, max(centre + half, p))


# `multivariate_hypergeometric(method="count")` deals the stories one at a time and costs about
# a step per story dealt; "marginals" draws one hypergeometric variate per site, measured about
# seven times dearer a step (NumPy 2, 200 sites, 9,999 tables: 0.012 s against 0.26 s for 68
# stories, 0.12 s against 0.21 s for 703).
COUNT_PER_SITE = 7


def simulated_tables(
    totals: np.ndarray, drawn: int, permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """`permutations` tables of `drawn` stories dealt at random among the sites' `totals`.

    Whichever is fewer is dealt, the theme's stories or the others, by whichever method costs
    less: the tables follow the same distribution either way.
    """
    others = int(totals.sum()) - drawn
    fewer = min(drawn, others)
    method = "count" if fewer < COUNT_PER_SITE * len(totals) else "marginals"
    tables = rng.multivariate_hypergeometric(totals, fewer, size=permutations, method=method)
    return tables if fewer == drawn else totals - tables


def permutation_p_value(
    present: Sequence[int], totals: Sequence[int], permutations: int, seed: int
) -> float:
    """Monte-Carlo p-value of the chi-square statistic with both margins fixed.

    Tables are drawn from the multivariate hypergeometric distribution (the theme's stories
    dealt at random among the sites' stories); p = (1 + #{simulated ≥ observed}) / (B + 1).
    """
    x = np.asarray(present, dtype=np.int64)
    n = np.asarray(totals, dtype=np.int64)
    drawn = int(x.sum())
    # Both margins are fixed, so every table has the same expected counts and the statistic
    # is a weighted sum of squared deviations: one matrix product for all the tables.
    expected = n * (drawn / n.sum())
    weights = 1 / expected + 1 / (n - expected)
    observed = float(((x - expected) ** 2) @ weights)
    simulated = simulated_tables(n, drawn, permutations, np.random.default_rng(seed))
    deviations = simulated - expected
    statistics = np.square(deviations, out=deviations) @ weights
    # A relative tolerance keeps ties (equal tables) counted despite rounding.
    extreme = int(np.count_nonzero(statistics >= observed * (1 - 1e-9)))
    return (1 + extreme) / (permutations + 1)


def theme_seed(seed: int, theme: str) -> int:
    """A per-theme seed: a theme's p-value does not depend on which other themes are tested."""
    return (seed * 1_000_003 + zlib.crc32(theme.encode("utf-8"))) % 2**63


def _chi_square_p(row: dict[str, Any], permutations: int, seed: int) -> float:
    # SciPy takes about a second to import: only the analyses that test independence pay for it.
    from scipy import stats

    return float(stats.chi2.sf(row["statistic"], row["dof"]))


def _fisher_p(row: dict[str, Any], permutations: int, seed: int) -> float:
    (x1, x2), (n1, n2) = row["present"], row["totals"]
    from scipy import stats

    return float(stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue)


def _permutation_p(row: dict[str, Any], permutations: int, seed: int) -> float:
    return permutation_p_value(
        row["present"], row["totals"], permutations, theme_seed(seed, row["theme"])
    )


P_VALUES: dict[str, Callable[[dict[str, Any], int, int], float]] = {
    "chi_square": _chi_square_p,
    "fisher_exact": _fisher_p,
    "permutation": _permutation_p,
}


def p_values(permutations: int, seed: int) -> Callable[[pl.Series], pl.Series]:
    """A batch function for `map_batches`: p-value of each theme's chosen test (null for none)."""

    def p_value(row: dict[str, Any]) -> float | None:
        test = P_VALUES.get(row["test"])
        return None if test is None else test(row, permutations, seed)

    def compute(rows: pl.Series) -> pl.Series:
        listed = rows.to_list()
        # NumPy draws the tables without the GIL, so themes tested by simulation share the
        # cores (at 10^4 stories all 60 themes are, and they are most of the suite's time).
        # Each theme has its own seed, so the p-values do not depend on the order of work.
        if sum(row["test"] == "permutation" for row in listed) > 1:
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
                values = list(pool.map(p_value, listed))
        else:
            values = [p_value(row) for row in listed]
        return pl.Series(rows.name, values, dtype=pl.Float64)

    return compute
