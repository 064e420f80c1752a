"""The current locale and the gettext catalogs from `locales/`.

Catalogs are read from the `.po` files and compiled in memory when no up-to-date `.mo` sits
beside them, so a fresh clone works without a compile step.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from civicfutures.settings import get_settings

DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "pl", "et", "it", "uk", "ar")
# Languages without a catalog of their own borrow a close one (Võro has no CLDR data).
CATALOG_FALLBACK: dict[str, str] = {"vro": "et"}

_current: ContextVar[str] = ContextVar("civicfutures_locale", default=DEFAULT_LOCALE)


def current_locale() -> str:
    """The locale of the request being served (or `en` outside one)."""
    return _current.get()


def set_locale(tag: str) -> Token[str]:
    return _current.set(tag)


@contextmanager
def use_locale(tag: str) -> Iterator[None]:
    """Run a block in another locale (briefings, CLI output)."""
    token = _current.set(tag)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return catalog(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog(current_locale()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A message whose English word has more than one meaning, told apart by `context`."""
    return catalog(current_locale()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return catalog(current_locale()).npgettext(context, singular, plural, n)


def catalog_language(tag: str) -> str:
    """The shipped catalog that serves a tag: `pl-PL` → `pl`, `vro` → `et`, unknown → `en`."""
    base = tag.replace("_", "-").split("-")[0].lower()
    base = CATALOG_FALLBACK.get(base, base)
    return base if base in SUPPORTED_LOCALES else DEFAULT_LOCALE


@cache
def catalog(tag: str) -> NullTranslations:
    """The translations for a tag, loaded once per process."""
    return load_catalog(get_settings().locales_dir, catalog_language(tag))


def load_catalog(locales_dir: Path, language: str) -> NullTranslations:
    """A language's translations: its `.mo` when newer than the `.po`, else the `.po` compiled
    in memory (fuzzy entries left out). English, the source language, needs none, but reads its
    catalog when there is one: English wording can then be edited without the code, and the
    pseudo-locale check swaps it for an accented one."""
    folder = locales_dir / language / "LC_MESSAGES"
    po_path, mo_path = folder / "messages.po", folder / "messages.mo"
    if mo_path.exists() and (
        not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        with mo_path.open("rb") as handle:
            return Translations(handle)
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        po_catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, po_catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)
