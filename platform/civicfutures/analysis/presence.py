"""When a theme counts as present in a story: any coder, a majority of coders, or one coder."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl


def _any_coder(codings: pl.LazyFrame) -> pl.LazyFrame:
    return codings.select("story_id", "theme").unique()


def _majority(codings: pl.LazyFrame) -> pl.LazyFrame:
    # A story's coders are those who coded anything in it; a theme is present when strictly
    # more than half of them coded it.
    coders = codings.group_by("story_id").agg(coders=pl.col("coder").n_unique())
    votes = (
        codings.select("story_id", "theme", "coder")
        .unique()
        .group_by("story_id", "theme")
        .agg(votes=pl.len())
    )
    return (
        votes.join(coders, on="story_id")
        .filter(pl.col("votes") * 2 > pl.col("coders"))
        .select("story_id", "theme")
    )


RULES: dict[str, Callable[[pl.LazyFrame], pl.LazyFrame]] = {
    "any": _any_coder,
    "majority": _majority,
}


def present_themes(codings: pl.LazyFrame, rule: str = "any") -> pl.LazyFrame:
    """(story_id, theme), one row per theme present in a story under the rule."""
    if rule.startswith("coder:"):
        coder = rule.removeprefix("coder:")
        return _any_coder(codings.filter(pl.col("coder") == coder))
    return RULES[rule](codings)
