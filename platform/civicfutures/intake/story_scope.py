"""Which stories a list or a search covers: its filters, and the conditions that carry them
out for an actor, consent rule first. The story list, search and its columns all use them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from civicfutures.auth.actor import Actor
from civicfutures.consent import readable_stories
from civicfutures.db.tables import Coding, Site, Story


@dataclass(frozen=True)
class StoryFilters:
    """The list filters of API.md; every field optional."""

    project: str | None = None
    site: str | None = None
    country: str | None = None
    kind: str | None = None
    language: str | None = None
    theme: str | None = None
    status: str | None = None
    workshop: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


async def story_conditions(actor: Actor, filters: StoryFilters) -> list[Any]:
    """The query conditions of `filters` for `actor`, consent rule first (search shares them)."""
    conditions: list[Any] = [readable_stories(actor)]
    if actor.site_ids is not None:
        conditions.append(Story.site.is_in(sorted(actor.site_ids) or [-1]))
    if filters.project:
        conditions.append(Story.site.project.slug == filters.project)
    if filters.site:
        site = await Site.select(Site.id).where(Site.slug == filters.site).first()
        # Another partner's site filters to nothing, exactly like an unknown slug.
        conditions.append(Story.site == (site["id"] if site else -1))
    if filters.country:
        conditions.append(Story.site.country == filters.country.upper())
    if filters.kind:
        conditions.append(Story.kind == filters.kind)
    if filters.language:
        conditions.append(Story.language == filters.language)
    if filters.status:
        conditions.append(Story.status == filters.status)
    if filters.workshop is not None:
        conditions.append(Story.workshop == filters.workshop)
    if filters.date_from:
        conditions.append(Story.workshop.held_on >= filters.date_from)
    if filters.date_to:
        conditions.append(Story.workshop.held_on <= filters.date_to)
    if filters.theme:
        # A sub-select, not a list of ids: a common theme codes more stories than a
        # statement may carry parameters.
        conditions.append(
            Story.id.is_in(Coding.select(Coding.story).where(Coding.theme.key == filters.theme))
        )
    return conditions
