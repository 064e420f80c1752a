"""Prevalence: the share of a group's stories in which a theme is present, with a Wilson 95% CI.

Definition: for a group g and theme t, `stories` = distinct stories of g with t present,
`total` = distinct stories of g, `share` = stories / total, and [`ci_low`, `ci_high`] is the
Wilson score interval. Every theme of the codebook appears for every group (zero included).
`storytellers` (and `total_storytellers`) count the distinct storytellers a cell rests on,
which is what disclosure control tests against k; `key` (and `total_key`) add up those
storytellers' record keys, the cell keys disclosure control perturbs the counts with
(`disclosure.py`), which never leave it.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from civicfutures.analysis.inference import wilson
from civicfutures.analysis.scope import Groups
from civicfutures.analysis.themesets import Codebook

COUNTS = pl.Int64

# The columns of a prevalence table after its grouping keys (API.md), before disclosure control.
COLUMNS = (
    "theme",
    "stories",
    "total",
    "share",
    "ci_low",
    "ci_high",
    "storytellers",
    "total_storytellers",
)
# The cell keys carried beside the counts until disclosure control.
KEYS = ("key", "total_key")


def prevalence(
    groups: Groups,
    codebook: Codebook,
    record_keys: pl.LazyFrame,
    keys: Sequence[str] = ("group",),
    unions: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Prevalence of every theme in every group named by `keys`.

    `groups` maps stories to groups and to the storytellers they rest on (`scope.groups`),
    both frames carrying each story's theme set (an uncoded story's set being 0);
    `record_keys` gives each storyteller's key (storyteller_id, record_key). `unions`, when
    the caller has them, are the storytellers' unions below (*keys, storyteller_id, _w…):
    `groups.tellers` is then not read.
    """
    keys = list(keys)
    story_sets, teller_sets = groups.stories, groups.tellers
    # Stories: one set per story and group, counted per theme by testing bits.
    stories = codebook.tally(story_sets, keys, extra=[pl.len().cast(COUNTS).alias("total")])
    # Storytellers: the union of the sets of each storyteller's stories in the group; a
    # storyteller counts for a theme when any of those stories holds it.
    if unions is None:
        unions = teller_sets.group_by(*keys, "storyteller_id").agg(codebook.union())
    unions = (
        unions.select(*keys, "storyteller_id", *codebook.columns())
        .join(record_keys, on="storyteller_id", how="left")
        # Read twice (the storytellers and their keys): grouped once.
        .cache()
    )
    tellers = codebook.tally(
        unions, keys, extra=[pl.len().cast(COUNTS).alias("total_storytellers")]
    )
    cell_keys = codebook.tally(
        unions,
        keys,
        extra=[pl.col("record_key").sum().cast(COUNTS).alias("total_key")],
        weight="record_key",
    )
    return _with_shares(
        codebook.long(stories, [*keys, "total"], "stories")
        .join(
            codebook.long(tellers, [*keys, "total_storytellers"], "storytellers"),
            on=[*keys, "theme"],
            how="left",
            nulls_equal=True,
        )
        .join(
            codebook.long(cell_keys, [*keys, "total_key"], "key"),
            on=[*keys, "theme"],
            how="left",
            nulls_equal=True,
        )
        .with_columns(pl.col("storytellers", "total_storytellers", *KEYS).fill_null(0)),
        keys,
    )


def added_up(cells: pl.LazyFrame, keys: Sequence[str] = ("group",)) -> pl.LazyFrame:
    """Prevalence of coarser groups (named by `keys`) as the sums of finer groups' cells.

    `cells` are prevalence cells (`COLUMNS`) of finer groups, each already carrying the
    `keys` of the coarser group it lies in (sites carrying their country, say). Exact when no
    story and no storyteller counts in two of the finer groups of one coarser group: then
    the distinct stories and storytellers of the coarser group are those of its parts.
    """
    keys = list(keys)
    summed = cells.group_by(*keys, "theme").agg(
        pl.col("stories", "total", "storytellers", "total_storytellers", *KEYS).sum().cast(COUNTS)
    )
    return _with_shares(summed, keys)


def _with_shares(counts: pl.LazyFrame, keys: Sequence[str]) -> pl.LazyFrame:
    ci_low, ci_high = wilson(pl.col("stories"), pl.col("total"))
    return counts.with_columns(
        share=pl.when(pl.col("total") > 0).then(pl.col("stories") / pl.col("total")),
        ci_low=ci_low,
        ci_high=ci_high,
    ).select(*keys, *COLUMNS, *KEYS)
