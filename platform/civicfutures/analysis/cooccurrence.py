"""Co-occurrence: pairs of themes present in the same story.

For an unordered pair (theme_a < theme_b): `stories` = stories with both, `stories_a` and
`stories_b` = stories with each, `jaccard` = both / (a + b − both), and
`lift` = both × N / (a × b) with N the stories in scope (1 means the themes meet as often as
chance would have them). Only pairs that meet in at least one story are listed.
"""

from __future__ import annotations

import polars as pl

from civicfutures.analysis.themesets import Codebook

COUNTS = pl.Int64


def cooccurrence(
    coded: pl.LazyFrame,
    stories: pl.LazyFrame,
    linked: pl.LazyFrame,
    codebook: Codebook,
) -> pl.LazyFrame:
    """Theme pairs within stories.

    `coded`: (story_id, _w…) the theme sets of the stories in scope; `stories`: the stories in
    scope (N counts them); `linked`: (storyteller_id, _w…) one row per story of `coded` and
    storyteller who told it, the story's set carried.
    """
    n_stories = stories.select(n=pl.len().cast(pl.Float64))
    coded = coded.select("story_id", *codebook.columns())
    # One row per (story, theme_a in it), carrying the story's whole set: counting theme_b bits
    # per theme_a counts the stories holding both, singles on the diagonal.
    by_first = codebook.explode(
        coded, ["story_id", *codebook.columns()], name="theme_a", positions=True
    )
    theme_a = codebook.name_of("theme_a")
    counts = codebook.long(
        codebook.tally(by_first, ["theme_a"]).with_columns(theme_a),
        ["theme_a"],
        "stories",
        name="theme_b",
    )
    # Per storyteller and theme_a, the union of the sets of their stories holding theme_a:
    # theme_b is in it exactly when they told a story with both. One small grouping per
    # theme_a (its stories' storytellers) rather than one over every (theme_a, storyteller):
    # grouping by one integer key is several times faster than by two.
    linked = linked.select("storyteller_id", *codebook.columns())
    union = codebook.union()
    per_first = [
        codebook.tally(linked.filter(codebook.has(i)).group_by("storyteller_id").agg(union)).select(
            pl.lit(i, dtype=pl.UInt16).alias("theme_a"), pl.all()
        )
        for i in range(len(codebook.themes))
    ]
    told = pl.concat(per_first) if per_first else by_first.select("theme_a").clear()
    tellers = codebook.long(
        told.with_columns(theme_a),
        ["theme_a"],
        "storytellers",
        name="theme_b",
    )
    # The singles straight from the sets (the diagonal of `counts` would recompute it).
    singles = codebook.long(codebook.tally(coded), [], "stories", name="theme_a")
    both = pl.col("stories").cast(pl.Float64)
    return (
        counts.filter((pl.col("theme_a") < pl.col("theme_b")) & (pl.col("stories") > 0))
        .join(tellers, on=["theme_a", "theme_b"], how="left")
        .join(singles.rename({"stories": "stories_a"}), on="theme_a")
        .join(singles.rename({"theme_a": "theme_b", "stories": "stories_b"}), on="theme_b")
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
