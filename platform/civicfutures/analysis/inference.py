"""Interval estimates and tests of independence used by the insights.

Wilson intervals are Polars expressions (they run inside the plan). The per-theme tests run
on small aggregated tables (one row per theme) through SciPy and NumPy.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
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


def chi_square_statistic(present: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Pearson's statistic of 2×S tables (present/absent × site); `present` may be B×S."""
    n_all = totals.sum()
    x_all = present.sum(axis=-1, keepdims=True) if present.ndim > 1 else present.sum()
    expected_present = totals * x_all / n_all
    expected_absent = totals - expected_present
    deviation = (present - expected_present) ** 2
    return (deviation / expected_present + deviation / expected_absent).sum(axis=-1)


def permutation_p_value(
    present: Sequence[int], totals: Sequence[int], permutations: int, seed: int
) -> float:
    """Monte-Carlo p-value of the chi-square statistic with both margins fixed.

    Tables are drawn from the multivariate hypergeometric distribution (the theme's stories
    dealt at random among the sites' stories); p = (1 + #{simulated ≥ observed}) / (B + 1).
    """
    x = np.asarray(present, dtype=np.int64)
    n = np.asarray(totals, dtype=np.int64)
    observed = float(chi_square_statistic(x.astype(float), n.astype(float)))
    rng = np.random.default_rng(seed)
    simulated = rng.multivariate_hypergeometric(n, int(x.sum()), size=permutations)
    statistics = chi_square_statistic(simulated.astype(float), n.astype(float))
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

    def compute(rows: pl.Series) -> pl.Series:
        values = [
            P_VALUES[row["test"]](row, permutations, seed) if row["test"] in P_VALUES else None
            for row in rows.to_list()
        ]
        return pl.Series(rows.name, values, dtype=pl.Float64)

    return compute
