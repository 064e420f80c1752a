"""The language a request is answered in."""

from __future__ import annotations

from babel import negotiate_locale
from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send

from civicfutures.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, set_locale
from civicfutures.i18n.runtime import catalog_language


def accept_language_locale(header: str | None) -> str | None:
    """The best shipped locale for an Accept-Language header, by q-value then order."""
    if not header:
        return None
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    preferred = [catalog_language(tag) if tag.split("-")[0].lower() == "vro" else tag for _, _, tag in sorted(weighted)]
    return negotiate_locale(preferred, list(SUPPORTED_LOCALES), sep="-")


def query_locale(value: str | None) -> str | None:
    """`?lang=pl-PL` → `pl`; a tag we do not ship falls back along its catalog chain."""
    if not value:
        return None
    language = catalog_language(value)
    if language == DEFAULT_LOCALE and not value.lower().startswith("en"):
        return None
    return language


def api_locale(connection: ASGIConnection) -> str:
    """API order: `?lang=`, then Accept-Language, then English."""
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
