"""The start page, the `/` redirect, the language switcher and the codebook's labels page."""

from __future__ import annotations

import datetime as dt

from litestar import Request, Router, get
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from civicfutures.db.tables import Site, Theme
from civicfutures.forms.definitions import theme_kind_label
from civicfutures.i18n import set_locale
from civicfutures.i18n.codebook import codebook_coverage
from civicfutures.i18n.labels import LabelContext
from civicfutures.i18n.languages import PAGE_LANGUAGES
from civicfutures.i18n.negotiation import LANGUAGE_COOKIE
from civicfutures.intake.people_service import WorkshopService
from civicfutures.intake.setup_service import SetupService, find_project
from civicfutures.intake.story_pages import StoryPages
from civicfutures.intake.story_service import StoryFilters, StoryService
from civicfutures.pages.common import PAGE_EXCEPTION_HANDLERS, known_language, page, safe_next
from civicfutures.pages.intake import IntakePages, StoryEditPages
from civicfutures.pages.templating import SWITCH_PATH, page_rest
from civicfutures.web.auth import current_actor, page_requires, public
from civicfutures.web.locale import page_locale

ONE_YEAR = 365 * 24 * 3600


@get("/", guards=[public], include_in_schema=False, name="root")
async def root(request: Request) -> Redirect:
    """`/` → `/{lang}/`: cookie, Accept-Language, then the signed-in partner's site language, en."""
    actor = current_actor(request)
    site_languages: list[str] = []
    if actor.partner_site_ids:
        rows = (
            await Site.select(Site.languages)
            .output(load_json=True)
            .where(Site.id.is_in(sorted(actor.partner_site_ids)))
        )
        site_languages = [tag for row in rows for tag in row["languages"] or []]
    language = page_locale(request, tuple(site_languages))
    set_locale(language)
    return Redirect(f"/{language}/", status_code=302, headers={"Vary": "Accept-Language, Cookie"})


@get(
    f"{SWITCH_PATH}/{{lang:str}}", guards=[public], include_in_schema=False, name="switch_language"
)
async def switch_language(request: Request, lang: FromPath[str]) -> Redirect:
    """Remember the chosen language in a cookie and go to the same page in it."""
    if lang not in PAGE_LANGUAGES:
        raise NotFoundException()
    target = safe_next(request.query_params.get("next"), f"/{lang}/")
    path, _, query = target.partition("?")
    target = f"/{lang}{page_rest(path)}" + (f"?{query}" if query else "")
    cookie = Cookie(
        key=LANGUAGE_COOKIE, value=lang, max_age=ONE_YEAR, path="/", httponly=True, samesite="lax"
    )
    return Redirect(target, status_code=303, cookies=[cookie])


@get("/", guards=[page_requires()], name="home")
async def home(request: Request, lang: FromPath[str]) -> Template:
    actor = current_actor(request)
    setup, stories, workshops = SetupService(), StoryService(), WorkshopService()
    sites = []
    for site in await setup.list_sites(actor):
        counted = await stories.list(actor, StoryFilters(site=site.slug), limit=1)
        held = await workshops.list(actor, site.slug)
        sites.append(
            {
                "site": site,
                "stories": counted.total,
                "workshops": len(held),
                "last_workshop": held[-1].date if held else None,
                "writable": actor.writes_site(site.id),
            }
        )
    projects = sorted({entry["site"].project for entry in sites})
    return page(
        "pages/home.html", sites=sites, projects=projects, actor=actor, today=dt.date.today()
    )


@get("/projects/{project:str}/codebook", guards=[page_requires()], name="codebook")
async def codebook(request: Request, lang: FromPath[str], project: FromPath[str]) -> Template:
    """The codebook in the page's language, and the labels each language still lacks."""
    project_row = await find_project(project)
    labels = LabelContext(tag=lang, project_default=project_row["default_language"])
    rows = (
        await Theme.select(Theme.key, Theme.kind, Theme.labels, Theme.descriptions)
        .output(load_json=True)
        .where(Theme.project == project_row["id"])
        .order_by(Theme.position)
        .order_by(Theme.id)
    )
    themes = [
        {
            "key": row["key"],
            "kind": theme_kind_label(row["kind"]),
            "label": labels.label(row["labels"], row["key"]),
            "description": labels.description(row["descriptions"]),
        }
        for row in rows
    ]
    coverage = await codebook_coverage(project)
    return page(
        "pages/codebook.html", project=project_row, themes=themes, coverage=coverage, lang=lang
    )


LANGUAGE_PAGES = Router(
    path="/{lang:str}",
    route_handlers=[home, codebook, IntakePages, StoryEditPages, StoryPages],
    guards=[known_language],
    exception_handlers=PAGE_EXCEPTION_HANDLERS,  # type: ignore[arg-type]
    include_in_schema=False,
)

PAGE_ROUTES = [root, switch_language, LANGUAGE_PAGES]
