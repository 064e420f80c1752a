"""Co-occurrence: pairs of themes present in the same story.

For an unordered pair (theme_a < theme_b): `stories` = stories with both, `stories_a` and
`stories_b` = stories with each, `jaccard` = both / (a + b − both), and
`lift` = both × N / (a × b) with N the stories in scope (1 means the themes meet as often as
chance would have them). Only pairs that meet in at least one story are listed.
"""

from __future__ import annotations

import polars as pl

COUNTS = pl.Int64


def cooccurrence(
    present: pl.LazyFrame, stories: pl.LazyFrame, story_storytellers: pl.LazyFrame
) -> pl.LazyFrame:
    """Theme pairs within stories; `present` and `stories` are already scoped."""
    n_stories = stories.select(n=pl.len().cast(pl.Float64))
    singles = present.group_by("theme").agg(stories=pl.len().cast(COUNTS))
    pairs = (
        present.join(present, on="story_id", suffix="_b")
        .filter(pl.col("theme") < pl.col("theme_b"))
        .rename({"theme": "theme_a"})
    )
    counts = pairs.group_by("theme_a", "theme_b").agg(stories=pl.len().cast(COUNTS))
    tellers = (
        pairs.join(story_storytellers, on="story_id")
        .group_by("theme_a", "theme_b")
        .agg(storytellers=pl.col("storyteller_id").n_unique().cast(COUNTS))
    )
    both = pl.col("stories").cast(pl.Float64)
    return (
        counts.join(tellers, on=["theme_a", "theme_b"], how="left")
        .join(singles.rename({"theme": "theme_a", "stories": "stories_a"}), on="theme_a")
        .join(singles.rename({"theme": "theme_b", "stories": "stories_b"}), on="theme_b")
        .join(n_stories, how="cross")
        .with_columns(
            pl.col("storytellers").fill_null(0),
            jaccard=both / (pl.col("stories_a") + pl.col("stories_b") - pl.col("stories")),
            lift=both * pl.col("n") / (pl.col("stories_a") * pl.col("stories_b")),
        )
        .select(
            "theme_a",
            "theme_b",
            "stories",
            "stories_a",
            "stories_b",
            "jaccard",
            "lift",
            "storytellers",
        )
    )
