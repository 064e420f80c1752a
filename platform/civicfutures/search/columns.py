"""A per-process columnar copy of what search filters and counts by, keyed by the data version.

Counting facets in SQL grows with the number of matches (a common word matches half the
corpus); counting them here is a handful of array operations over the matching ids. The copy
holds, per story id, the codes of its site, country, project, kind, language, status, workshop,
workshop date and themes, and, per reader scope, which stories that scope may read: the
consent rule's own SQL (`StoryService.conditions`) decides that, once per data version.

Correctness never depends on time: every committed write to the tables these columns come from
bumps `data_version` in the same transaction (triggers, see the migration), a copy is only
used with the version it was read at, and a read counts only when the version was the same
before and after it (no write committed in between).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from civicfutures.auth.actor import Actor
from civicfutures.consent import READER_ROLES
from civicfutures.db.sql import fetch, fetch_one
from civicfutures.db.tables import Story
from civicfutures.intake.story_service import StoryFilters, StoryService

# Reader scopes kept per version (a partner's scope is their set of sites).
SCOPES_KEPT = 64
T = TypeVar("T")

_STORIES = (
    "SELECT story.id, story.site, site.country, site.project, story.kind, story.language, "
    "story.status, story.workshop, workshop.held_on "
    "FROM story JOIN site ON site.id = story.site JOIN workshop ON workshop.id = story.workshop"
)
_CODINGS = (
    "SELECT DISTINCT coding.story, theme.key FROM coding JOIN theme ON theme.id = coding.theme"
)


class StaleVersion(Exception):
    """A write committed while the columns or a scope were read: read again."""


# The version as one value: the database's epoch (drawn when the counter was created, so two
# databases never share a version) and its counter.
VERSION_SQL = (
    "SELECT epoch || ':' || CAST(version AS TEXT) AS version FROM data_version WHERE id = 1"
)


async def data_version() -> str:
    row = await fetch_one(VERSION_SQL)
    return str(row["version"]) if row else ""


async def _unchanged(version: str, read: Callable[[], Awaitable[T]]) -> T:
    """`read()`, if no write committed since `version` was read and until it returned."""
    result = await read()
    if await data_version() != version:
        raise StaleVersion()
    return result


def scope_of(actor: Actor) -> Hashable:
    """What decides which stories an actor reads (`readable_stories` and `site_ids`)."""
    return (
        actor.is_visitor,
        actor.is_admin,
        actor.partner_site_ids,
        actor.has_any(*READER_ROLES),
        actor.site_ids,
    )


@dataclass
class Coded:
    """One categorical column: a code per story id (-1: no story or no value) and the values."""

    codes: np.ndarray
    values: list[Any]

    @classmethod
    def of(cls, ids: np.ndarray, column: Sequence[Any], size: int) -> Coded:
        values = sorted({value for value in column if value is not None}, key=str)
        position = {value: code for code, value in enumerate(values)}
        codes = np.full(size, -1, dtype=np.int32)
        codes[ids] = [position.get(value, -1) if value is not None else -1 for value in column]
        return cls(codes, values)

    def equal(self, value: Any) -> np.ndarray:
        code = self.values.index(value) if value in self.values else -2
        return self.codes == code

    def count(self, hits: np.ndarray) -> dict[str, int]:
        codes = self.codes[hits]
        counted = np.bincount(codes[codes >= 0], minlength=len(self.values))
        return {str(self.values[i]): int(n) for i, n in enumerate(counted) if n}


@dataclass
class StoryColumns:
    version: str
    size: int
    exists: np.ndarray
    site: Coded
    country: Coded
    project: Coded
    kind: Coded
    language: Coded
    status: Coded
    workshop: Coded
    held_on: np.ndarray  # days since 1970-01-01; the minimum int32 when unknown
    coded_story: np.ndarray  # one entry per (story, theme key) pair
    coded_theme: np.ndarray
    themes: list[str]
    site_slugs: dict[int, str]
    project_ids: dict[str, int]
    scopes: OrderedDict[Hashable, np.ndarray] = field(default_factory=OrderedDict)

    @classmethod
    async def load(cls, version: str) -> StoryColumns:
        async def read() -> tuple[Any, ...]:
            return (
                await fetch(_STORIES),
                await fetch(_CODINGS),
                await fetch("SELECT id, slug FROM site"),
                await fetch("SELECT id, slug FROM project"),
            )

        stories, codings, sites, projects = await _unchanged(version, read)
        ids = np.fromiter((row["id"] for row in stories), dtype=np.int64, count=len(stories))
        size = int(ids.max()) + 1 if len(ids) else 1
        exists = np.zeros(size, dtype=bool)
        exists[ids] = True

        def coded(name: str) -> Coded:
            return Coded.of(ids, [row[name] for row in stories], size)

        held_on = np.full(size, np.iinfo(np.int32).min, dtype=np.int32)
        days = np.array([str(row["held_on"])[:10] for row in stories], dtype="datetime64[D]")
        held_on[ids] = days.astype(np.int64)
        themes = sorted({row["key"] for row in codings})
        theme_code = {key: code for code, key in enumerate(themes)}
        return cls(
            version=version,
            size=size,
            exists=exists,
            site=coded("site"),
            country=coded("country"),
            project=coded("project"),
            kind=coded("kind"),
            language=coded("language"),
            status=coded("status"),
            workshop=coded("workshop"),
            held_on=held_on,
            coded_story=np.array([row["story"] for row in codings], dtype=np.int64),
            coded_theme=np.array([theme_code[row["key"]] for row in codings], dtype=np.int32),
            themes=themes,
            site_slugs={int(row["id"]): row["slug"] for row in sites},
            project_ids={row["slug"]: int(row["id"]) for row in projects},
        )

    async def readable(self, actor: Actor) -> np.ndarray:
        """Per story id, whether the actor may read it: the consent rule's SQL, once per scope."""
        key = scope_of(actor)
        if key in self.scopes:
            self.scopes.move_to_end(key)
            return self.scopes[key]
        conditions = await StoryService().conditions(actor, StoryFilters())
        query = Story.select(Story.id).where(*conditions).output(as_list=True)
        ids = await _unchanged(self.version, lambda: query.run())
        mask = np.zeros(self.size, dtype=bool)
        known = np.array([i for i in ids if i < self.size], dtype=np.int64)
        if len(known) != len(ids):
            raise StaleVersion()
        mask[known] = True
        self.scopes[key] = mask
        if len(self.scopes) > SCOPES_KEPT:
            self.scopes.popitem(last=False)
        return mask

    def filtered(self, filters: StoryFilters) -> np.ndarray:
        """Per story id, whether it passes the list filters (the same as `conditions`)."""
        mask = self.exists.copy()
        if filters.project:
            mask &= self.project.equal(self.project_ids.get(filters.project))
        if filters.site:
            site = next((i for i, slug in self.site_slugs.items() if slug == filters.site), None)
            mask &= self.site.equal(site)
        if filters.country:
            mask &= self.country.equal(filters.country.upper())
        if filters.kind:
            mask &= self.kind.equal(filters.kind)
        if filters.language:
            mask &= self.language.equal(filters.language)
        if filters.status:
            mask &= self.status.equal(filters.status)
        if filters.workshop is not None:
            mask &= self.workshop.equal(filters.workshop)
        unknown = np.iinfo(np.int32).min
        if filters.date_from:
            mask &= (self.held_on != unknown) & (self.held_on >= _days(filters.date_from))
        if filters.date_to:
            mask &= (self.held_on != unknown) & (self.held_on <= _days(filters.date_to))
        if filters.theme:
            coded = np.zeros(self.size, dtype=bool)
            if filters.theme in self.themes:
                code = self.themes.index(filters.theme)
                coded[self.coded_story[self.coded_theme == code]] = True
            mask &= coded
        return mask

    def facets(self, hits: np.ndarray) -> dict[str, dict[str, int]]:
        """Per facet, the number of `hits` (story ids) with each value."""
        chosen = np.zeros(self.size, dtype=bool)
        chosen[hits] = True
        themes = np.bincount(self.coded_theme[chosen[self.coded_story]], minlength=len(self.themes))
        return {
            "site": {self.site_slugs[int(site)]: n for site, n in self.site.count(hits).items()},
            "country": self.country.count(hits),
            "kind": self.kind.count(hits),
            "language": self.language.count(hits),
            "theme": {self.themes[i]: int(n) for i, n in enumerate(themes) if n},
            "workshop": self.workshop.count(hits),
            "status": self.status.count(hits),
        }


def _days(day: Any) -> int:
    return int(np.datetime64(day.isoformat(), "D").astype(np.int64))


_current: StoryColumns | None = None


async def current() -> StoryColumns:
    """The columns at the database's present version, read again only after a write."""
    global _current
    version = await data_version()
    if _current is None or _current.version != version:
        _current = await StoryColumns.load(version)
    return _current


def forget() -> None:
    """Drop the copy (a database opened anew, e.g. between test runs)."""
    global _current
    _current = None
