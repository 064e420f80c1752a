"""Comparison across sites: is a theme's prevalence independent of the site?

For each theme, the 2×S table (stories with / without the theme × S sites with stories) is
tested for independence:

- `chi_square` (Pearson, dof = S − 1) when the expected counts allow it, by Cochran's rule:
  no expected count below 1 and at most 20% of them below 5;
- otherwise `fisher_exact` (two-sided) for two sites, and a Monte-Carlo `permutation` test
  for more (both margins fixed, seeded per theme, p = (1 + #{χ²_sim ≥ χ²_obs}) / (B + 1));
- `none` with `too_few_to_compare` when no test means anything: fewer than two sites, or the
  theme present in no story or in every story.

Per site, `expected` = total × X / N and the adjusted standardized residual is
(stories − expected) / sqrt(expected × (1 − total/N) × (1 − X/N)), where X is the theme's
stories and N all stories across the sites. A theme is `distinctive` for a site when the
residual exceeds 1.96 and the theme's test rejects independence at `alpha` (a lone large
residual in a table that does not differ overall is not reported as distinctive).
"""

from __future__ import annotations

import polars as pl

from civicfutures.analysis.inference import p_values

RESIDUAL_THRESHOLD = 1.96
COCHRAN_MIN = 1.0
COCHRAN_SMALL = 5.0
COCHRAN_SMALL_SHARE = 0.2


def comparison(
    cells: pl.LazyFrame,
    *,
    permutations: int = 9999,
    seed: int = 20250315,
    alpha: float = 0.05,
    carry: tuple[str, ...] = (),
) -> pl.LazyFrame:
    """Site × theme comparison from prevalence cells by site (`group` holds the site slug).

    `carry` names further columns of the cells kept beside each row (disclosure flags).
    """
    by_theme = pl.col("theme")
    n_all = pl.col("total").sum().over(by_theme)
    x_all = pl.col("stories").sum().over(by_theme)
    cells = (
        cells.filter(pl.col("total") > 0)
        .rename({"group": "site"})
        .with_columns(_n=n_all.cast(pl.Float64), _x=x_all.cast(pl.Float64))
        .with_columns(
            expected=pl.col("total") * pl.col("_x") / pl.col("_n"),
            _expected_absent=pl.col("total") * (pl.col("_n") - pl.col("_x")) / pl.col("_n"),
        )
    )
    deviation = (pl.col("stories") - pl.col("expected")) ** 2
    tests = (
        cells.group_by("theme")
        .agg(
            sites=pl.len(),
            n=pl.col("_n").first(),
            x=pl.col("_x").first(),
            # Listed in site order and summed from the list: a sum of floats differs in its
            # last bits with the order of its terms, the cells come in any order, and the
            # same data must give the same statistic (and a briefing the same bytes). Summed in
            # the group-by, the terms gave different last bits even after a sort.
            _terms=(
                deviation / pl.col("expected") + deviation / pl.col("_expected_absent")
            ).sort_by("site"),
            smallest=pl.min_horizontal(pl.col("expected").min(), pl.col("_expected_absent").min()),
            small=(
                (pl.col("expected") < COCHRAN_SMALL).sum()
                + (pl.col("_expected_absent") < COCHRAN_SMALL).sum()
            ),
            present=pl.col("stories").sort_by("site"),
            totals=pl.col("total").sort_by("site"),
        )
        .with_columns(
            statistic=pl.col("_terms").list.sum(),
            too_few_to_compare=(pl.col("sites") < 2)
            | (pl.col("x") == 0)
            | (pl.col("x") == pl.col("n")),
            dof=(pl.col("sites") - 1).cast(pl.Int64),
        )
        .with_columns(
            test=pl.when(pl.col("too_few_to_compare"))
            .then(pl.lit("none"))
            .when(
                (pl.col("smallest") >= COCHRAN_MIN)
                & (pl.col("small") <= COCHRAN_SMALL_SHARE * 2 * pl.col("sites"))
            )
            .then(pl.lit("chi_square"))
            .when(pl.col("sites") == 2)
            .then(pl.lit("fisher_exact"))
            .otherwise(pl.lit("permutation"))
        )
        .with_columns(
            p_value=pl.struct("theme", "test", "statistic", "dof", "present", "totals").map_batches(
                p_values(permutations, seed), return_dtype=pl.Float64
            ),
            statistic=pl.when(~pl.col("too_few_to_compare")).then(pl.col("statistic")),
        )
        .select("theme", "test", "statistic", "dof", "p_value", "too_few_to_compare")
    )
    residual = (pl.col("stories") - pl.col("expected")) / (
        pl.col("expected")
        * (1 - pl.col("total") / pl.col("_n"))
        * (1 - pl.col("_x") / pl.col("_n"))
    ).sqrt()
    return (
        cells.with_columns(residual=pl.when(pl.col("_x") > 0).then(residual))
        .join(tests, on="theme", how="left")
        .with_columns(
            residual=pl.when(~pl.col("too_few_to_compare")).then(pl.col("residual")),
        )
        .with_columns(
            distinctive=(pl.col("residual") > RESIDUAL_THRESHOLD)
            & (pl.col("p_value") < alpha)
            & ~pl.col("too_few_to_compare"),
        )
        .with_columns(pl.col("distinctive").fill_null(False))
        .select(
            "site",
            "theme",
            "stories",
            "total",
            "share",
            "ci_low",
            "ci_high",
            "expected",
            "residual",
            "distinctive",
            "test",
            "statistic",
            "dof",
            "p_value",
            "too_few_to_compare",
            "storytellers",
            "total_storytellers",
            *carry,
        )
    )
