"""Agreement between coders, per theme, on whether the theme is present in a story.

A unit is a story in scope coded by at least two of the compared coders (a coder "coded a
story" when they applied at least one theme to it); each coder's rating of a theme on a unit is
1 if they applied it, else 0.

The method follows the number of coders compared (those the request names, else every coder
of the snapshot):
- two coders: Cohen's kappa = (p_o − p_e) / (1 − p_e), with p_o the share of units where both
  agree and p_e = p_A p_B + (1 − p_A)(1 − p_B) from each coder's rate of applying the theme.
- three or more: Krippendorff's alpha for nominal data, which allows a coder to miss a unit:
  alpha = 1 − (n − 1) × Σ_u n1_u n0_u / (m_u − 1) / (n1 × n0), where unit u has m_u ratings,
  n1_u ones and n0_u zeros, n1 and n0 sum them and n = n1 + n0.
`value` is null when it is undefined (a theme every coder always or never applied).
`observed_agreement` is the share of agreeing rating pairs.

`bootstrap_interval` gives either statistic a percentile confidence interval from units
resampled with replacement under a fixed seed (`kappa_values`, `alpha_values` restate the two
formulas on per-unit ratings, many samples at once).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from civicfutures.analysis.themesets import Codebook, coder_sets

COUNTS = pl.Int64


def _coder_sets(sets: pl.LazyFrame) -> pl.LazyFrame:
    """The (story_id, coder, _w…) sets of stories coded by two or more coders, with their `m`."""
    return sets.with_columns(m=pl.len().over("story_id").cast(COUNTS)).filter(pl.col("m") >= 2)


MEASURES = {
    "units": COUNTS,
    "positive": COUNTS,
    "observed_agreement": pl.Float64,
    "value": pl.Float64,
}


def _frame(wide: pl.LazyFrame, codebook: Codebook, method: str) -> pl.LazyFrame:
    """A one-row frame of per-theme structs turned into one row per theme."""
    if not codebook.themes:
        return pl.LazyFrame(schema={"theme": pl.String, "method": pl.String, **MEASURES})
    return (
        wide.unpivot(
            on=[codebook.column(i) for i in range(len(codebook.themes))],
            variable_name="theme",
            value_name="_m",
        )
        .unnest("_m")
        .with_columns(codebook.named("theme"))
        .select("theme", pl.lit(method).alias("method"), *MEASURES)
    )


def cohen_kappa(sets: pl.LazyFrame, codebook: Codebook) -> pl.LazyFrame:
    """Cohen's kappa per theme between the first two coders (by name) over stories both coded.

    `sets`: (story_id, coder, _w…) the themes each coder applied (`themesets.coder_sets`).
    """
    ranked = (
        sets.select("coder")
        .unique()
        .sort("coder")
        .with_row_index("rank")
        .filter(pl.col("rank") < 2)
    )
    words = range(codebook.words)
    ranked_sets = sets.join(ranked, on="coder")

    def coder(rank: int, prefix: str) -> pl.LazyFrame:
        chosen = ranked_sets.filter(pl.col("rank") == rank)
        return chosen.select("story_id", *(pl.col(f"_w{w}").alias(f"{prefix}{w}") for w in words))

    # A coder has one set per story, so the units both coded are an inner join of the two.
    pairs = (
        coder(0, "_a")
        .join(coder(1, "_b"), on="story_id")
        .with_columns((pl.col(f"_a{w}") & pl.col(f"_b{w}")).alias(f"_x{w}") for w in words)
    )
    themes = range(len(codebook.themes))
    # Every count once, in one pass; the measures below are arithmetic on the one-row result.
    totals = pairs.select(
        pl.len().cast(pl.Float64).alias("_u"),
        *(codebook.has(i, "_a").sum().cast(pl.Float64).alias(f"_a{i}") for i in themes),
        *(codebook.has(i, "_b").sum().cast(pl.Float64).alias(f"_b{i}") for i in themes),
        *(codebook.has(i, "_x").sum().cast(pl.Float64).alias(f"_x{i}") for i in themes),
    )
    u = pl.col("_u")
    per_theme = []
    for i in themes:
        a, b, both = pl.col(f"_a{i}"), pl.col(f"_b{i}"), pl.col(f"_x{i}")
        observed = (u - a - b + 2 * both) / u
        chance = (a / u) * (b / u) + (1 - a / u) * (1 - b / u)
        per_theme.append(
            pl.struct(
                u.cast(COUNTS).alias("units"),
                (a + b - both).cast(COUNTS).alias("positive"),
                pl.when(u > 0).then(observed).alias("observed_agreement"),
                pl.when((u > 0) & (chance < 1))
                .then((observed - chance) / (1 - chance))
                .alias("value"),
            ).alias(codebook.column(i))
        )
    return _frame(totals.select(per_theme), codebook, "cohen_kappa")


def krippendorff_alpha(sets: pl.LazyFrame, codebook: Codebook) -> pl.LazyFrame:
    """Krippendorff's alpha (nominal, binary) per theme for any number of coders (`sets` as
    for `cohen_kappa`)."""
    themes = range(len(codebook.themes))
    # Per unit: its number of ratings `m`, and per theme how many of them are ones.
    per_unit = codebook.tally(
        _coder_sets(sets), ["story_id"], extra=[pl.len().cast(pl.Float64).alias("m")]
    ).with_columns(pl.col(codebook.column(i)).cast(pl.Float64).alias(f"_n{i}") for i in themes)
    # Every sum once, in one pass; the measures below are arithmetic on the one-row result.
    m = pl.col("m")
    totals = per_unit.select(
        pl.len().cast(COUNTS).alias("_units"),
        m.sum().alias("_n"),
        *(pl.col(f"_n{i}").sum().alias(f"_ones{i}") for i in themes),
        *((pl.col(f"_n{i}") > 0).sum().cast(COUNTS).alias(f"_pos{i}") for i in themes),
        *(
            (pl.col(f"_n{i}") * (m - pl.col(f"_n{i}")) / (m - 1)).sum().alias(f"_d{i}")
            for i in themes
        ),
    )
    n = pl.col("_n")
    per_theme = []
    for i in themes:
        n1, disagreements = pl.col(f"_ones{i}"), pl.col(f"_d{i}")
        n0 = n - n1
        per_theme.append(
            pl.struct(
                pl.col("_units").alias("units"),
                pl.col(f"_pos{i}").alias("positive"),
                pl.when(n > 0).then(1 - 2 * disagreements / n).alias("observed_agreement"),
                pl.when(n1 * n0 > 0).then(1 - (n - 1) * disagreements / (n1 * n0)).alias("value"),
            ).alias(codebook.column(i))
        )
    return _frame(totals.select(per_theme), codebook, "krippendorff_alpha")


def agreement(
    codings: pl.LazyFrame | None,
    codebook: Codebook,
    coders: int | None = None,
    sets: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Kappa when two coders are compared, alpha when more; `coders` column says how many.

    `coders` is the number of coders compared when the caller knows it (named in the request,
    or listed in the snapshot's manifest); otherwise both statistics are planned and the count
    found in the data picks the rows, so the plan needs no early collect. `sets`, when given,
    are the coders' sets of `codings` already built (`themesets.coder_sets`).
    """
    if sets is None:
        if codings is None:
            raise ValueError("agreement needs the codings or the coders' sets")
        sets = coder_sets(codings, codebook)
    n_coders = sets.select(coders=pl.col("coder").n_unique().cast(COUNTS))
    columns = ["theme", "method", "coders", "units", "positive", "observed_agreement", "value"]
    if coders is not None:
        chosen = cohen_kappa(sets, codebook) if coders == 2 else krippendorff_alpha(sets, codebook)
        return chosen.join(n_coders, how="cross").select(columns)
    kappa = cohen_kappa(sets, codebook).join(n_coders, how="cross").filter(pl.col("coders") == 2)
    alpha = (
        krippendorff_alpha(sets, codebook).join(n_coders, how="cross").filter(pl.col("coders") != 2)
    )
    return pl.concat([kappa, alpha]).select(columns)


def units(sets: pl.LazyFrame, codebook: Codebook, method: str) -> pl.LazyFrame:
    """The units the statistic of `method` rates, one row per story: `_w…` the themes any
    of its coders applied (a theme is `positive` on the unit), `_u…` those every one of them
    applied. Kappa rates the stories both of the first two coders (by name) coded; alpha
    every story coded by two or more coders."""
    if method == "cohen_kappa":
        first = sets.select("coder").unique().sort("coder").head(2)
        sets = sets.join(first, on="coder", how="semi")
    words = range(codebook.words)
    return (
        sets.group_by("story_id")
        .agg(
            pl.len().alias("m"),
            *(pl.col(f"_w{w}").bitwise_or() for w in words),
            *(pl.col(f"_w{w}").bitwise_and().alias(f"_u{w}") for w in words),
        )
        .filter(pl.col("m") >= 2)
        .drop("m")
    )


def method_for(coders: int) -> str:
    return "cohen_kappa" if coders == 2 else "krippendorff_alpha"


# ---------------------------------------------------------------- intervals by the bootstrap
#
# The statistics above as arithmetic on per-unit ratings. A bootstrap sample is a count of
# how often each unit was drawn; units with the same ratings are interchangeable, so a sample
# is drawn as multinomial counts over the distinct kinds of unit (at most a handful for
# binary ratings) rather than as a list of units: the same distribution as resampling units
# with replacement, at a cost that does not grow with the number of stories. `weights` holds
# one sample per row (units drawn per kind); a statistic undefined on a row (a theme every
# coder always or never applied in that sample) is NaN there.

BOOTSTRAP_DRAWS = 2000
BOOTSTRAP_SEED = 20261206


def _weights(columns: int, weights: np.ndarray | None) -> np.ndarray:
    return np.ones((1, columns)) if weights is None else np.atleast_2d(weights).astype(float)


def kappa_values(a: np.ndarray, b: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Cohen's kappa per row of `weights` (all ones: the units as given): `a`, `b` the two
    coders' 0/1 ratings of the same units."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    w = _weights(a.size, weights)
    u = w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pa, pb = (w * a).sum(axis=1) / u, (w * b).sum(axis=1) / u
        observed = (w * (a == b)).sum(axis=1) / u
        chance = pa * pb + (1 - pa) * (1 - pb)
        return np.where((u > 0) & (chance < 1), (observed - chance) / (1 - chance), np.nan)


def alpha_values(ones: np.ndarray, m: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Krippendorff's alpha (nominal, binary) per row of `weights`: per unit `m` ratings
    (m ≥ 2), of which `ones` apply the theme."""
    ones, m = np.asarray(ones, dtype=float), np.asarray(m, dtype=float)
    w = _weights(ones.size, weights)
    n = (w * m).sum(axis=1)
    n1 = (w * ones).sum(axis=1)
    n0 = n - n1
    disagreements = (w * (ones * (m - ones) / (m - 1))).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n1 * n0 > 0, 1 - (n - 1) * disagreements / (n1 * n0), np.nan)


def bootstrap_interval(
    statistic: Callable[..., np.ndarray],
    *columns: np.ndarray,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of `statistic` over units resampled with replacement.

    `columns` are per-unit arrays of equal length (the ratings `statistic` reads). The same
    inputs and seed always give the same interval. Draws where the statistic is undefined are
    left out; None when there are fewer than two units or no draw defines it.
    """
    units = len(columns[0]) if columns else 0
    if units < 2:
        return None
    kinds, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(units, counts / units, size=draws)
    values = statistic(*kinds.T, weights=weights)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)
