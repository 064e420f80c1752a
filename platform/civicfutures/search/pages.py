"""The search page `/{lang}/search`: a form, the filters with their counts, ranked results.

HTTP only: the query string is read (`intake/story_query.py`, shared with the story list) into
the same `StoryFilters` the API uses and handed to `SearchService`; a bad value is shown next to its field (400), never a server error.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Router, get
from litestar.params import FromPath
from litestar.response import Template

from civicfutures.auth.actor import Actor
from civicfutures.db.kept import KeptByVersion
from civicfutures.db.version import data_version
from civicfutures.errors import FieldError, Problem
from civicfutures.i18n import current_locale
from civicfutures.intake.story_query import filter_labels, read_story_query
from civicfutures.intake.story_service import StoryFilters
from civicfutures.search.columns import scope_of
from civicfutures.search.service import FACETS, SearchService
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import known_language, page

PAGE_SIZE = 20


def _read(query: Any) -> tuple[str, StoryFilters, int, dict[str, str], dict[str, str]]:
    """The search, its filters and page from the query string; the raw values to show back;
    a message per field that could not be read."""
    read = read_story_query(query, extra=("q",))
    return read.raw["q"], read.filters, read.page, read.raw, dict(read.problems)


async def _labels(lang: str, facets: dict[str, list[Any]]) -> dict[str, dict[str, str]]:
    """What to call each facet value on the page."""
    return await filter_labels(
        lang, {name: [f.value for f in found] for name, found in facets.items()}
    )


class SearchPages(Controller):
    path = "/search"
    guards = [page_requires()]
    include_in_schema = False

    @get("/", name="search")
    async def search(self, request: Request, lang: FromPath[str]) -> Template:
        actor = current_actor(request)
        # One read of the version names the whole page: a search asked again before any write
        # is answered with the content kept for the reader's scope (`db/kept.py`), rendered once.
        version = await data_version()
        key = (
            scope_of(actor),
            lang,
            current_locale(),
            tuple(sorted(request.query_params.multi_items())),
        )
        status_code, content = await _PAGES.get_or_derive(
            key, version, lambda: self._content(actor, request.query_params, lang)
        )
        return page(
            "search/search.html",
            status_code=status_code,
            q=content["q"],
            content=content,
            kept_key=(key, version),
        )

    async def _content(self, actor: Actor, query: Any, lang: str) -> tuple[int, dict[str, Any]]:
        q, filters, number, raw, problems = _read(query)
        result = None
        if q and not problems:
            try:
                result = await SearchService().search(
                    actor,
                    q,
                    filters,
                    PAGE_SIZE,
                    (number - 1) * PAGE_SIZE,
                )
            except Problem as problem:
                problems.update(
                    {
                        e.field: e.message
                        for e in problem.errors or [FieldError("q", problem.detail)]
                    }
                )
        links: dict[str, str] = {}
        if result is not None:
            kept = {k: v for k, v in raw.items() if v and k != "page"}
            if number > 1:
                links["previous"] = "?" + urlencode({**kept, "page": number - 1})
            if number * PAGE_SIZE < result.total:
                links["next"] = "?" + urlencode({**kept, "page": number + 1})
        return 400 if problems else 200, {
            "q": q,
            "raw": raw,
            "problems": problems,
            "result": result,
            "labels": await _labels(lang, result.facets) if result else {},
            "facets": FACETS,
            "links": links,
            "page_number": number,
            "page_count": max(1, -(-result.total // PAGE_SIZE)) if result else 1,
        }


# Search pages' contents per (reader scope, language, query string) and data version.
_PAGES: KeptByVersion[tuple[int, dict[str, Any]]] = KeptByVersion(capacity=256)


SEARCH_PAGES = Router(
    path="/{lang:str}",
    route_handlers=[SearchPages],
    guards=[known_language],
    include_in_schema=False,
)
