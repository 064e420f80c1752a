"""Representativeness: storytellers' demographics against the population shares a site entered.

For a site and an attribute with reference shares (normalised to sum to 1 over the values the
site listed): `storytellers` holding each listed value among the storytellers of the stories in
scope, `total` = those holding any listed value (values outside the list, such as "prefer not
to say", and missing values are left out of the comparison and counted in `left_out`),
`share` = storytellers / total, `difference` = share − reference_share.
Per (site, attribute): `tvd` = ½ Σ |difference| (total variation distance, 0 = same
distribution, 1 = disjoint) and `score` = 1 − tvd; `site_score` is the mean score over the
site's attributes with reference shares. Under disclosure control a distance computed from a
suppressed cell would give the cell back, so `tvd` and `score` are withheld on lines with a
suppressed cell, and `site_score` on sites with one.
"""

from __future__ import annotations

import polars as pl

COUNTS = pl.Int64


def representativeness(
    tellers: pl.LazyFrame, demographics: pl.LazyFrame, reference: pl.LazyFrame
) -> pl.LazyFrame:
    """`tellers`: (storyteller_id, site), one row per storyteller in scope; `reference`:
    (site, attribute, value, share)."""
    line = ["site", "attribute"]
    reference = reference.filter(pl.col("share") >= 0).with_columns(
        reference_share=pl.col("share") / pl.col("share").sum().over(line)
    )
    compared = demographics.join(reference.select("attribute").unique(), on="attribute", how="semi")
    held = tellers.join(compared, on="storyteller_id")
    # Every storyteller of the site counts for each attribute the site has references for.
    site_attributes = reference.select(line).unique()
    population = (
        tellers.join(site_attributes, on="site").group_by(line).agg(everyone=pl.len().cast(COUNTS))
    )
    # A semi join, not an inner one: with an inner join the optimiser may join the
    # demographics to every site's reference values first (rows × sites) before the tellers.
    counts = (
        held.join(reference.select(*line, "value"), on=[*line, "value"], how="semi")
        .group_by(*line, "value")
        .agg(storytellers=pl.col("storyteller_id").n_unique().cast(COUNTS))
    )
    cells = (
        reference.select(*line, "value", "reference_share")
        .join(counts, on=[*line, "value"], how="left")
        .with_columns(pl.col("storytellers").fill_null(0))
        .with_columns(total=pl.col("storytellers").sum().over(line))
        .join(population, on=line, how="left")
        .with_columns(
            left_out=(pl.col("everyone").fill_null(0) - pl.col("total")),
            share=pl.when(pl.col("total") > 0).then(pl.col("storytellers") / pl.col("total")),
        )
        .with_columns(difference=pl.col("share") - pl.col("reference_share"))
        .with_columns(
            tvd=pl.when(pl.col("total") > 0).then(0.5 * pl.col("difference").abs().sum().over(line))
        )
        .with_columns(score=1 - pl.col("tvd"))
    )
    site_scores = (
        cells.select(*line, "score")
        .unique()
        .group_by("site")
        .agg(site_score=pl.col("score").mean())
    )
    return cells.join(site_scores, on="site", how="left").select(
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
