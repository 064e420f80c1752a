"""Which language to answer in.

Pages (SecureDrop's order): the URL prefix `/{lang}/`, then the language switcher's cookie, then
`Accept-Language` through `babel.negotiate_locale`, then the site's language, then English.
The JSON API: `?lang=`, then `Accept-Language`, then English.
"""

from __future__ import annotations

from collections.abc import Iterable

from babel import negotiate_locale

from civicfutures.i18n.languages import PAGE_LANGUAGES, base_language, page_language
from civicfutures.i18n.runtime import (
    CATALOG_FALLBACK,
    DEFAULT_LOCALE,
    SUPPORTED_LOCALES,
    catalog_language,
)

LANGUAGE_COOKIE = "civicfutures_lang"
# Paths that are not pages: the API, its schema, the health check and static files.
NON_PAGE_PREFIXES = ("/api/", "/schema", "/health", "/static/")


def is_page_path(path: str) -> bool:
    return not any(path == p.rstrip("/") or path.startswith(p) for p in NON_PAGE_PREFIXES)


def path_language(path: str) -> str | None:
    """The page language of a `/{lang}/...` path, exactly as served (`/vro/` → `vro`)."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in PAGE_LANGUAGES else None


def accepted_tags(header: str | None) -> list[str]:
    """An Accept-Language header's tags, best first (by q-value, then order); `*` and q=0 dropped."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        tag = tag.strip()
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(preferred: Iterable[str], available: Iterable[str]) -> str | None:
    """Babel's negotiation (the exact tag, else its language: `pl-PL` → `pl`), in lower case."""
    found = negotiate_locale(
        [tag.replace("_", "-") for tag in preferred], list(available), sep="-", aliases=None
    )
    return found.lower() if found else None


def accept_language_page(header: str | None) -> str | None:
    """The best page language for an Accept-Language header (`vro` pages included)."""
    return negotiate(accepted_tags(header), PAGE_LANGUAGES)


def accept_language_catalog(header: str | None) -> str | None:
    """The best shipped catalog for an Accept-Language header (`vro` is served by `et`)."""
    preferred = [CATALOG_FALLBACK.get(base_language(tag), tag) for tag in accepted_tags(header)]
    return negotiate(preferred, SUPPORTED_LOCALES)


def site_page_language(site_languages: Iterable[str]) -> str | None:
    """The first of a site's languages that pages are served in."""
    for tag in site_languages:
        language = page_language(tag)
        if language:
            return language
    return None


def negotiate_page_language(
    path: str = "/",
    cookie: str | None = None,
    accept_language: str | None = None,
    site_languages: Iterable[str] = (),
) -> str:
    """The page language, in the documented order; always one of PAGE_LANGUAGES."""
    return (
        path_language(path)
        or page_language(cookie)
        or accept_language_page(accept_language)
        or site_page_language(site_languages)
        or DEFAULT_LOCALE
    )


def query_catalog(value: str | None) -> str | None:
    """`?lang=pl-PL` → `pl`; `?lang=vro` → `et`; a tag we cannot serve → None."""
    if not value:
        return None
    language = catalog_language(value)
    if language == DEFAULT_LOCALE and base_language(value) != DEFAULT_LOCALE:
        return None
    return language
