"""The search page `/{lang}/search`: a form, the filters with their counts, ranked results.

HTTP only: the query string is read into the same `StoryFilters` the API uses and handed to
`SearchService`; a bad value is shown next to its field (400), never a server error.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Router, get
from litestar.params import FromPath
from litestar.response import Template

from civicfutures.db.tables import Site, Theme, Workshop
from civicfutures.errors import FieldError, Problem
from civicfutures.forms.definitions import status_label, story_kind_label
from civicfutures.i18n import gettext as _
from civicfutures.intake.story_service import StoryFilters
from civicfutures.search.service import FACETS, SearchService
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import known_language, page

PAGE_SIZE = 20
TEXT_FILTERS = ("site", "country", "kind", "language", "theme", "status")


def _read(query: Any) -> tuple[str, StoryFilters, int, dict[str, str], dict[str, str]]:
    """The search, its filters and page from the query string; the raw values to show back;
    a message per field that could not be read."""
    raw = {name: (query.get(name) or "").strip() for name in (*FACETS, "q", "from", "to", "page")}
    problems: dict[str, str] = {}
    dates: dict[str, dt.date | None] = {}
    for name in ("from", "to"):
        try:
            dates[name] = dt.date.fromisoformat(raw[name]) if raw[name] else None
        except ValueError:
            dates[name] = None
            problems[name] = _("Enter a date as YYYY-MM-DD.")
    workshop = None
    if raw["workshop"]:
        if raw["workshop"].isascii() and raw["workshop"].isdigit() and len(raw["workshop"]) < 10:
            workshop = int(raw["workshop"])
        else:
            problems["workshop"] = _("Choose a workshop from the list.")
    number = 1
    if raw["page"]:
        if raw["page"].isascii() and raw["page"].isdigit() and 0 < len(raw["page"]) < 7:
            number = max(1, int(raw["page"]))
        else:
            problems["page"] = _("Enter a page number.")
    filters = StoryFilters(
        **{name: raw[name] or None for name in TEXT_FILTERS},
        workshop=workshop,
        date_from=dates["from"],
        date_to=dates["to"],
    )
    return raw["q"], filters, number, raw, problems


async def _labels(lang: str, facets: dict[str, list[Any]]) -> dict[str, dict[str, str]]:
    """What to call each facet value on the page."""
    sites = {f.value for f in facets.get("site", [])}
    themes = {f.value for f in facets.get("theme", [])}
    workshops = {int(f.value) for f in facets.get("workshop", [])}
    labels: dict[str, dict[str, str]] = {
        "kind": {f.value: story_kind_label(f.value) for f in facets.get("kind", [])},
        "status": {f.value: status_label(f.value) for f in facets.get("status", [])},
        "site": {},
        "theme": {},
        "workshop": {},
    }
    if sites:
        for row in await Site.select(Site.slug, Site.name).where(Site.slug.is_in(sorted(sites))):
            labels["site"][row["slug"]] = row["name"]
    if themes:
        rows = (
            await Theme.select(Theme.key, Theme.labels)
            .output(load_json=True)
            .where(Theme.key.is_in(sorted(themes)))
        )
        for row in rows:
            names = row["labels"] or {}
            labels["theme"][row["key"]] = names.get(lang) or names.get("en") or row["key"]
    if workshops:
        for row in await Workshop.select(Workshop.id, Workshop.held_on, Workshop.site.name).where(
            Workshop.id.is_in(sorted(workshops))
        ):
            labels["workshop"][str(row["id"])] = f"{row['site.name']} · {row['held_on']}"
    return labels


class SearchPages(Controller):
    path = "/search"
    guards = [page_requires()]
    include_in_schema = False

    @get("/", name="search")
    async def search(self, request: Request, lang: FromPath[str]) -> Template:
        q, filters, number, raw, problems = _read(request.query_params)
        result = None
        if q and not problems:
            try:
                result = await SearchService().search(
                    current_actor(request),
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
        return page(
            "search/search.html",
            status_code=400 if problems else 200,
            q=q,
            raw=raw,
            problems=problems,
            result=result,
            labels=await _labels(lang, result.facets) if result else {},
            facets=FACETS,
            links=links,
            page_number=number,
            page_count=max(1, -(-result.total // PAGE_SIZE)) if result else 1,
        )


SEARCH_PAGES = Router(
    path="/{lang:str}",
    route_handlers=[SearchPages],
    guards=[known_language],
    include_in_schema=False,
)
