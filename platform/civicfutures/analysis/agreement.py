"""Agreement between coders, per theme, on whether the theme is present in a story.

A unit is a story in scope coded by at least two of the compared coders (a coder "coded a
story" when they applied at least one theme to it); each coder's rating of a theme on a unit is
1 if they applied it, else 0.

- Two coders: Cohen's kappa = (p_o − p_e) / (1 − p_e), with p_o the share of units where both
  agree and p_e = p_A p_B + (1 − p_A)(1 − p_B) from each coder's rate of applying the theme.
- Three or more: Krippendorff's alpha for nominal data, which allows a coder to miss a unit:
  alpha = 1 − (n − 1) × Σ_u n1_u n0_u / (m_u − 1) / (n1 × n0), where unit u has m_u ratings,
  n1_u ones and n0_u zeros, n1 and n0 sum them and n = n1 + n0.
`value` is null when it is undefined (a theme every coder always or never applied).
`observed_agreement` is the share of agreeing rating pairs.
"""

from __future__ import annotations

import polars as pl

COUNTS = pl.Int64


def _units(codings: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    rated = codings.select("story_id", "coder").unique()
    units = rated.group_by("story_id").agg(m=pl.len().cast(COUNTS)).filter(pl.col("m") >= 2)
    ones = (
        codings.join(units, on="story_id", how="semi").select("story_id", "theme", "coder").unique()
    )
    return units, ones


def cohen_kappa(codings: pl.LazyFrame, themes: pl.LazyFrame) -> pl.LazyFrame:
    """Cohen's kappa per theme between the first two coders (by name) over stories both coded."""
    ranked = (
        codings.select("coder")
        .unique()
        .sort("coder")
        .with_row_index("rank")
        .filter(pl.col("rank") < 2)
    )
    codings = codings.join(ranked, on="coder")
    units, ones = _units(codings)
    n_units = units.select(units=pl.len().cast(COUNTS))
    per_theme = (
        ones.join(ranked, on="coder")
        .group_by("theme")
        .agg(
            a=(pl.col("rank") == 0).sum().cast(COUNTS),
            b=(pl.col("rank") == 1).sum().cast(COUNTS),
            both=pl.col("story_id")
            .filter(pl.col("story_id").is_duplicated())
            .n_unique()
            .cast(COUNTS),
        )
    )
    u = pl.col("units").cast(pl.Float64)
    p_a, p_b = pl.col("a") / u, pl.col("b") / u
    observed = (u - pl.col("a") - pl.col("b") + 2 * pl.col("both")) / u
    chance = p_a * p_b + (1 - p_a) * (1 - p_b)
    return (
        themes.select("theme")
        .join(per_theme, on="theme", how="left")
        .join(n_units, how="cross")
        .with_columns(pl.col("a", "b", "both").fill_null(0))
        .with_columns(
            observed_agreement=pl.when(u > 0).then(observed),
            value=pl.when((u > 0) & (chance < 1)).then((observed - chance) / (1 - chance)),
        )
        .select(
            "theme",
            method=pl.lit("cohen_kappa"),
            units="units",
            positive=pl.col("a") + pl.col("b") - pl.col("both"),
            observed_agreement="observed_agreement",
            value="value",
        )
    )


def krippendorff_alpha(codings: pl.LazyFrame, themes: pl.LazyFrame) -> pl.LazyFrame:
    """Krippendorff's alpha (nominal, binary) per theme for any number of coders."""
    units, ones = _units(codings)
    totals = units.select(units=pl.len().cast(COUNTS), ratings=pl.col("m").sum().cast(pl.Float64))
    per_unit = (
        ones.group_by("theme", "story_id")
        .agg(n1=pl.len().cast(pl.Float64))
        .join(units, on="story_id")
    )
    per_theme = per_unit.group_by("theme").agg(
        n1=pl.col("n1").sum(),
        disagreements=(pl.col("n1") * (pl.col("m") - pl.col("n1")) / (pl.col("m") - 1)).sum(),
        positive=pl.len().cast(COUNTS),
    )
    n = pl.col("ratings")
    n0 = n - pl.col("n1")
    return (
        themes.select("theme")
        .join(per_theme, on="theme", how="left")
        .join(totals, how="cross")
        .with_columns(pl.col("n1", "disagreements").fill_null(0.0), pl.col("positive").fill_null(0))
        .with_columns(
            observed_agreement=pl.when(n > 0).then(1 - 2 * pl.col("disagreements") / n),
            value=pl.when(pl.col("n1") * n0 > 0).then(
                1 - (n - 1) * pl.col("disagreements") / (pl.col("n1") * n0)
            ),
        )
        .select(
            "theme",
            method=pl.lit("krippendorff_alpha"),
            units="units",
            positive="positive",
            observed_agreement="observed_agreement",
            value="value",
        )
    )


def agreement(codings: pl.LazyFrame, themes: pl.LazyFrame) -> pl.LazyFrame:
    """Kappa when exactly two coders are compared, alpha when more; `coders` says how many.

    Both are planned and the coder count picks the rows, so the plan needs no early collect.
    """
    n_coders = codings.select(coders=pl.col("coder").n_unique().cast(COUNTS))
    kappa = cohen_kappa(codings, themes).join(n_coders, how="cross").filter(pl.col("coders") == 2)
    alpha = (
        krippendorff_alpha(codings, themes)
        .join(n_coders, how="cross")
        .filter(pl.col("coders") != 2)
    )
    return pl.concat([kappa, alpha]).select(
        "theme", "method", "coders", "units", "positive", "observed_agreement", "value"
    )
