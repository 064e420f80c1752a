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

COUNTS = pl.Int64

UNIT_COLUMN = {"storyteller": "storyteller_id", "workshop": "workshop_id"}


def links(
    stories: pl.LazyFrame,
    present: pl.LazyFrame,
    themes: pl.LazyFrame,
    story_storytellers: pl.LazyFrame,
    via: str = "storyteller",
) -> pl.LazyFrame:
    """Challenge → vision links through the same storyteller or workshop."""
    unit = UNIT_COLUMN[via]
    kinds = themes.select("theme", theme_kind="kind")
    coded = (
        present.join(stories.select("story_id", "workshop_id", story_kind="kind"), on="story_id")
        .join(kinds, on="theme")
        .join(story_storytellers, on="story_id")
    )
    challenges = coded.filter(
        (pl.col("story_kind") == "present") & (pl.col("theme_kind") == "challenge")
    ).select(*dict.fromkeys([unit, "storyteller_id"]), challenge="theme")
    visions = coded.filter(
        (pl.col("story_kind") == "future") & (pl.col("theme_kind") == "vision")
    ).select(*dict.fromkeys([unit, "storyteller_id"]), vision="theme")
    challenge_units = challenges.select(unit, "challenge").unique()
    vision_units = visions.select(unit, "vision").unique()
    linked = challenge_units.join(vision_units, on=unit)
    counts = linked.group_by("challenge", "vision").agg(links=pl.len().cast(COUNTS))
    # The storytellers behind a link: those of its present stories and of its future stories.
    tellers = (
        pl.concat(
            [
                linked.join(challenges, on=[unit, "challenge"]).select(
                    "challenge", "vision", "storyteller_id"
                ),
                linked.join(visions, on=[unit, "vision"]).select(
                    "challenge", "vision", "storyteller_id"
                ),
            ]
        )
        .group_by("challenge", "vision")
        .agg(storytellers=pl.col("storyteller_id").n_unique().cast(COUNTS))
    )
    per_challenge = challenge_units.group_by("challenge").agg(units_challenge=pl.len().cast(COUNTS))
    per_vision = vision_units.group_by("vision").agg(units_vision=pl.len().cast(COUNTS))
    return (
        counts.join(tellers, on=["challenge", "vision"], how="left")
        .join(per_challenge, on="challenge")
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
