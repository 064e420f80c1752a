"""Dates, numbers, percentages and names through CLDR, in the current (or a given) locale.

Every helper accepts any tag, including `vro` (formatted as Estonian), and never raises on an
unknown one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates, lists, numbers
from babel.core import Locale, get_global

from civicfutures.i18n.languages import AUTONYMS, base_language, cldr_locale
from civicfutures.i18n.runtime import current_locale
from civicfutures.settings import get_settings

Number = int | float | Decimal

# CLDR 48 `delimiters` (main/<lang>/delimiters.json): Babel does not ship them. Languages not
# listed take English's; `vro` is formatted as Estonian like everything else.
QUOTATION_MARKS: dict[str, tuple[str, str]] = {
    "en": ("“", "”"),
    "pl": ("„", "”"),
    "et": ("„", "“"),
    "it": ("«", "»"),
    "uk": ("«", "»"),
    "ar": ("”", "“"),
}


def _locale(tag: str | None):
    return cldr_locale(tag or current_locale())


def format_date(
    value: dt.date | dt.datetime | None, style: str = "medium", tag: str | None = None
) -> str:
    """`2025-03-15` → `15 mar 2025` (pl), `15. märts 2025` (et), `15 mar 2025` (it)."""
    if value is None:
        return ""
    return dates.format_date(value, format=style, locale=_locale(tag))


def time_zone(country: str | None = None) -> dt.tzinfo:
    """The zone a time is shown in: a site's country's main zone from CLDR (`PL` → Warsaw,
    `UA` → Kyiv), else the deployment's (CIVICFUTURES_TIME_ZONE)."""
    zones = get_global("territory_zones").get((country or "").upper()) or []
    for name in (*zones[:1], get_settings().time_zone, "UTC"):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return dt.UTC


def format_datetime(
    value: dt.datetime | None,
    style: str = "medium",
    tag: str | None = None,
    tzinfo: dt.tzinfo | None = None,
    country: str | None = None,
) -> str:
    """A moment in the reader's locale and the site's zone, the zone named:
    `5 Dec 2026, 07:54:00 CET` (en-GB), `5.12.2026, 07:54 CET` (pl, short), `… +0200` (et).

    A time without its zone misleads readers in other countries, so the zone is always shown.
    """
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    zone = tzinfo or time_zone(country)
    locale = _locale(tag)
    local = value.astimezone(zone)
    shown = dates.format_datetime(local, format=style, tzinfo=zone, locale=locale)
    return f"{shown} {dates.get_timezone_name(local, 'short', locale=locale)}"


def iso_moment(value: dt.datetime, country: str | None = None) -> str:
    """The machine-readable moment for a `<time datetime>` attribute, in the shown zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(time_zone(country)).isoformat(timespec="seconds")


def format_number(value: Number | None, tag: str | None = None) -> str:
    """`12345` → `12 345` (pl, et), `12.345` (it), `12,345` (en), `١٢٬٣٤٥` or `12,345` (ar)."""
    if value is None:
        return ""
    return numbers.format_decimal(value, locale=_locale(tag))


def format_percent(value: Number | None, tag: str | None = None, decimals: int = 0) -> str:
    """A share (0.425) as a percentage in the locale's style: `42,5%`, `42,5 %`, `٪42.5`."""
    if value is None:
        return ""
    locale = _locale(tag)
    exact = Decimal(str(value))
    if not exact.is_finite():
        return _percent(str(exact), locale, decimals)
    # Babel prints the share's decimal (the float's shortest form) times 100 rounded half to
    # even, and nothing else of it: shares that round alike read alike, so each rounded figure
    # is formatted once (a heatmap and its table hold 12,000 shares each).
    rounded = exact.scaleb(2).quantize(_percent_quantum(locale, decimals))
    return _percent(str(rounded), locale, decimals)


def _percent_pattern(locale: Locale, decimals: int) -> str | None:
    if not decimals:
        return None
    # The locale's own pattern (spacing, sign position) with decimals added: `#,##0%` → `#,##0.0%`.
    return locale.percent_formats[None].pattern.replace("0", "0." + "0" * decimals, 1)


@lru_cache(maxsize=256)
def _percent_quantum(locale: Locale, decimals: int) -> Decimal:
    pattern = _percent_pattern(locale, decimals) or locale.percent_formats[None]
    return Decimal(1).scaleb(-numbers.parse_pattern(pattern).frac_prec[1])


@lru_cache(maxsize=1 << 14)
def _percent(hundredths: str, locale: Locale, decimals: int) -> str:
    """The percentage whose figure (the share times 100, rounded as Babel rounds it) is
    `hundredths`; its sign kept, so that a share just below zero still reads "-0%"."""
    return numbers.format_percent(
        Decimal(hundredths).scaleb(-2), format=_percent_pattern(locale, decimals), locale=locale
    )


def language_name(code: str | None, tag: str | None = None) -> str:
    """A language's name in the page's language: `et` → `estoński` on a Polish page."""
    if not code:
        return ""
    locale = _locale(tag)
    cleaned = code.replace("_", "-")
    name = locale.languages.get(cleaned.replace("-", "_")) or locale.languages.get(
        base_language(cleaned)
    )
    # CLDR has no name for it in this locale: the language's own name, else the tag itself.
    return name or AUTONYMS.get(base_language(cleaned)) or code


def country_name(code: str | None, tag: str | None = None) -> str:
    """An ISO 3166-1 code's name in the page's language: `EE` → `Estonia`, `Estonie`, `Estonia`."""
    if not code:
        return ""
    return _locale(tag).territories.get(code.upper(), code.upper())


def quotation_marks(tag: str | None = None) -> tuple[str, str]:
    """The opening and closing quotation marks of the reader's locale (CLDR): `„`, `”` in Polish."""
    language = _locale(tag).language
    return QUOTATION_MARKS.get(language, QUOTATION_MARKS["en"])


FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"


def isolated(text: object) -> str:
    """Plain text isolated for bidirectional display (FSI … PDI, the `<bdi>` of plain text): an
    Arabic quote in a Polish line, or a Latin one in an Arabic line, keeps its own direction
    and does not reorder the punctuation around it."""
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}"


def quoted(text: object, tag: str | None = None) -> str:
    """Text inside the reader's quotation marks: `„Gdańsk”` (pl), `«Gdańsk»` (it)."""
    start, end = quotation_marks(tag)
    return f"{start}{text}{end}"


def format_list(items: object, style: str = "standard", tag: str | None = None) -> str:
    """Items joined as the reader's language joins them: `a, b and c`, `a, b i c`, `a، b و c`;
    `style="or"` for choices (`a, b or c`)."""
    values = [str(item) for item in items]  # type: ignore[attr-defined]
    if not values:
        return ""
    return lists.format_list(values, style=style, locale=_locale(tag))
