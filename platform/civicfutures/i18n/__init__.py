"""Internationalisation: the request's locale, gettext catalogs, CLDR formatting, label fallback.

`gettext`/`ngettext` read the locale from a ContextVar set per request, so one shared Jinja
environment and every service can translate without passing the locale around.
"""

from civicfutures.i18n.runtime import (
    DEFAULT_LOCALE,
    SUPPORTED_LOCALES,
    current_locale,
    gettext,
    ngettext,
    npgettext,
    pgettext,
    set_locale,
    use_locale,
)

__all__ = [
    "DEFAULT_LOCALE",
    "SUPPORTED_LOCALES",
    "current_locale",
    "gettext",
    "ngettext",
    "npgettext",
    "pgettext",
    "set_locale",
    "use_locale",
]
