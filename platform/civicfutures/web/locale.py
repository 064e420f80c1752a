# ruff: noqa: A005  (named by the foundation and imported as civicfutures.web.locale; never `locale`)
"""The language a request is answered in.

API paths: `?lang=`, then Accept-Language, then English. Pages: the `/{lang}/` prefix, then the
language switcher's cookie, then Accept-Language, then English (handlers that know a site add
its language before English; see `civicfutures.i18n.negotiation`).
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send

from civicfutures.i18n import DEFAULT_LOCALE, set_locale
from civicfutures.i18n.negotiation import (
    LANGUAGE_COOKIE,
    accept_language_catalog,
    is_page_path,
    negotiate_page_language,
    query_catalog,
)


def accept_language_locale(header: str | None) -> str | None:
    """The best shipped catalog for an Accept-Language header, by q-value then order."""
    return accept_language_catalog(header)


def query_locale(value: str | None) -> str | None:
    """`?lang=pl-PL` → `pl`; a tag we do not ship falls back along its catalog chain."""
    return query_catalog(value)


def page_locale(connection: ASGIConnection, site_languages: tuple[str, ...] = ()) -> str:
    """The page order: URL prefix, cookie, Accept-Language, the site's language, English."""
    return negotiate_page_language(
        connection.url.path,
        connection.cookies.get(LANGUAGE_COOKIE),
        connection.headers.get("accept-language"),
        site_languages,
    )


def api_locale(connection: ASGIConnection) -> str:
    """The request's language: the API order for API paths, the page order for pages.

    Error handlers call this too, so an error on a page answers in the page's language.
    """
    if is_page_path(connection.url.path):
        return page_locale(connection)
    return (
        query_locale(connection.query_params.get("lang"))
        or accept_language_locale(connection.headers.get("accept-language"))
        or DEFAULT_LOCALE
    )


class LocaleMiddleware:
    """Sets the request's locale before any handler or error handler runs.

    The value is not reset afterwards on purpose: error handlers run after the handler
    stack has unwound and must still answer in the request's language; every request
    sets its own value first.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            locale = api_locale(ASGIConnection(scope))
            scope.setdefault("state", {})["locale"] = locale
            set_locale(locale)
        await self.app(scope, receive, send)
