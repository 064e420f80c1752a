"""Ranked search of the stories an actor may read, with the list's filters and facet counts.

The engine finds and ranks (FTS5's bm25 on SQLite, `ts_rank` on PostgreSQL, the title
weighted above the body); the story list's own conditions, consent rule first, decide which
matches the actor sees, so facets and totals never count a story the actor cannot read.

The index hands over the ids of every match in one statement with the data version; the
per-process columns of that version (`search.columns`) keep the readable ones that pass the
filters and count the facets. Ranking every match costs as much as the matches are many, so
a broad search (more than `RANK_ALL` matches, where a word is in so many stories that it
tells them little apart) ranks only the stories whose title holds the words, then lists the
others newest first, with a score of 0. Should the version move three times during one
search, the search runs as one SQL statement instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from piccolo.columns.combination import WhereRaw
from piccolo.querystring import QueryString

from civicfutures.auth.actor import Actor
from civicfutures.db.kept import KeptByVersion
from civicfutures.db.sql import fetch, placeholders
from civicfutures.db.tables import Site, Story
from civicfutures.db.version import VERSION_SQL, data_version
from civicfutures.errors import FieldError, Problem
from civicfutures.i18n import gettext as _
from civicfutures.intake.story_service import StoryFilters, StoryService
from civicfutures.search import columns as story_columns
from civicfutures.search import index
from civicfutures.search.schemas import FacetCount, SearchHit, SearchPage
from civicfutures.search.text import fts5_query, matches, snippet, terms, tsquery, words_of

MAX_QUERY_LENGTH = 1000
PAGE_MAX = 100
FACETS = ("site", "country", "kind", "language", "theme", "workshop", "status")
# bm25 weights of the FTS5 columns (title, body); PostgreSQL's weights A and B do the same.
TITLE_WEIGHT, BODY_WEIGHT = index.TITLE_WEIGHT, index.BODY_WEIGHT
# Past this many matches a search ranks only its title matches (see the module's docstring).
RANK_ALL = 5_000
ATTEMPTS = 3


class BadQuery(Problem):
    status_code = 400


def _check(q: str, limit: int, offset: int) -> None:
    if len(q) > MAX_QUERY_LENGTH:
        raise BadQuery(
            _("The search is too long."),
            [
                FieldError(
                    "q",
                    _("Search for at most {limit} characters.").format(limit=MAX_QUERY_LENGTH),
                )
            ],
        )
    if not 1 <= limit <= PAGE_MAX:
        raise BadQuery(
            _("Invalid page."),
            [FieldError("limit", _("Between 1 and {max}.").format(max=PAGE_MAX))],
        )
    if offset < 0:
        raise BadQuery(_("Invalid page."), [FieldError("offset", _("Zero or more."))])


def _match(words: list[str], prefix: bool = False) -> tuple[WhereRaw, str, str]:
    """The condition on `story` rows, the ranking query (`id`, `rank`: lower is better) with
    one parameter, and that parameter; with `prefix`, each word matches the words it begins."""
    if index.is_sqlite():
        expression = fts5_query(words, prefix)
        condition = WhereRaw(
            "(story.id IN (SELECT rowid FROM story_search WHERE story_search MATCH {}))",
            expression,
        )
        ranking = (
            f"SELECT rowid AS id, bm25(story_search, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS rank "
            "FROM story_search WHERE story_search MATCH {}"
        )
        return condition, ranking, expression
    # plainto_tsquery reads plain words joined by AND: no operator of the input survives.
    parse = "to_tsquery" if prefix else "plainto_tsquery"
    expression = tsquery(words) if prefix else " ".join(words)
    condition = WhereRaw(
        f"(story.id IN (SELECT story FROM story_search WHERE document @@ {parse}('simple', {{}})))",
        expression,
    )
    ranking = (
        "SELECT story AS id, -ts_rank(document, query) AS rank "
        f"FROM story_search, {parse}('simple', {{}}) AS query WHERE document @@ query"
    )
    return condition, ranking, expression


# One statement answers a search: the visible matches are gathered once (`hits`), then every
# facet is counted and the page is ranked from them, so no matching row travels to Python.
# Each branch: facet name, value, count, rank (only the page's rows have one).
_FACET_COLUMNS = {
    "site": "hits.site",
    "country": 'hits."site.country"',
    "kind": "hits.kind",
    "language": "hits.language",
    "workshop": "hits.workshop",
    "status": "hits.status",
}
_SEARCH = (
    "WITH hits AS MATERIALIZED ({}), "
    "ranked AS ({}), "
    "page AS (SELECT hits.id AS id, ranked.rank AS rank FROM hits "
    "JOIN ranked ON ranked.id = hits.id ORDER BY ranked.rank, hits.id LIMIT {} OFFSET {}) "
    + " UNION ALL ".join(
        f"SELECT '{name}' AS facet, CAST({column} AS TEXT) AS value, COUNT(*) AS n, "
        "CAST(NULL AS DOUBLE PRECISION) AS rank FROM hits "
        f"WHERE {column} IS NOT NULL GROUP BY {column}"
        for name, column in _FACET_COLUMNS.items()
    )
    + " UNION ALL SELECT 'theme', theme.key, COUNT(DISTINCT coding.story), "
    "CAST(NULL AS DOUBLE PRECISION) FROM coding JOIN theme ON theme.id = coding.theme "
    "WHERE coding.story IN (SELECT id FROM hits) GROUP BY theme.key"
    " UNION ALL SELECT 'total', NULL, COUNT(*), CAST(NULL AS DOUBLE PRECISION) FROM hits"
    " UNION ALL SELECT 'page', CAST(id AS TEXT), 0, CAST(rank AS DOUBLE PRECISION) FROM page"
)


# Browsing ranks by id, newest first; the parameter keeps the ranking's one placeholder.
_NEWEST_FIRST = "SELECT id, -CAST(id AS DOUBLE PRECISION) AS rank FROM story WHERE id > {}"


# Searches answered, per reader scope and data version (`db/kept.py`): the same search asked
# again before any write is answered without the index. Read only once kept.
_RESULTS: KeptByVersion[SearchPage] = KeptByVersion(capacity=512)


def _counts(counted: dict[str, int]) -> list[FacetCount]:
    return [
        FacetCount(value, n) for value, n in sorted(counted.items(), key=lambda i: (-i[1], i[0]))
    ]


class SearchService:
    async def search(
        self,
        actor: Actor,
        q: str,
        filters: StoryFilters,
        limit: int = 20,
        offset: int = 0,
        browse: bool = False,
        prefix: bool = False,
    ) -> SearchPage:
        """The stories matching `q`; with `browse`, an empty `q` lists every readable story,
        newest first, with the same facets (the public archive's first page); with `prefix`,
        each word of `q` also finds the longer words it begins (`mlodz` → „młodzieży”)."""
        _check(q, limit, offset)
        words = terms(q)
        empty = SearchPage(
            q=q, items=[], total=0, limit=limit, offset=offset, facets={f: [] for f in FACETS}
        )
        if not words and not browse:
            return empty
        version = await data_version()
        key = (story_columns.scope_of(actor), q, filters, limit, offset, browse, prefix)

        async def answer() -> SearchPage:
            for _attempt in range(ATTEMPTS):
                try:
                    return await self._from_columns(
                        actor, q, words, filters, limit, offset, empty, prefix
                    )
                except story_columns.StaleVersion:
                    continue
            return await self._in_sql(actor, q, words, filters, limit, offset, empty, prefix)

        return await _RESULTS.get_or_derive(key, version, answer)

    async def _from_columns(
        self,
        actor: Actor,
        q: str,
        words: list[str],
        filters: StoryFilters,
        limit: int,
        offset: int,
        empty: SearchPage,
        prefix: bool,
    ) -> SearchPage:
        if words:
            # The matches come with the version they were read at: the columns of that
            # version count them, without a round trip of their own to ask for it.
            version, matched = await index.matches(words, VERSION_SQL, prefix)
            columns = await story_columns.at(version)
            matched = matched[matched < columns.size]
        else:
            columns = await story_columns.current()
            matched = np.flatnonzero(columns.exists)
        wanted = await columns.readable(actor) & columns.filtered(filters)
        hits = np.sort(matched[wanted[matched]])
        if not len(hits):
            return empty
        order, ranks = await _ranked(words, hits, len(matched), prefix)
        page = [int(story) for story in order[offset : offset + limit]]
        counted = columns.facets(hits)
        return SearchPage(
            q=q,
            # Browsing scores a story by its id, as the newest-first ranking does in SQL.
            items=await self._hits(
                page,
                words,
                {s: ranks.get(s, 0.0 if words else -float(s)) for s in page},
                prefix,
            ),
            total=len(hits),
            limit=limit,
            offset=offset,
            facets={name: _counts(counted[name]) for name in FACETS},
        )

    async def _in_sql(
        self,
        actor: Actor,
        q: str,
        words: list[str],
        filters: StoryFilters,
        limit: int,
        offset: int,
        empty: SearchPage,
        prefix: bool,
    ) -> SearchPage:
        """The whole search as one statement: no columns, whatever writes run meanwhile."""
        hits = Story.select(
            Story.id,
            Story.site,
            Story.site.country,
            Story.kind,
            Story.language,
            Story.status,
            Story.workshop,
        )
        ranking: str = _NEWEST_FIRST
        expression: str | int = 0
        if words:
            condition, ranking, expression = _match(words, prefix)
            hits = hits.where(condition)
        for item in await StoryService().conditions(actor, filters):
            hits = hits.where(item)
        rows = await Story.raw(
            _SEARCH, hits.querystrings[0], QueryString(ranking, expression), limit, offset
        )
        counted: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        total, page, ranks = 0, [], {}
        for row in rows:
            if row["facet"] == "total":
                total = row["n"]
            elif row["facet"] == "page":
                story = int(row["value"])
                page.append((row["rank"], story))
                ranks[story] = row["rank"]
            else:
                counted[row["facet"]][row["value"]] = row["n"]
        if not total:
            return empty
        sites = counted["site"]
        if sites:
            slugs = {
                str(row["id"]): row["slug"]
                for row in await Site.select(Site.id, Site.slug).where(
                    Site.id.is_in([int(value) for value in sites])
                )
            }
            counted["site"] = {slugs[value]: n for value, n in sites.items()}
        return SearchPage(
            q=q,
            items=await self._hits([story for _, story in sorted(page)], words, ranks, prefix),
            total=total,
            limit=limit,
            offset=offset,
            facets={name: _counts(counted[name]) for name in FACETS},
        )

    async def _hits(
        self, page: list[int], words: list[str], ranks: dict[int, float], prefix: bool = False
    ) -> list[SearchHit]:
        if not page:
            return []
        # Plain SQL: building the two queries in Piccolo cost more than running them.
        listed = placeholders(len(page))
        stories = {
            int(row["id"]): row
            for row in await fetch(
                "SELECT story.id, story.title, story.body, story.language, story.kind, "
                'story.status, site.slug AS "site.slug" FROM story '
                f"JOIN site ON site.id = story.site WHERE story.id IN ({listed})",
                *page,
            )
        }
        translations: dict[int, list[Mapping[str, Any]]] = {}
        for row in await fetch(
            "SELECT story, language, title, body FROM translation "
            f"WHERE story IN ({listed}) ORDER BY language, id",
            *page,
        ):
            translations.setdefault(int(row["story"]), []).append(row)
        hits = []
        for story_id in page:
            row = stories.get(story_id)
            if row is None:  # deleted since it matched
                continue
            text, language = _best_text(row, translations.get(story_id, []), words, prefix)
            hits.append(
                SearchHit(
                    id=story_id,
                    title=row["title"],
                    snippet=snippet(text, words, prefix=prefix),
                    snippet_language=language,
                    language=row["language"],
                    site=row["site.slug"],
                    kind=row["kind"],
                    status=row["status"],
                    score=round(-ranks.get(story_id, 0.0), 6),
                )
            )
        return hits


async def _ranked(
    words: list[str], hits: np.ndarray, matched: int, prefix: bool
) -> tuple[np.ndarray, dict[int, float]]:
    """`hits` (sorted ids) best first, and the rank of those that have one (lower is better)."""
    newest_first = hits[::-1]
    if not words:
        return newest_first, {}
    if matched <= RANK_ALL:
        ids, rank = await index.ranks(words, prefix=prefix)
        ranked = np.ones(len(ids), dtype=bool)
    else:
        # A broad search: the title matches first (ranked when few enough), then the rest.
        ids = index_ids = await index.title_matches(words, prefix)
        ranked = np.zeros(len(ids), dtype=bool)
        rank = np.zeros(len(ids), dtype=np.float64)
        # Ranking reads the words' whole entries in the index (their frequencies): only worth
        # it when some title matches.
        if 0 < len(index_ids) <= RANK_ALL:
            ids, rank = await index.ranks(words, title_only=True, prefix=prefix)
            ranked[:] = True
    keep = np.isin(ids, hits, assume_unique=True)
    ids, rank, ranked = ids[keep], rank[keep], ranked[keep]
    # Ranked ones by rank then id; unranked title matches newest first.
    first = ids[np.lexsort((np.where(ranked, ids, -ids), np.where(ranked, rank, 0.0)))]
    rest = newest_first[~np.isin(newest_first, first, assume_unique=True)]
    ranks = {int(i): float(r) for i, r, k in zip(ids, rank, ranked, strict=True) if k}
    return np.concatenate([first, rest]), ranks


def _best_text(
    story: Mapping[str, Any],
    translations: list[Mapping[str, Any]],
    words: list[str],
    prefix: bool,
) -> tuple[str, str]:
    """The text to quote: the first of the original and its translations that holds the most
    of the words (title and body together), the original when none does."""
    candidates = [(story["title"] + " — " + story["body"], story["language"])] + [
        (t["title"] + " — " + t["body"], t["language"]) for t in translations
    ]
    best, best_found = candidates[0], -1
    for text, language in candidates:
        found_in = words_of(text)
        if prefix:
            found = {word for word in words if any(matches(t, [word], True) for t in found_in)}
        else:
            found = found_in.intersection(words)
        if len(found) > best_found:
            best, best_found = (text, language), len(found)
    return best
