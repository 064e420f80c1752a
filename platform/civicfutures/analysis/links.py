"""Links from present-day challenges to future visions.

A link (c, v) joins a `challenge` theme c present in a `present` story to a `vision` theme v
present in a `future` story of the same unit, the unit being a storyteller or a workshop:

- `links`: units with both (c in a present story and v in a future story);
- `units_challenge`: units with c in a present story; `share` = links / units_challenge (of
  those who raised the challenge, how many envisioned v);
- `units_vision`: units with v in a future story;
- `storytellers`: distinct storytellers of the linked stories (what disclosure control tests).
Only pairs linked at least once are listed.
"""

from __future__ import annotations

import polars as pl

from civicfutures.analysis.themesets import Codebook

COUNTS = pl.Int64

UNIT_COLUMN = {"storyteller": "storyteller_id", "workshop": "workshop_id"}


def _units(
    coded: pl.LazyFrame,
    story_storytellers: pl.LazyFrame,
    codebook: Codebook,
    via: str,
    linked: pl.LazyFrame | None,
) -> pl.LazyFrame:
    """Per unit: the challenges of its present stories (_c…) and the visions of its future
    ones (_v…)."""
    unit = UNIT_COLUMN[via]
    challenge_keys, vision_keys = codebook.of_kind("challenge"), codebook.of_kind("vision")
    coded = coded.select("story_id", "workshop_id", "kind", *codebook.columns())
    if via == "storyteller":
        coded = coded.join(story_storytellers, on="story_id") if linked is None else linked
    present, future = pl.col("kind") == "present", pl.col("kind") == "future"
    sets = [
        pl.when(present).then(e).otherwise(0).alias(name)
        for e, name in zip(
            codebook.restrict(challenge_keys, to="_c"), codebook.columns("_c"), strict=True
        )
    ] + [
        pl.when(future).then(e).otherwise(0).alias(name)
        for e, name in zip(
            codebook.restrict(vision_keys, to="_v"), codebook.columns("_v"), strict=True
        )
    ]
    return (
        coded.select(unit, *sets).group_by(unit).agg(*codebook.union("_c"), *codebook.union("_v"))
    )


def _counted(
    units: pl.LazyFrame, codebook: Codebook, unit: str, by: list[str], weight: str | None = None
) -> tuple[pl.LazyFrame, pl.LazyFrame, pl.LazyFrame]:
    """Links, units with each challenge and units with each vision, per `by` group; with a
    `weight`, the sums of the units' weights instead of their numbers."""
    challenges = codebook.index(codebook.of_kind("challenge"))
    visions = codebook.index(codebook.of_kind("vision"))
    per_challenge = codebook.long(
        codebook.tally(units, by, prefix="_c", only=challenges, weight=weight), by,
        "units_challenge", name="challenge", only=challenges,
    )  # fmt: skip
    per_vision = codebook.long(
        codebook.tally(units, by, prefix="_v", only=visions, weight=weight), by,
        "units_vision", name="vision", only=visions,
    )  # fmt: skip
    keep = [*by, *([weight] if weight else [])]
    by_challenge = codebook.explode(
        units, [unit, *keep, *codebook.columns("_v")], name="challenge", prefix="_c",
        only=challenges,
    )  # fmt: skip
    counts = codebook.long(
        codebook.tally(by_challenge, [*by, "challenge"], prefix="_v", only=visions, weight=weight),
        [*by, "challenge"], "links", name="vision", only=visions,
    )  # fmt: skip
    return counts, per_challenge, per_vision


def links(
    coded: pl.LazyFrame,
    story_storytellers: pl.LazyFrame,
    codebook: Codebook,
    via: str = "storyteller",
    linked: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Challenge → vision links through the same storyteller or workshop.

    `coded`: (story_id, workshop_id, kind, _w…) the stories in scope with their theme sets;
    `linked`, when given, is `coded` already joined to `story_storytellers`.
    """
    unit = UNIT_COLUMN[via]
    challenges = codebook.index(codebook.of_kind("challenge"))
    visions = codebook.index(codebook.of_kind("vision"))
    units = _units(coded, story_storytellers, codebook, via, linked)
    counts, per_challenge, per_vision = _counted(units, codebook, unit, [])
    counts = counts.filter(pl.col("links") > 0)
    if via == "storyteller":
        # The linking storytellers are the units themselves, one per link.
        counts = counts.with_columns(storytellers=pl.col("links"))
    else:
        coded = coded.select("story_id", "workshop_id", "kind", *codebook.columns())
        by_challenge = codebook.explode(
            units, [unit, *codebook.columns("_v")], name="challenge", prefix="_c", only=challenges
        )
        counts = counts.join(
            _storytellers(coded, by_challenge, codebook, challenges, visions, story_storytellers),
            on=["challenge", "vision"],
            how="left",
        )
    return (
        counts.join(per_challenge, on="challenge")
        .join(per_vision, on="vision")
        .with_columns(share=pl.col("links") / pl.col("units_challenge"), via=pl.lit(via))
        .select(
            "challenge",
            "vision",
            "via",
            "links",
            "units_challenge",
            "units_vision",
            "share",
            "storytellers",
        )
    )


def link_cells(
    coded: pl.LazyFrame,
    story_storytellers: pl.LazyFrame,
    codebook: Codebook,
    unit_sites: pl.LazyFrame,
    via: str = "storyteller",
    linked: pl.LazyFrame | None = None,
) -> tuple[pl.LazyFrame, pl.LazyFrame, pl.LazyFrame]:
    """The counts of `links` within sites, each with its cell key (`key`): links per
    (site_id, challenge, vision), units per (site_id, challenge) and per (site_id, vision).

    `unit_sites`: (unit column, site_id, record_key) the site a unit belongs to (a
    storyteller's own site, a workshop's) and its key (a storyteller's record key, or the
    sum of a workshop's storytellers' keys).
    """
    unit = UNIT_COLUMN[via]
    # Cached: each of the six tallies below reads the units, which Polars would otherwise
    # group again for each reading (and for each theme the explodes filter by).
    units = (
        _units(coded, story_storytellers, codebook, via, linked).join(unit_sites, on=unit).cache()
    )
    counted = _counted(units, codebook, unit, ["site_id"])
    keys = _counted(units, codebook, unit, ["site_id"], weight="record_key")
    out = []
    for counts, summed, on in zip(
        counted, keys, (["challenge", "vision"], ["challenge"], ["vision"]), strict=True
    ):
        value = counts.collect_schema().names()[-1]
        out.append(
            counts.join(
                summed.rename({value: "key"}), on=["site_id", *on], how="left"
            ).with_columns(pl.col("key").fill_null(0))
        )
    return out[0], out[1], out[2]


def _storytellers(
    coded: pl.LazyFrame,
    by_challenge: pl.LazyFrame,
    codebook: Codebook,
    challenges: list[int],
    visions: list[int],
    story_storytellers: pl.LazyFrame,
) -> pl.LazyFrame:
    """Distinct storytellers of the present and future stories behind each workshop link."""
    linked = codebook.explode(
        by_challenge, ["workshop_id", "challenge"], name="vision", prefix="_v", only=visions
    )
    present = codebook.explode(
        coded.filter(pl.col("kind") == "present"), ["workshop_id", "story_id"],
        name="challenge", only=challenges,
    )  # fmt: skip
    future = codebook.explode(
        coded.filter(pl.col("kind") == "future"), ["workshop_id", "story_id"],
        name="vision", only=visions,
    )  # fmt: skip
    behind = pl.concat(
        [
            linked.join(present, on=["workshop_id", "challenge"]).select(
                "challenge", "vision", "story_id"
            ),
            linked.join(future, on=["workshop_id", "vision"]).select(
                "challenge", "vision", "story_id"
            ),
        ]
    )
    return (
        behind.join(story_storytellers, on="story_id")
        .group_by("challenge", "vision")
        .agg(storytellers=pl.col("storyteller_id").n_unique().cast(COUNTS))
    )
