"""Theme sets as bit masks: the themes present in a story (or in a storyteller's stories) as bits.

Theme i of the codebook is bit i % 64 of the UInt64 column `{prefix}{i // 64}`. A story then
takes one row instead of one row per theme, a union of theme sets is a bitwise OR aggregation,
and counting stories (or storytellers) per theme is a sum of bit tests: the distinct counts
that would otherwise need large joins and hash tables become plain column arithmetic. Every
count stays exact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

WORD = 64
# `Codebook.tally` counts in the two 32-bit halves of a UInt64 at once.
LANE = 32
LANES = (1 << LANE) | 1
_POWERS = pl.Series([1 << i for i in range(WORD)], dtype=pl.UInt64)
COUNTS = pl.Int64


@dataclass(frozen=True)
class Codebook:
    """The themes of a snapshot, in bit order, with their kinds (challenge, vision...)."""

    themes: tuple[str, ...]
    kinds: tuple[str, ...] = ()

    def of_kind(self, kind: str) -> list[str]:
        return [t for t, k in zip(self.themes, self.kinds, strict=True) if k == kind]

    @property
    def words(self) -> int:
        return max(1, math.ceil(len(self.themes) / WORD))

    def columns(self, prefix: str = "_w") -> list[str]:
        return [f"{prefix}{w}" for w in range(self.words)]

    def index(self, keys: Sequence[str]) -> list[int]:
        wanted = set(keys)
        return [i for i, theme in enumerate(self.themes) if theme in wanted]

    def has(self, i: int, prefix: str = "_w") -> pl.Expr:
        """True where theme i is in the set."""
        bit = pl.lit(1 << (i % WORD), dtype=pl.UInt64)
        return (pl.col(f"{prefix}{i // WORD}") & bit) != 0

    @staticmethod
    def column(i: int) -> str:
        """The name of theme i's column in a wide frame.

        Never the theme's key: a key may be any word, `total` or `links` say, and would then
        clash with the frame's other columns.
        """
        return f"_t{i}"

    def named(self, column: str) -> pl.Expr:
        """The theme keys of a column of `column(i)` names (after an unpivot)."""
        return pl.col(column).replace_strict(
            [self.column(i) for i in range(len(self.themes))],
            list(self.themes),
            return_dtype=pl.String,
        )

    def tally(
        self, frame: pl.LazyFrame, by: Sequence[str] = (), prefix: str = "_w",
        only: Sequence[int] | None = None, extra: Sequence[pl.Expr] = (),
        weight: str | None = None,
    ) -> pl.LazyFrame:  # fmt: skip
        """How many rows of each `by` group (of the whole frame when `by` is empty) hold each
        theme, as one column per theme (`column(i)`), after the `extra` aggregations. With a
        `weight` column, the sum of the weights of those rows instead (disclosure control's
        record keys, below 256: a half carries only past 16 million rows of one group).

        Two themes are counted by one sum: bits b and b + 32 of a word are moved to the bottom
        of the two 32-bit halves of a UInt64 (`LANES`), and summing those values adds both
        halves at once. A half holds a count below 2^32, so it never carries into the other
        (a group would need four billion rows). Half as many aggregations as one per theme,
        and the aggregations are what grouped counting spends its time on.
        """
        chosen = list(range(len(self.themes)) if only is None else only)
        lanes = {(i // WORD, i % WORD % LANE) for i in chosen}
        scale = pl.lit(1, dtype=pl.UInt64) if weight is None else pl.col(weight).cast(pl.UInt64)
        sums = [
            (
                (pl.col(f"{prefix}{w}") & pl.lit(LANES << j, dtype=pl.UInt64))
                // pl.lit(1 << j, dtype=pl.UInt64)
                * scale
            )
            .sum()
            .alias(f"_lane{w}_{j}")
            for w, j in sorted(lanes)
        ]
        by = list(by)
        summed = frame.group_by(by).agg(*extra, *sums) if by else frame.select(*extra, *sums)
        split = pl.lit(1 << LANE, dtype=pl.UInt64)
        counts = []
        for i in chosen:
            lane = pl.col(f"_lane{i // WORD}_{i % WORD % LANE}")
            half = lane % split if i % WORD < LANE else lane // split
            counts.append(half.cast(COUNTS).alias(self.column(i)))
        return summed.select(*by, *(e.meta.output_name() for e in extra), *counts)

    def union(self, prefix: str = "_w") -> list[pl.Expr]:
        """Aggregations: the union of the sets of a group's rows."""
        return [pl.col(c).bitwise_or() for c in self.columns(prefix)]

    def zero(self, prefix: str = "_w") -> list[pl.Expr]:
        """An absent set is the empty set (after a left join)."""
        return [pl.col(c).fill_null(0) for c in self.columns(prefix)]

    def restrict(
        self, keys: Sequence[str], prefix: str = "_w", to: str | None = None
    ) -> list[pl.Expr]:
        """The sets intersected with the given themes (as columns `to`, default in place)."""
        masks = [0] * self.words
        for i in self.index(keys):
            masks[i // WORD] |= 1 << (i % WORD)
        return [
            (pl.col(f"{prefix}{w}") & pl.lit(mask, dtype=pl.UInt64)).alias(f"{to or prefix}{w}")
            for w, mask in enumerate(masks)
        ]

    def masks(self, rows: pl.LazyFrame, by: Sequence[str], prefix: str = "_w") -> pl.LazyFrame:
        """One set per `by` group from rows naming a `theme`; themes outside the codebook drop."""
        index = pl.col("theme").cast(pl.Enum(list(self.themes)), strict=False).to_physical()
        bits = (
            rows.select(*by, _index=index.cast(pl.UInt32))
            .drop_nulls("_index")
            .with_columns(_bit=pl.lit(_POWERS).gather(pl.col("_index") % WORD))
        )
        if self.words == 1:
            return bits.group_by(by).agg(pl.col("_bit").bitwise_or().alias(f"{prefix}0"))
        return bits.group_by(by).agg(
            pl.when(pl.col("_index") // WORD == w)
            .then(pl.col("_bit"))
            .otherwise(0)
            .bitwise_or()
            .alias(f"{prefix}{w}")
            for w in range(self.words)
        )

    def from_flags(self, flags: Sequence[pl.Expr], prefix: str = "_w") -> list[pl.Expr]:
        """Sets built from one boolean expression per theme (in codebook order)."""
        words: list[list[pl.Expr]] = [[] for _ in range(self.words)]
        for i, flag in enumerate(flags):
            bit = pl.lit(1 << (i % WORD), dtype=pl.UInt64)
            words[i // WORD].append(pl.when(flag).then(bit).otherwise(pl.lit(0, dtype=pl.UInt64)))
        return [
            (pl.sum_horizontal(parts) if parts else pl.lit(0, dtype=pl.UInt64))
            .cast(pl.UInt64)
            .alias(f"{prefix}{w}")
            for w, parts in enumerate(words)
        ]

    def explode(
        self, frame: pl.LazyFrame, keep: Sequence[str], name: str = "theme", prefix: str = "_w",
        only: Sequence[int] | None = None, positions: bool = False,
    ) -> pl.LazyFrame:  # fmt: skip
        """One row per (row, theme in its set): the long form, with `keep` columns carried.

        One filter per theme over the same input, concatenated (an empty set gives no row);
        Polars runs the filters in parallel. With `positions` the `name` column holds the
        theme's position in the codebook (UInt16) instead of its key: cheaper to build and
        to group by over millions of rows (`name_of` turns it back into keys).
        """
        chosen = list(range(len(self.themes)) if only is None else only)
        keep = list(keep)
        source = frame.select(*dict.fromkeys([*keep, *self.columns(prefix)]))
        dtype = pl.UInt16 if positions else pl.String
        parts = [
            source.filter(self.has(i, prefix)).select(
                *keep, pl.lit(i if positions else self.themes[i], dtype=dtype).alias(name)
            )
            for i in chosen
        ]
        if not parts:
            return source.select(*keep).clear().with_columns(pl.lit(None, dtype=dtype).alias(name))
        return pl.concat(parts)

    def name_of(self, column: str) -> pl.Expr:
        """The theme keys of a column of codebook positions (from `explode(positions=True)`)."""
        return pl.col(column).replace_strict(
            list(range(len(self.themes))), list(self.themes), return_dtype=pl.String
        )

    def long(
        self, wide: pl.LazyFrame, index: Sequence[str], value: str, name: str = "theme",
        only: Sequence[int] | None = None,
    ) -> pl.LazyFrame:  # fmt: skip
        """Per-theme count columns (from `tally`) turned into rows (`name`, `value`)."""
        chosen = [self.column(i) for i in (range(len(self.themes)) if only is None else only)]
        if not chosen:
            schema = {**{k: pl.String for k in index}, name: pl.String, value: COUNTS}
            return (
                wide.select(*index)
                .clear()
                .with_columns(
                    pl.lit(None, dtype=pl.String).alias(name),
                    pl.lit(None, dtype=COUNTS).alias(value),
                )
                .select(list(schema))
            )
        return wide.unpivot(
            on=chosen, index=list(index), variable_name=name, value_name=value
        ).with_columns(self.named(name))


# Up to this many coders, `coder_sets` groups by story alone, with one set per coder.
FEW_CODERS = 8


def coder_sets(
    codings: pl.LazyFrame, codebook: Codebook, coders: Sequence[str] | None = None
) -> pl.LazyFrame:
    """(story_id, coder, _w…): the themes each coder applied to each story.

    `coders`, when the caller knows them (a snapshot's manifest lists them), lets a project
    with few coders group the codings by story alone, each coder's set in its own columns:
    grouping millions of codings by one integer key is about twice as fast as by story and
    coder name. A coding by a coder missing from the list is an error, not dropped.
    """
    if not coders or len(coders) > FEW_CODERS:
        return codebook.masks(codings, ["story_id", "coder"])
    coders = list(coders)
    words = range(codebook.words)
    index = pl.col("theme").cast(pl.Enum(list(codebook.themes)), strict=False).to_physical()
    bits = (
        codings.select(
            "story_id",
            _coder=pl.col("coder").cast(pl.Enum(coders)).to_physical(),
            _index=index.cast(pl.UInt32),
        )
        .drop_nulls("_index")
        .with_columns(_bit=pl.lit(_POWERS).gather(pl.col("_index") % WORD))
    )
    none = pl.lit(0, dtype=pl.UInt64)
    spread = bits.select(
        "story_id",
        *(
            pl.when((pl.col("_coder") == c) & (pl.col("_index") // WORD == w))
            .then(pl.col("_bit"))
            .otherwise(none)
            .alias(f"_c{c}_{w}")
            for c in range(len(coders))
            for w in words
        ),
    )
    per_story = spread.group_by("story_id").agg(pl.exclude("story_id").bitwise_or())
    # A coder coded a story when they applied at least one theme of the codebook to it.
    return pl.concat(
        per_story.select(
            "story_id",
            pl.lit(name, dtype=pl.String).alias("coder"),
            *(pl.col(f"_c{c}_{w}").alias(f"_w{w}") for w in words),
        ).filter(pl.any_horizontal(pl.col(f"_w{w}") != 0 for w in words))
        for c, name in enumerate(coders)
    )


def presence(sets: pl.LazyFrame, codebook: Codebook, rule: str = "any") -> pl.LazyFrame:
    """(story_id, _w…): the themes present in each coded story, under the presence rule.

    `sets` are the coders' sets (`coder_sets`), which agreement also starts from. `any`: a
    theme any coder applied; `coder:<name>`: those that coder applied; `majority`: those
    applied by strictly more than half of the story's coders (a story's coders being those
    who applied anything to it).
    """
    if rule.startswith("coder:"):
        chosen = sets.filter(pl.col("coder") == rule.removeprefix("coder:"))
        return chosen.select("story_id", *codebook.columns())
    if rule != "majority":
        return sets.group_by("story_id").agg(codebook.union())
    votes = codebook.tally(sets, ["story_id"], extra=[pl.len().alias("_coders")])
    flags = [
        pl.col(codebook.column(i)) * 2 > pl.col("_coders") for i in range(len(codebook.themes))
    ]
    return votes.select("story_id", *codebook.from_flags(flags))
