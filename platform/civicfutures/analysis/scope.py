"""Which stories a request covers, and which group each story (and storyteller) falls in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from civicfutures.analysis.dataset import Snapshot
from civicfutures.analysis.params import AnalysisParams

# A demographic group for storytellers who did not record the attribute at all.
NOT_RECORDED = "not_recorded"


def scoped_stories(
    stories: pl.LazyFrame, sites: pl.LazyFrame, params: AnalysisParams
) -> pl.LazyFrame:
    """The stories a request covers: by status, kind, workshop date, site and country."""
    filters: list[pl.Expr] = []
    if params.statuses:
        filters.append(pl.col("status").is_in(list(params.statuses)))
    if params.story_kind:
        filters.append(pl.col("kind") == params.story_kind)
    if params.date_from:
        filters.append(pl.col("date") >= params.date_from)
    if params.date_to:
        filters.append(pl.col("date") <= params.date_to)
    scoped = stories.filter(*filters) if filters else stories
    site_filters: list[pl.Expr] = []
    if params.sites:
        site_filters.append(pl.col("site").is_in(list(params.sites)))
    if params.countries:
        site_filters.append(pl.col("country").is_in([c.upper() for c in params.countries]))
    if site_filters:
        kept = sites.filter(*site_filters).select("site_id")
        scoped = scoped.join(kept, on="site_id", how="semi")
    return scoped


def _by_site(snapshot: Snapshot, stories: pl.LazyFrame) -> pl.LazyFrame:
    return stories.join(snapshot["sites"].select("site_id", group="site"), on="site_id")


def _by_country(snapshot: Snapshot, stories: pl.LazyFrame) -> pl.LazyFrame:
    return stories.join(snapshot["sites"].select("site_id", group="country"), on="site_id")


def _by_project(snapshot: Snapshot, stories: pl.LazyFrame) -> pl.LazyFrame:
    return stories.join(snapshot["project"].select(group="project"), how="cross")


def _by_story_kind(snapshot: Snapshot, stories: pl.LazyFrame) -> pl.LazyFrame:
    return stories.with_columns(group=pl.col("kind"))


def _by_workshop_kind(snapshot: Snapshot, stories: pl.LazyFrame) -> pl.LazyFrame:
    return stories.join(
        snapshot["workshops"].select("workshop_id", group="kind"), on="workshop_id", how="left"
    )


STRUCTURAL_GROUPS: dict[str, Callable[[Snapshot, pl.LazyFrame], pl.LazyFrame]] = {
    "site": _by_site,
    "country": _by_country,
    "project": _by_project,
    "story_kind": _by_story_kind,
    "workshop_kind": _by_workshop_kind,
}


@dataclass(frozen=True)
class Groups:
    """Which group each story falls in, and on which storytellers each group's count rests.

    `stories`: (story_id, *keys), one row per story and group; `tellers`: (story_id,
    storyteller_id, *keys), the storytellers a story's count in that group rests on.
    """

    stories: pl.LazyFrame
    tellers: pl.LazyFrame


def groups(
    snapshot: Snapshot,
    stories: pl.LazyFrame,
    links: pl.LazyFrame,
    by: str,
    keep: tuple[str, ...] = (),
    carry: tuple[str, ...] = (),
) -> Groups:
    """The groups of a grouping (`group` column) for the stories, with `keep` columns carried.

    `stories` are the stories in scope told by someone, `links` the same stories joined to
    their storytellers (one row per story and storyteller); `carry` names per-story columns
    (the theme sets) passed through to both frames.

    For a structural grouping every storyteller of a story is in the story's one group. For a
    demographic attribute a story belongs to every value its storytellers hold, and a group's
    cell rests only on the storytellers holding that value (the cautious reading for
    disclosure control). Storytellers without the attribute form the group `not_recorded`.
    """
    grouping = STRUCTURAL_GROUPS.get(by)
    if grouping is not None:
        return Groups(
            stories=grouping(snapshot, stories).select("story_id", *keep, "group", *carry),
            tellers=grouping(snapshot, links).select(
                "story_id", "group", "storyteller_id", *keep, *carry
            ),
        )
    held = held_values(snapshot, links, by).select(
        "story_id", "group", "storyteller_id", *keep, *carry
    )
    return Groups(stories=stories_in(held, keep, carry), tellers=held)


def held_values(snapshot: Snapshot, frame: pl.LazyFrame, by: str) -> pl.LazyFrame:
    """`frame` (with a `storyteller_id`) with the value of the demographic attribute `by`
    that each storyteller holds as `group`; `not_recorded` for those without one."""
    values = (
        snapshot["demographics"]
        .filter(pl.col("attribute") == by)
        .select("storyteller_id", group="value")
    )
    return frame.join(values, on="storyteller_id", how="left").with_columns(
        pl.col("group").fill_null(NOT_RECORDED)
    )


def stories_in(
    held: pl.LazyFrame, keep: tuple[str, ...] = (), carry: tuple[str, ...] = ()
) -> pl.LazyFrame:
    """(story_id, group, *keep, *carry), once per story and group, from `Groups.tellers`.

    `keep` and `carry` are the story's own (its site, its theme set), so a row is unique
    exactly when its (story, group) is; Polars finds whole-row duplicates faster than
    duplicates of a subset.
    """
    return held.select("story_id", "group", *keep, *carry).unique()


def with_site_slug(snapshot: Snapshot, stories: pl.LazyFrame) -> pl.LazyFrame:
    """Stories with their site's slug as `site`."""
    return stories.join(snapshot["sites"].select("site_id", "site"), on="site_id")
