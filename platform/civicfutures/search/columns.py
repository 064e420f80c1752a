"""A per-process columnar copy of what search filters and counts by, keyed by the data version.

Counting facets in SQL grows with the number of matches (a common word matches half the
corpus); counting them here is a handful of array operations over the matching ids. The copy
holds, per story id, the codes of its site, country, project, kind, language, status, workshop,
workshop date and themes, and, per reader scope, which stories that scope may read: the
consent rule's own SQL (`story_scope.story_conditions`) decides that, once per data version.

Correctness never depends on time: every committed write to the tables these columns come from
bumps `data_version` in the same transaction (triggers, see the migration), a copy is only
used with the version it was read at, and a read counts only when the version was the same
before and after it (no write committed in between).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from civicfutures.auth.actor import Actor
from civicfutures.consent import READER_ROLES
from civicfutures.db.sql import fetch, fetch_one
from civicfutures.db.tables import Story
from civicfutures.db.version import data_version
from civicfutures.intake.story_scope import StoryFilters, story_conditions
from civicfutures.search import index

# Reader scopes kept per version (a partner's scope is their set of sites).
SCOPES_KEPT = 64
T = TypeVar("T")

# The story columns come as one comma-separated string each (rows in the same order for every
# aggregate of one pass): a row per story through the driver took seconds for 100,000
# stories. The values are ids and codes, which hold no comma. Country and project come from
# the site, the date from the workshop: the story table alone is read, through the index
# `story_columns` where the engine can.
_STORY_COLUMNS = ("id", "site", "workshop", "kind", "language", "status")
_INTEGERS = ("id", "site", "workshop")
_SITES = "SELECT id, slug, country, project FROM site"
_WORKSHOPS = {
    True: "SELECT id, CAST(julianday(held_on) - 2440587.5 AS INTEGER) AS days FROM workshop",
    False: "SELECT id, held_on - DATE '1970-01-01' AS days FROM workshop",
}


def _aggregate(expression: str) -> str:
    if index.is_sqlite():
        return f"group_concat(CAST({expression} AS TEXT), ',')"
    return f"string_agg(CAST({expression} AS TEXT), ',')"


async def _columns(names: Sequence[str], table: str) -> dict[str, str]:
    """Columns of a table, each as one comma-separated string."""
    selected = ", ".join(f"COALESCE({_aggregate(name)}, '') AS {name}" for name in names)
    row = await fetch_one(f"SELECT {selected} FROM {table}")
    return {name: str(row[name]) if row else "" for name in names}


def _integers(text: str) -> np.ndarray:
    return np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, np.int64)


def _by_id(rows: Sequence[Mapping[str, Any]], name: str, missing: Any) -> dict[int, Any]:
    return {int(row["id"]): (missing if row[name] is None else row[name]) for row in rows}


class StaleVersion(Exception):
    """A write committed while the columns or a scope were read: read again."""


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
    def of(cls, ids: np.ndarray, column: np.ndarray, size: int) -> Coded:
        """From the column's values by row of `ids` ('' or -1 for no value, like NULL)."""
        values, codes_of_rows = np.unique(column, return_inverse=True)
        codes = np.full(size, -1, dtype=np.int32)
        if len(values) and values[0] in ("", -1):
            # No value counts in no facet and passes no filter, like NULL in SQL.
            codes_of_rows = codes_of_rows - 1
            values = values[1:]
        codes[ids] = codes_of_rows
        return cls(codes, values.tolist())

    def equal(self, value: Any) -> np.ndarray:
        code = self.values.index(value) if value in self.values else -2
        return self.codes == code

    def count(self, hits: np.ndarray) -> dict[str, int]:
        codes = self.codes[hits]
        counted = np.bincount(codes[codes >= 0], minlength=len(self.values))
        present = np.flatnonzero(counted)
        values = self.values
        return {
            str(values[i]): n
            for i, n in zip(present.tolist(), counted[present].tolist(), strict=True)
        }


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
                await _columns(_STORY_COLUMNS, "story"),
                await _columns(("story", "theme"), "coding"),
                await fetch("SELECT id, key FROM theme"),
                await fetch(_SITES),
                await fetch(_WORKSHOPS[index.is_sqlite()]),
                await fetch("SELECT id, slug FROM project"),
            )

        stories, codings, theme_keys, sites, workshops, projects = await _unchanged(version, read)
        ids = _integers(stories["id"])
        size = int(ids.max()) + 1 if len(ids) else 1
        exists = np.zeros(size, dtype=bool)
        exists[ids] = True
        site_of = _integers(stories["site"])
        workshop_of = _integers(stories["workshop"])

        def words(name: str) -> Coded:
            return Coded.of(ids, np.array(stories[name].split(",") if ids.size else []), size)

        unknown = np.iinfo(np.int32).min
        held_on = np.full(size, unknown, dtype=np.int32)
        held_on[ids] = _lookup(_by_id(workshops, "days", unknown), workshop_of, unknown)
        # Themes count by key (one key may name a theme in several projects), each story once.
        themes = sorted({row["key"] for row in theme_keys})
        code_of_theme = _lookup(
            {int(row["id"]): themes.index(row["key"]) for row in theme_keys},
            _integers(codings["theme"]),
            0,
        )
        pairs = np.unique(_integers(codings["story"]) * len(themes) + code_of_theme)
        coded_story, coded_theme = np.divmod(pairs, max(len(themes), 1))
        return cls(
            version=version,
            size=size,
            exists=exists,
            site=Coded.of(ids, site_of, size),
            country=Coded.of(ids, _lookup(_by_id(sites, "country", ""), site_of, ""), size),
            project=Coded.of(ids, _lookup(_by_id(sites, "project", -1), site_of, -1), size),
            kind=words("kind"),
            language=words("language"),
            status=words("status"),
            workshop=Coded.of(ids, workshop_of, size),
            held_on=held_on,
            coded_story=coded_story,
            coded_theme=coded_theme.astype(np.int32),
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
        conditions = await story_conditions(actor, StoryFilters())
        query = Story.select(Story.id).where(*conditions)
        ids = await _unchanged(
            self.version,
            lambda: Story.raw(
                f"SELECT {_aggregate('v.id')} AS ids FROM ({{}}) AS v", query.querystrings[0]
            ),
        )
        known = _integers(ids[0]["ids"] if ids and ids[0]["ids"] else "")
        if len(known) and known.max() >= self.size:
            raise StaleVersion()
        mask = np.zeros(self.size, dtype=bool)
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


def _lookup(table: dict[int, Any], keys: np.ndarray, missing: Any) -> np.ndarray:
    """`table[key]` for every key, through an array by key (the tables are small: sites,
    workshops, themes)."""
    top = max(table, default=0)
    kind = np.array(list(table.values()) or [missing]).dtype
    by_key = np.full(top + 1, missing, dtype=kind)
    for key, value in table.items():
        by_key[key] = value
    return by_key[keys] if len(keys) else np.zeros(0, dtype=kind)


def _days(day: Any) -> int:
    return int(np.datetime64(day.isoformat(), "D").astype(np.int64))


_current: StoryColumns | None = None


async def current() -> StoryColumns:
    """The columns at the database's present version, read again only after a write."""
    return await at(await data_version())


async def at(version: str) -> StoryColumns:
    """The columns at `version`, just read from the database (`StaleVersion` if a write has
    committed since: they could no longer be read at it)."""
    global _current
    if _current is None or _current.version != version:
        _current = await StoryColumns.load(version)
    return _current


def forget() -> None:
    """Drop the copy (a database opened anew, e.g. between test runs)."""
    global _current
    _current = None
