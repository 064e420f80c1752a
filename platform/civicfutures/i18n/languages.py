"""The languages the platform speaks: UI catalogs, page prefixes, CLDR stand-ins and autonyms.

Võro (`vro`) is a page language without CLDR data or a catalog of its own: its pages use the
Estonian catalog and Estonian CLDR formats, while codebook labels are looked up in Võro first.
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError

from civicfutures.i18n.runtime import CATALOG_FALLBACK, DEFAULT_LOCALE, SUPPORTED_LOCALES
from civicfutures.settings import get_settings

# Languages a page can be shown in: the shipped catalogs plus those served by a close catalog.
PAGE_LANGUAGES: tuple[str, ...] = (*SUPPORTED_LOCALES, *CATALOG_FALLBACK)

# Individual languages → their ISO 639-3 macrolanguage (Võro and Standard Estonian are both
# part of Estonian; Standard Arabic of Arabic).
MACROLANGUAGE: dict[str, str] = {"vro": "et", "ekk": "et", "arb": "ar", "pes": "fa", "zsm": "ms"}

# Each language's name in itself, for the language switcher (CLDR has none for Võro).
AUTONYMS: dict[str, str] = {"vro": "võro kiil"}


def base_language(tag: str) -> str:
    """`pl-PL` → `pl`, `pt_BR` → `pt`; always lower case."""
    return tag.replace("_", "-").split("-")[0].strip().lower()


def page_language(tag: str | None) -> str | None:
    """The page language a tag names (`pl-PL` → `pl`, `vro` → `vro`), or None if not served."""
    if not tag:
        return None
    base = base_language(tag)
    return base if base in PAGE_LANGUAGES else None


@cache
def cldr_locale(tag: str | None) -> Locale:
    """The Babel locale for formatting in a tag; `vro` and other tags without CLDR data borrow one.

    Never raises: unknown tags fall back along the macrolanguage, then to English.
    """
    candidates = []
    if tag:
        cleaned = tag.replace("_", "-").strip()
        if cleaned.lower() == "en":
            # Plain English formats as the deployment says (British by default), not as the US.
            candidates.append(get_settings().english_formats)
        candidates += [cleaned, base_language(cleaned)]
        macro = MACROLANGUAGE.get(base_language(cleaned))
        if macro:
            candidates.append(macro)
    candidates.append(DEFAULT_LOCALE)
    for candidate in candidates:
        try:
            return Locale.parse(candidate, sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return Locale.parse(DEFAULT_LOCALE)


def text_direction(tag: str | None) -> str:
    """`rtl` for right-to-left scripts (Arabic), else `ltr` (the HTML `dir` attribute)."""
    return "rtl" if cldr_locale(tag).text_direction == "rtl" else "ltr"


def autonym(tag: str) -> str:
    """A language's name in itself: `polski`, `eesti`, `العربية`, `võro kiil`."""
    base = base_language(tag)
    if base in AUTONYMS:
        return AUTONYMS[base]
    locale = cldr_locale(base)
    # The language's own name, not a region's variant chosen for formatting (`English`).
    return locale.languages.get(locale.language) or locale.get_display_name(locale) or tag


def check_page_languages() -> None:
    """Fail at start-up when a shipped language has no CLDR data (a typo in the settings)."""
    for tag in SUPPORTED_LOCALES:
        Locale.parse(tag)
    for tag, stand_in in CATALOG_FALLBACK.items():
        if stand_in not in SUPPORTED_LOCALES:
            raise RuntimeError(f"the catalog fallback of {tag!r} ({stand_in!r}) is not shipped")
