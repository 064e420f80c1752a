"""Representativeness: storytellers' demographics against the population shares a site entered.

For a site and an attribute with reference shares (normalised to sum to 1 over the values the
site listed): `storytellers` holding each listed value among the storytellers of the stories in
scope, `total` = those holding any listed value (values outside the list, such as "prefer not
to say", and missing values are left out of the comparison and counted in `left_out`),
`share` = storytellers / total, `difference` = share − reference_share.
Per (site, attribute): `tvd` = ½ Σ |difference| (total variation distance, 0 = same
distribution, 1 = disjoint) and `score` = 1 − tvd; `site_score` is the mean score over the
site's attributes with reference shares. Published tables compute them from the published
counts, and withhold `tvd` and `score` on lines with a hidden cell and `site_score` on sites
with one (a distance would give back the hidden cell's published value).
"""

from __future__ import annotations

import polars as pl

COUNTS = pl.Int64


COLUMNS = (
    "site",
    "attribute",
    "value",
    "storytellers",
    "total",
    "left_out",
    "share",
    "reference_share",
    "difference",
    "tvd",
    "score",
    "site_score",
)
LINE = ["site", "attribute"]


def counts(
    tellers: pl.LazyFrame, demographics: pl.LazyFrame, reference: pl.LazyFrame
) -> pl.LazyFrame:
    """The counts of the table with their cell keys: per (site, attribute, value)
    `storytellers` and `key` (the sum of their record keys), per line `left_out` and
    `left_out_key`, with the `reference_share`.

    `tellers`: (storyteller_id, site, record_key), one row per storyteller in scope;
    `reference`: (site, attribute, value, share).
    """
    reference = reference.filter(pl.col("share") >= 0).with_columns(
        reference_share=pl.col("share") / pl.col("share").sum().over(LINE)
    )
    compared = demographics.join(reference.select("attribute").unique(), on="attribute", how="semi")
    held = tellers.join(compared, on="storyteller_id")
    # Every storyteller of the site counts for each attribute the site has references for.
    site_attributes = reference.select(LINE).unique()
    population = (
        tellers.join(site_attributes, on="site")
        .group_by(LINE)
        .agg(everyone=pl.len().cast(COUNTS), everyone_key=pl.col("record_key").sum().cast(COUNTS))
    )
    # A semi join, not an inner one: with an inner join the optimiser may join the
    # demographics to every site's reference values first (rows × sites) before the tellers.
    # A storyteller holds one value of an attribute: each counts once per cell.
    counted = (
        held.join(reference.select(*LINE, "value"), on=[*LINE, "value"], how="semi")
        .group_by(*LINE, "value")
        .agg(
            storytellers=pl.col("storyteller_id").n_unique().cast(COUNTS),
            key=pl.col("record_key").sum().cast(COUNTS),
        )
    )
    return (
        reference.select(*LINE, "value", "reference_share")
        .join(counted, on=[*LINE, "value"], how="left")
        .with_columns(pl.col("storytellers", "key").fill_null(0))
        .join(population, on=LINE, how="left")
        .with_columns(
            left_out=pl.col("everyone").fill_null(0) - pl.col("storytellers").sum().over(LINE),
            left_out_key=pl.col("everyone_key").fill_null(0) - pl.col("key").sum().over(LINE),
        )
        .drop("everyone", "everyone_key")
    )


def measures(cells: pl.LazyFrame) -> pl.LazyFrame:
    """Totals, shares, distances and scores from the counts (`counts`, exact or published)."""
    cells = (
        cells.with_columns(total=pl.col("storytellers").sum().over(LINE))
        .with_columns(
            share=pl.when(pl.col("total") > 0).then(pl.col("storytellers") / pl.col("total"))
        )
        .with_columns(difference=pl.col("share") - pl.col("reference_share"))
        .with_columns(
            tvd=pl.when(pl.col("total") > 0).then(0.5 * pl.col("difference").abs().sum().over(LINE))
        )
        .with_columns(score=1 - pl.col("tvd"))
    )
    site_scores = (
        cells.select(*LINE, "score")
        .unique()
        .group_by("site")
        .agg(site_score=pl.col("score").mean())
    )
    return cells.join(site_scores, on="site", how="left")


def representativeness(
    tellers: pl.LazyFrame, demographics: pl.LazyFrame, reference: pl.LazyFrame
) -> pl.LazyFrame:
    """The exact table. `tellers`: (storyteller_id, site, record_key), one row per
    storyteller in scope; `reference`: (site, attribute, value, share)."""
    return measures(counts(tellers, demographics, reference)).select(COLUMNS)
