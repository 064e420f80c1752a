"""Ranked search of the stories an actor may read, with the list's filters and facet counts.

The engine finds and ranks (FTS5's bm25 on SQLite, `ts_rank` on PostgreSQL, the title
weighted above the body); the story list's own conditions, consent rule first, decide which
matches the actor sees, so facets and totals never count a story the actor cannot read.
"""

from __future__ import annotations

from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.querystring import QueryString

from civicfutures.auth.actor import Actor
from civicfutures.db.tables import Site, Story, Translation
from civicfutures.errors import FieldError, Problem
from civicfutures.i18n import gettext as _
from civicfutures.intake.story_service import StoryFilters, StoryService
from civicfutures.search import index
from civicfutures.search.schemas import FacetCount, SearchHit, SearchPage
from civicfutures.search.text import fts5_query, matches, snippet, terms, tsquery

MAX_QUERY_LENGTH = 1000
PAGE_MAX = 100
FACETS = ("site", "country", "kind", "language", "theme", "workshop", "status")
# bm25 weights of the FTS5 columns (title, body); PostgreSQL's weights A and B do the same.
TITLE_WEIGHT, BODY_WEIGHT = 5.0, 1.0


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
        stories = {
            row["id"]: row
            for row in await Story.select(
                Story.id,
                Story.title,
                Story.body,
                Story.language,
                Story.kind,
                Story.status,
                Story.site.slug,
            ).where(Story.id.is_in(page))
        }
        translations: dict[int, list[dict[str, Any]]] = {}
        for row in (
            await Translation.select(
                Translation.story, Translation.language, Translation.title, Translation.body
            )
            .where(Translation.story.is_in(page))
            .order_by(Translation.language)
        ):
            translations.setdefault(row["story"], []).append(row)
        hits = []
        for story_id in page:
            row = stories[story_id]
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


def _best_text(
    story: dict[str, Any], translations: list[dict[str, Any]], words: list[str], prefix: bool
) -> tuple[str, str]:
    """The text to quote: the first of the original and its translations that holds the most
    of the words (title and body together), the original when none does."""
    candidates = [(story["title"] + " — " + story["body"], story["language"])] + [
        (t["title"] + " — " + t["body"], t["language"]) for t in translations
    ]
    best, best_found = candidates[0], -1
    for text, language in candidates:
        found_in = terms(text)
        found = {word for word in words if any(matches(t, [word], prefix) for t in found_in)}
        if len(found) > best_found:
            best, best_found = (text, language), len(found)
    return best
