"""The pseudo-locale `en-XA`: every page each role reaches, rendered with an accented, lengthened
English catalog, shows no interface text that bypassed the catalogs.

The pseudo catalog replaces the English one for the test (CIVICFUTURES_LOCALES_DIR points at a
copy of the catalogs); the pages are the real ones, through the real app, on the demo. What may
stay plain is data, not interface: text stored in the database (names, stories, labels, codes),
text in another language marked by its own `lang`, isolated names (`<bdi>`), times (`<time>`),
code, and the CLDR names of languages, countries, months and zones. Anything else in ASCII
letters is a message that did not go through gettext.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator

import pytest
from babel import Locale
from babel.localedata import locale_identifiers
from lxml import html as lxml_html

from builders import demo_places, empty_tables, every_page
from civicfutures import audit
from civicfutures.auth.actor import ROLES
from civicfutures.db.piccolo_app import APP_CONFIG
from civicfutures.demo.accounts import DEMO_PASSWORD, DEMO_USERS
from civicfutures.i18n import catalogs, runtime
from civicfutures.i18n.languages import PAGE_LANGUAGES, autonym, cldr_locale
from civicfutures.i18n.pseudo import CLOSE, OPEN, PSEUDO_LOCALE, pseudo_catalog, pseudo_localize
from civicfutures.imports.vocabulary import VALUES
from civicfutures.settings import get_settings
from pages.conftest import csrf_token

# Reviewed: words that are neither interface text nor stored data, and why each may stay.
ALLOWED_WORDS = {
    "civicfutures",  # the product's name
    # File formats' names, and the download links' upper-case format codes.
    "CSV", "XLSX", "JSON", "Parquet", "PARQUET", "PDF", "DOCX", "ZIP", "Markdown", "HTML",
    "DTA", "QDC", "QDPX", "SAV", "UTF",
    "SHA",  # SHA-256, the checksum's name
}  # fmt: skip
ALLOWED_PHRASES = ("JSON Lines",)  # a format's name
# The platform's own vocabularies are stored as codes (`draft`, `partner`, `withdraw_derived`):
# a page must name them in its language, so they are not taken as data. Keys and slugs a project
# chose (`gdansk`, `youth_voice`) are data.
VOCABULARY = {
    *ROLES, *audit.ENTITIES, *audit.ACTIONS,
    *(code for values in VALUES.values() for code in values),
}  # fmt: skip
# Elements whose text is data or machine text, never a message.
DATA_ELEMENTS = {"bdi", "time", "code", "kbd", "samp", "script", "style", "template", "svg"}
ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
_SEGMENT = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")


@pytest.fixture
def pseudo_english(tmp_path, monkeypatch) -> Iterator[None]:
    """The catalogs with English replaced by en-XA, served for the test's duration."""
    locales = get_settings().locales_dir
    copy = tmp_path / "locales"
    shutil.copytree(locales, copy, ignore=shutil.ignore_patterns("*.mo"))
    template = catalogs.read_catalog(locales / "messages.pot", "en")
    catalogs.po_path(copy, "en").write_bytes(catalogs._render(pseudo_catalog(template)))
    monkeypatch.setenv("CIVICFUTURES_LOCALES_DIR", str(copy))
    get_settings.cache_clear()
    runtime.catalog.cache_clear()
    yield
    monkeypatch.delenv("CIVICFUTURES_LOCALES_DIR")
    get_settings.cache_clear()
    runtime.catalog.cache_clear()


def test_pseudo_localization_keeps_placeholders_tags_and_entities():
    shown = pseudo_localize('Stories of %(site)s: {n} in <a href="/x">%%</a> &amp; more')
    assert shown.startswith(OPEN) and shown.endswith(CLOSE)
    assert "%(site)s" in shown and "{n}" in shown and '<a href="/x">%%</a>' in shown
    assert "&amp;" in shown and "Šţóŕíéš óƒ" in shown and "ɱóŕé" in shown
    outside = re.sub(r"%\(site\)s|\{n\}|<[^>]*>|&amp;", "", shown)
    assert not re.search("[A-Za-z]", outside)
    # A third longer than English, so layouts are tried with longer text.
    assert len(shown) >= len('Stories of %(site)s: {n} in <a href="/x">%%</a> & more') * 1.3


async def stored_text() -> re.Pattern[str]:
    """Every text stored in the database (JSON columns read inside) as one pattern, longest
    first, matched only as whole words (a slug `futures` must not hide `civicfutures`)."""
    found: set[str] = set()

    def collect(value: object) -> None:
        if isinstance(value, str):
            stripped = value.strip()
            if stripped[:1] in "[{":
                try:
                    collect(json.loads(stripped))
                    return
                except ValueError:
                    pass
            if len(stripped) >= 2 and stripped not in VOCABULARY:
                found.add(stripped)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for table in APP_CONFIG.table_classes:
        for row in await table.select():
            for value in row.values():
                collect(value)
    values = sorted(found, key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z])(?:" + "|".join(map(re.escape, values)) + r")(?![A-Za-z])")


def cldr_words() -> set[str]:
    """Names that come from CLDR in the page's formats, not from the catalogs."""
    locale = cldr_locale("en")
    words: set[str] = set()
    for names in (locale.languages, locale.territories):
        words.update(names.values())
    for context in locale.months.values():
        for width in context.values():
            words.update(width.values())
    for context in locale.days.values():
        for width in context.values():
            words.update(width.values())
    words.update(autonym(tag) for tag in PAGE_LANGUAGES)
    # A language offered on a form is named in the page's language and in itself.
    for code in {identifier.split("_")[0] for identifier in locale_identifiers()}:
        words.add(autonym(code))
    words.update({"UTC", "GMT", "CET", "CEST", "EET", "EEST"})
    words.update(Locale.parse("en").languages.values())
    return {word for name in words for word in _WORD.findall(name)}


def visible_text(page: str) -> str:
    """The page's text a reader meets, in order, with data elements and other languages left
    out (the `<html>` element's own `lang` is the page's)."""
    root = lxml_html.fromstring(page)
    pieces: list[str] = []

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        skipped = tag.split("}")[-1] in DATA_ELEMENTS or (
            tag != "html" and element.get("lang") is not None
        )
        if not skipped:
            pieces.extend(element.get(name) or "" for name in ATTRIBUTES)
            if tag == "input" and element.get("type") in {"submit", "button"}:
                pieces.append(element.get("value") or "")
            pieces.append(element.text or "")
            for child in element:
                walk(child)
        pieces.append(element.tail or "")

    walk(root)
    return " ".join(piece for piece in pieces if piece.strip())


def plain_words(page: str, data: re.Pattern[str], allowed: set[str]) -> list[str]:
    """Words on the page that are neither pseudo-localized nor data."""
    text = visible_text(page)
    while True:
        shorter = _SEGMENT.sub(" ", text)
        if shorter == text:
            break
        text = shorter
    for phrase in ALLOWED_PHRASES:
        text = text.replace(phrase, " ")
    text = data.sub(" ", text)
    return [word for word in _WORD.findall(text) if word not in allowed]


@pytest.fixture(scope="module")
async def places(client) -> dict[str, str]:
    """The demo and its briefing, loaded once: the walks only read."""
    await empty_tables()
    return await demo_places()


@pytest.fixture(autouse=True)
def empty_database(client, places) -> None:
    """Instead of the suite's emptying before each test: each walk signs in afresh."""
    client.cookies.clear()


def demo_account(role: str) -> str:
    return next(email for email, r, sites in DEMO_USERS if r == role)


async def sign_in(client, role: str) -> None:
    form = await client.get("/en/login")
    assert form.status_code == 200, form.text
    signed = await client.post(
        "/en/login",
        data={
            "email": demo_account(role),
            "password": DEMO_PASSWORD,
            "next": "",
            "_csrf_token": csrf_token(form.text),
        },
    )
    assert signed.status_code == 303, signed.text


@pytest.mark.parametrize("role", ["admin", "partner", "researcher", "author"])
async def test_every_page_shows_only_pseudo_localized_interface_text(
    client, places, pseudo_english, role
):
    data = await stored_text()
    allowed = ALLOWED_WORDS | cldr_words()
    assert PSEUDO_LOCALE == "en-XA"
    leaks: dict[str, list[str]] = {}
    anonymous = await client.get("/en/login")
    assert OPEN in anonymous.text, "the pseudo catalog is not in use"
    if role == "admin":
        words = plain_words(anonymous.text, data, allowed)
        if words:
            leaks["/login"] = words
    await sign_in(client, role)
    # The error page is a page too.
    for path in [*every_page(places), "/no-such-page"]:
        response = await client.get(f"/en{path}")
        # A page a role may not open answers with an error page: checked like any other.
        assert response.status_code in (200, 403, 404), (path, response.status_code)
        words = plain_words(response.text, data, allowed)
        if words:
            leaks[path] = sorted(set(words))
    assert not leaks, "\n".join(f"{path}: {' '.join(words)}" for path, words in leaks.items())
