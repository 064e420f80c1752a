"""Prevalence: the share of a group's stories in which a theme is present, with a Wilson 95% CI.

Definition: for a group g and theme t, `stories` = distinct stories of g with t present,
`total` = distinct stories of g, `share` = stories / total, and [`ci_low`, `ci_high`] is the
Wilson score interval. Every theme of the codebook appears for every group (zero included).
`storytellers` (and `total_storytellers`) count the distinct storytellers a cell rests on,
which is what disclosure control tests against k.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from civicfutures.analysis.inference import wilson

COUNTS = pl.Int64


def prevalence(
    memberships: pl.LazyFrame,
    present: pl.LazyFrame,
    themes: pl.LazyFrame,
    keys: Sequence[str] = ("group",),
) -> pl.LazyFrame:
    """Prevalence of every theme in every group named by `keys`.

    `memberships` has (story_id, storyteller_id, *keys), `present` has (story_id, theme),
    `themes` lists the codebook's themes.
    """
    keys = list(keys)
    totals = memberships.group_by(keys).agg(
        total=pl.col("story_id").n_unique().cast(COUNTS),
        total_storytellers=pl.col("storyteller_id").n_unique().cast(COUNTS),
    )
    cells = (
        memberships.join(present, on="story_id")
        .group_by(*keys, "theme")
        .agg(
            stories=pl.col("story_id").n_unique().cast(COUNTS),
            storytellers=pl.col("storyteller_id").n_unique().cast(COUNTS),
        )
    )
    ci_low, ci_high = wilson(pl.col("stories"), pl.col("total"))
    return (
        totals.join(themes.select("theme"), how="cross")
        .join(cells, on=[*keys, "theme"], how="left")
        .with_columns(pl.col("stories", "storytellers").fill_null(0))
        .with_columns(
            share=pl.when(pl.col("total") > 0).then(pl.col("stories") / pl.col("total")),
            ci_low=ci_low,
            ci_high=ci_high,
        )
        .select(
            *keys,
            "theme",
            "stories",
            "total",
            "share",
            "ci_low",
            "ci_high",
            "storytellers",
            "total_storytellers",
        )
    )
