"""The public story archive's pages, feed and sitemap: no sign-in, no cookies, cacheable.

HTTP only: the query string is read into `PublicFilters`, the service decides what is public
(through the consent rule), and every answer goes out through `cached_answer`, whose ETag is a
digest of the bytes, so each process gives the same ETag for the same data.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from civicfutures.archive.cache import LISTS, PAGES, Rendered, archive_version
from civicfutures.archive.feed import atom_feed, share_link, sitemap
from civicfutures.archive.service import ArchiveService, PublicFilters, story_gone
from civicfutures.errors import FieldError, Problem
from civicfutures.exports.labels import vocabulary
from civicfutures.forms.definitions import story_kind_label
from civicfutures.i18n import current_locale, set_locale
from civicfutures.i18n import gettext as _
from civicfutures.i18n.languages import PAGE_LANGUAGES, base_language
from civicfutures.intake.story_query import read_story_query
from civicfutures.recordings.service import Player, RecordingService
from civicfutures.settings import get_settings
from civicfutures.web.auth import public
from civicfutures.web.locale import page_locale, query_locale
from civicfutures.web.pages import known_language, page
from civicfutures.web.public import cached_answer, mark_public, render_page

PAGE_SIZE = 20
FILTERS = ("site", "country", "theme", "kind", "language")
HTML = "text/html; charset=utf-8"
# Story ids are 32-bit: a larger number names no story (and must not reach the database).
STORY_ID_MAX = 2_147_483_647


def base_url(request: Request) -> str:
    """The public address of absolute links: the setting, else the address asked."""
    return get_settings().public_url or str(request.base_url).rstrip("/")


def _read(query: Any) -> tuple[str, PublicFilters, int, dict[str, str], dict[str, str]]:
    read = read_story_query(query, extra=("q",))
    raw = {name: read.raw[name] for name in ("q", *FILTERS, "page")}
    problems = {k: v for k, v in read.problems.items() if k in raw}
    filters = PublicFilters(**{name: raw[name] or None for name in FILTERS})
    return raw["q"], filters, read.page, raw, problems


def _gone_if_too_large(story_id: int) -> None:
    if not 1 <= story_id <= STORY_ID_MAX:
        raise story_gone(story_id)


@get("/archive/{project:str}", guards=[public], name="archive", include_in_schema=False)
async def archive_list(request: Request, lang: FromPath[str], project: FromPath[str]) -> Response:
    """The archive's stories: all of them newest first, or those matching `?q=`; each query
    string rendered once per archive version."""
    base = base_url(request)
    version = await archive_version()
    key = ("list", base, lang, project, request.scope["query_string"])
    kept = LISTS.get(key, version)
    if kept is not None:
        return cached_answer(request, kept.body, kept.media_type, etag=kept.etag)
    service = ArchiveService()
    found = await service.project(project)
    q, filters, number, raw, problems = _read(request.query_params)
    result = None
    if not problems:
        try:
            result = await service.search(found, q, filters, PAGE_SIZE, (number - 1) * PAGE_SIZE)
        except Problem as problem:
            problems.update(
                {e.field: e.message for e in problem.errors or [FieldError("q", problem.detail)]}
            )
    links: dict[str, str] = {}
    if result is not None:
        kept = {k: v for k, v in raw.items() if v and k != "page"}
        if number > 1:
            links["previous"] = "?" + urlencode({**kept, "page": number - 1})
        if number * PAGE_SIZE < result.total:
            links["next"] = "?" + urlencode({**kept, "page": number + 1})
    labels = {
        "site": await service.site_names(found),
        "theme": await service.theme_labels(found, lang),
        "kind": {k: story_kind_label(k) for k in ("present", "future")},
    }
    body = render_page(
        request,
        "archive/list.html",
        project=found,
        q=q,
        raw=raw,
        problems=problems,
        result=result,
        labels=labels,
        facets=FILTERS,
        links=links,
        page_number=number,
        page_count=max(1, -(-result.total // PAGE_SIZE)) if result else 1,
        base=base,
    )
    if problems:
        return cached_answer(request, body, HTML, status_code=400)
    kept = Rendered.of(body, HTML)
    LISTS.put(key, version, kept)
    return cached_answer(request, kept.body, kept.media_type, etag=kept.etag)


@get(
    "/archive/{project:str}/stories/{story_id:int}",
    guards=[public],
    name="archive_story",
    include_in_schema=False,
)
async def archive_story(
    request: Request, lang: FromPath[str], project: FromPath[str], story_id: FromPath[int]
) -> Response:
    """One public story, or 410 once it is no longer public; rendered once per data version."""
    base = base_url(request)
    version = await archive_version()
    # The language switcher repeats a query string: such a page is rendered, never kept.
    key = None if request.scope["query_string"] else ("story", base, lang, project, story_id)
    kept = PAGES.get(key, version) if key else None
    if kept is None:
        service = ArchiveService()
        found = await service.project(project)
        _gone_if_too_large(story_id)
        story = await service.story(found, story_id, lang)
        player = await RecordingService().player(story.id)
        body = render_page(
            request,
            "archive/story.html",
            project=found,
            story=story,
            kind_label=story_kind_label(story.kind),
            workshop_kind=vocabulary("workshop_kind", lang, [story.workshop_kind])[
                story.workshop_kind
            ],
            base=base,
            share=share_link(base, found.slug, story.id),
            player=player,
            subtitles_default=_subtitles_default(player, lang),
        )
        kept = Rendered.of(body, HTML)
        if key:
            PAGES.put(key, version, kept)
    return cached_answer(request, kept.body, kept.media_type, etag=kept.etag)


def _subtitles_default(player: Player | None, lang: str) -> str | None:
    """The subtitles shown at first: the visitor's interface language when there are some."""
    if player is None:
        return None
    wanted = base_language(lang)
    return next((tag for tag in player.subtitles if base_language(tag) == wanted), None)


ARCHIVE_PAGES = Router(
    path="/{lang:str}",
    route_handlers=[archive_list, archive_story],
    guards=[known_language],
    include_in_schema=False,
)


@get(
    "/archive/{project:str}/stories/{story_id:int}",
    guards=[public],
    name="archive_share",
    include_in_schema=False,
)
async def archive_share(
    request: Request, project: FromPath[str], story_id: FromPath[int]
) -> Redirect:
    """A story's share link: the same address for everyone, answered in the reader's language."""
    mark_public(request)
    language = page_locale(request)
    return Redirect(
        f"/{language}/archive/{project}/stories/{story_id}",
        status_code=302,
        headers={"Vary": "Accept-Language, Cookie", "Cache-Control": "public, no-cache"},
    )


@get(
    "/archive/{project:str}/feed.atom",
    guards=[public],
    name="archive_feed",
    include_in_schema=False,
)
async def archive_feed(request: Request, project: FromPath[str]) -> Response:
    """The newest public stories as Atom, of one site (`?site=`) or theme (`?theme=`) if given."""
    service = ArchiveService()
    found = await service.project(project)
    # The feed's address carries no language prefix: `?lang=` names it, else the usual order.
    lang = query_locale(request.query_params.get("lang")) or current_locale()
    set_locale(lang)
    site = (request.query_params.get("site") or "").strip() or None
    theme = (request.query_params.get("theme") or "").strip() or None
    stories = await service.recent(found, lang, site=site, theme=theme)
    base = base_url(request)
    title = _("Stories of {project}").format(project=found.name)
    if site:
        title += " · " + (await service.site_names(found)).get(site, site)
    if theme:
        title += " · " + (await service.theme_labels(found, lang)).get(theme, theme)
    query = urlencode({k: v for k, v in (("site", site), ("theme", theme), ("lang", lang)) if v})
    body = atom_feed(
        base,
        lang,
        found,
        title,
        f"{base}/archive/{found.slug}/feed.atom?{query}",
        stories,
        _("(untitled)"),
    )
    answer = cached_answer(request, body, "application/atom+xml; charset=utf-8")
    answer.headers["Vary"] = "Accept-Language"
    return answer


@get("/sitemap.xml", guards=[public], name="sitemap", include_in_schema=False)
async def sitemap_xml(request: Request) -> Response:
    """Every public page of the published archives, in every page language: one sitemap, or
    an index of numbered ones (`?page=N`) past the format's 50,000 addresses."""
    raw = request.query_params.get("page")
    page = int(raw) if raw and raw.isdigit() and len(raw) < 7 else None
    if raw is not None and page is None:
        raise NotFoundException()
    base = base_url(request)
    version = await archive_version()
    key = ("sitemap", base, page)
    kept = LISTS.get(key, version)
    if kept is None:
        body = sitemap(base, PAGE_LANGUAGES, await ArchiveService().sitemap(), page)
        if body is None:
            raise NotFoundException()
        kept = Rendered.of(body, "application/xml; charset=utf-8")
        LISTS.put(key, version, kept)
    return cached_answer(request, kept.body, kept.media_type, etag=kept.etag)


async def visitor_home(request: Request) -> Template:
    """The start page of someone not signed in: the published archives and the way to sign in."""
    mark_public(request)
    return page("archive/home.html", projects=await ArchiveService().published())


ARCHIVE_ROUTES = [ARCHIVE_PAGES, archive_share, archive_feed, sitemap_xml]
