"""Template configuration: the i18n Jinja environment plus what every page's layout needs.

The layout reads only `request` and these globals, so any template extending `base.html`
(the sign-in page and the error pages too) gets the navigation, the language switcher, `lang`
and `dir` without extra context.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jinja2 import Environment
from litestar.connection import ASGIConnection
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from civicfutures.auth.actor import Actor
from civicfutures.i18n import current_locale
from civicfutures.i18n.jinja import make_environment
from civicfutures.i18n.languages import PAGE_LANGUAGES, autonym, check_page_languages
from civicfutures.i18n.negotiation import path_language
from civicfutures.web.form_fields import FormFields
from civicfutures.web.kept_fragments import KeptFragments
from civicfutures.web.navigation import navigation

SWITCH_PATH = "/language"


def page_rest(path: str) -> str:
    """The part of a page path after its language prefix: `/pl/sites/x` → `/sites/x`."""
    if path_language(path):
        rest = "/" + path.lstrip("/").partition("/")[2]
        return rest
    return "/"


def language_links(connection: ASGIConnection, direct: bool = False) -> list[dict[str, Any]]:
    """The language switcher: one link per page language to the same page in that language.

    `direct` links go straight to the page (public pages: choosing a language there sets no
    cookie); the others pass through the switcher, which remembers the choice.
    """
    rest = page_rest(connection.url.path)
    query = (
        f"?{connection.url.query}" if connection.url.query and connection.method == "GET" else ""
    )
    current = current_locale()
    return [
        {
            "tag": tag,
            "name": autonym(tag),
            "href": f"/{tag}{rest}{query}"
            if direct
            else f"{SWITCH_PATH}/{tag}?next={quote(f'/{tag}{rest}{query}', safe='/')}",
            "current": tag == current,
        }
        for tag in PAGE_LANGUAGES
    ]


def signed_in(connection: ASGIConnection) -> Actor | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Actor) and user.user_id is not None else None


def make_page_environment() -> Environment:
    check_page_languages()
    environment = make_environment()
    environment.globals.update(
        language_links=language_links,
        signed_in=signed_in,
        navigation=navigation,
        form_fields=FormFields(environment),
        kept_fragment=KeptFragments(environment),
    )
    return environment


def template_config() -> TemplateConfig:
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(make_page_environment()))


def static_files():
    """`/static/...`: the stylesheet, served from inside the package."""
    from pathlib import Path

    from litestar.static_files import create_static_files_router

    return create_static_files_router(
        path="/static",
        directories=[Path(__file__).resolve().parent.parent / "static"],
        include_in_schema=False,
    )
