"""The gettext catalogs: extract the template, update each language, compile, and check them.

`locales/messages.pot` is extracted from the package's Python code and templates as mapped by
`babel.cfg`; `locales/<lang>/LC_MESSAGES/messages.po` hold the translations. Line numbers are
left out of both, so editing code moves no translation and the files change only when the
messages do.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from string import Formatter

from babel.messages.catalog import Catalog, Message, TranslationError
from babel.messages.checkers import num_plurals, python_format
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from civicfutures import __version__
from civicfutures.i18n.runtime import DEFAULT_LOCALE, SUPPORTED_LOCALES

DOMAIN = "messages"
PROJECT = "civicfutures"
COMMENT_TAGS = ("Translators:",)
# Directories walked for messages: the package only (babel.cfg's patterns say which files).
_PACKAGE_PREFIX = "platform/civicfutures"
# Plural rules are compared by the form they pick for each of these numbers, not by their text:
# a Babel release that only rewrites a rule changes nothing that a reader would see.
PLURAL_PROBE = range(201)
# Each catalog's header names the role that reviewed it ("Polish: reviewed"), so a reader of the
# file knows whether a native reviewer has been through it; new catalogs start "not yet reviewed".
REVIEWED = re.compile(r"^\w[\w ]*: reviewed\b")


@dataclass(frozen=True)
class CatalogProblem:
    """One thing wrong with one message of one catalog."""

    language: str
    msgid: str
    problem: str

    def __str__(self) -> str:
        return f"{self.language}: {self.msgid!r}: {self.problem}"


def pot_path(locales_dir: Path) -> Path:
    return locales_dir / f"{DOMAIN}.pot"


def po_path(locales_dir: Path, language: str) -> Path:
    return locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _new_catalog(locale: str | None = None) -> Catalog:
    return Catalog(
        locale=locale,
        domain=DOMAIN,
        project=PROJECT,
        version=__version__,
        copyright_holder="the civicfutures authors",
        msgid_bugs_address="translations@civicfutures.eu",
        language_team=f"{locale} <translations@civicfutures.eu>" if locale else None,
        last_translator=f"{locale}: not yet reviewed <translations@civicfutures.eu>"
        if locale
        else None,
        fuzzy=False,
    )


def extract_messages(root: Path) -> Catalog:
    """Every translatable message of the package, as babel.cfg maps the files under `root`."""
    with (root / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")

    def wanted(directory: str) -> bool:
        try:
            relative = Path(directory).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            # A link out of the checkout (a shared virtualenv, tools): none of the package's files.
            return False
        inside = relative == _PACKAGE_PREFIX or relative.startswith(_PACKAGE_PREFIX + "/")
        name = Path(directory).name
        return (inside or _PACKAGE_PREFIX.startswith(relative + "/")) and not name.startswith(
            (".", "_")
        )

    catalog = _new_catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        root,
        method_map,
        options_map,
        keywords=DEFAULT_KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
        directory_filter=wanted,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _render(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(
        buffer, catalog, width=100, include_lineno=False, ignore_obsolete=True, sort_output=False
    )
    return buffer.getvalue()


def _without_dates(text: bytes) -> bytes:
    return re.sub(rb'"(POT-Creation-Date|PO-Revision-Date): [^"]*"\n', b"", text)


def _write_if_changed(path: Path, catalog: Catalog) -> bool:
    """Write a catalog unless only its dates would change; True when the file changed."""
    rendered = _render(catalog)
    if path.exists() and _without_dates(path.read_bytes()) == _without_dates(rendered):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(rendered)
    return True


def message_ids(catalog: Catalog) -> set[tuple[str, str | None]]:
    """(msgid, context) of every message; a plural message is named by its singular."""
    return {(_singular(m.id), m.context) for m in catalog if m.id}


def _singular(msgid: str | tuple[str, ...] | list[str]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def extract(root: Path, locales_dir: Path) -> bool:
    """Rewrite `messages.pot` from the code; True when its messages changed."""
    return _write_if_changed(pot_path(locales_dir), extract_messages(root))


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def languages(locales_dir: Path) -> list[str]:
    """The languages with a catalog, in the shipped order first."""
    found = sorted(p.parent.parent.name for p in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return [lang for lang in SUPPORTED_LOCALES if lang in found] + [
        lang for lang in found if lang not in SUPPORTED_LOCALES
    ]


def update(locales_dir: Path, wanted: Iterable[str] = SUPPORTED_LOCALES) -> dict[str, int]:
    """Bring each language's catalog in line with the template; returns untranslated counts.

    A missing catalog is created. English, the source language, is filled from the message
    ids so that it is complete by construction.
    """
    untranslated: dict[str, int] = {}
    for language in wanted:
        # A fresh template each time: Catalog.update shares the template's message objects.
        template = read_catalog(pot_path(locales_dir))
        path = po_path(locales_dir, language)
        catalog = read_catalog(path, language) if path.exists() else _new_catalog(language)
        catalog.update(
            template, no_fuzzy_matching=False, update_header_comment=False, keep_user_comments=True
        )
        catalog.obsolete.clear()
        if language == DEFAULT_LOCALE:
            for message in catalog:
                if message.id and (not _translated(message) or message.fuzzy):
                    message.string = (
                        message.id if isinstance(message.id, str) else tuple(message.id)
                    )
                    message.flags.discard("fuzzy")
        catalog.revision_date = dt.datetime.now(dt.UTC)
        _write_if_changed(path, catalog)
        untranslated[language] = sum(1 for m in catalog if m.id and (not _translated(m) or m.fuzzy))
    return untranslated


def compile_catalogs(locales_dir: Path, wanted: Iterable[str] | None = None) -> dict[str, Path]:
    """Write `messages.mo` beside each `.po` (fuzzy entries left out); returns the files."""
    written: dict[str, Path] = {}
    for language in wanted or languages(locales_dir):
        source = po_path(locales_dir, language)
        catalog = read_catalog(source, language)
        target = source.with_suffix(".mo")
        with target.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written[language] = target
    return written


def brace_fields(text: str) -> set[str] | None:
    """The `{name}` fields of a str.format string, or None when its braces are broken."""
    try:
        return {field for _, field, _, _ in Formatter().parse(text) if field is not None}
    except ValueError:
        return None


def _translated(message: Message) -> bool:
    strings = [message.string] if isinstance(message.string, str) else list(message.string or [])
    return bool(strings) and all(s.strip() for s in strings)


def _forms(message: Message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string or [])


def check_catalog(catalog: Catalog, language: str) -> list[CatalogProblem]:
    """Untranslated, fuzzy and broken messages: Babel's checkers (python-format placeholders,
    number of plural forms) plus `{name}` placeholders, which Babel does not check."""
    problems: list[CatalogProblem] = []

    def add(message: Message, text: str) -> None:
        problems.append(CatalogProblem(language, _singular(message.id), text))

    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            add(message, "fuzzy")
        if not _translated(message):
            add(message, "untranslated")
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        expected = set().union(*(brace_fields(text) or set() for text in ids))
        for index, form in enumerate(_forms(message)):
            found = brace_fields(form)
            if found is None:
                add(
                    message,
                    f"form {index} has unbalanced braces (write a literal brace as {{{{ or }}}})",
                )
                continue
            if found - expected:
                add(message, f"form {index} has unknown placeholders {sorted(found - expected)}")
            elif isinstance(message.id, str) and found != expected:
                add(message, f"placeholders {sorted(found)} differ from {sorted(expected)}")
        for check_one in (num_plurals, python_format):
            try:
                check_one(catalog, message)
            except TranslationError as error:
                add(message, str(error))
    return problems


def plural_forms_picked(plural_forms: str) -> list[int]:
    """The form a `Plural-Forms` header picks for each number of `PLURAL_PROBE`."""
    count = re.search(r"nplurals\s*=\s*(\d+)", plural_forms)
    rule = re.search(r"plural\s*=\s*(.+?);?\s*$", plural_forms)
    if not count or not rule:
        raise ValueError(f"not a Plural-Forms header: {plural_forms!r}")
    pick = gettext.c2py(rule.group(1))
    return [int(count.group(1)), *(pick(n) for n in PLURAL_PROBE)]


def plural_problem(catalog: Catalog, language: str) -> str | None:
    """Why the catalog's plural rule differs from CLDR's (as Babel states it), or None."""
    expected = _new_catalog(language).plural_forms
    if plural_forms_picked(catalog.plural_forms) == plural_forms_picked(expected):
        return None
    return f"Plural-Forms is {catalog.plural_forms!r}, CLDR says {expected!r}"


def check(locales_dir: Path, wanted: Iterable[str] = SUPPORTED_LOCALES) -> list[CatalogProblem]:
    """Every problem of every shipped catalog, including missing catalogs and plural headers."""
    problems: list[CatalogProblem] = []
    template = read_catalog(pot_path(locales_dir))
    template_ids = message_ids(template)
    for language in wanted:
        path = po_path(locales_dir, language)
        if not path.exists():
            problems.append(CatalogProblem(language, "", f"no catalog at {path}"))
            continue
        catalog = read_catalog(path, language)
        if wrong_plurals := plural_problem(catalog, language):
            problems.append(CatalogProblem(language, "", wrong_plurals))
        if not REVIEWED.match(catalog.last_translator or ""):
            problems.append(
                CatalogProblem(
                    language,
                    "",
                    f"Last-Translator is {catalog.last_translator!r}: name the review, "
                    "e.g. “Polish: reviewed <translations@civicfutures.eu>”",
                )
            )
        for missing in sorted(template_ids - message_ids(catalog), key=str):
            problems.append(
                CatalogProblem(
                    language, missing[0], "missing from the catalog (run translations update)"
                )
            )
        problems += check_catalog(catalog, language)
    return problems


def stale_template(
    root: Path, locales_dir: Path
) -> tuple[set[tuple[str, str | None]], set[tuple[str, str | None]]]:
    """(messages in the code but not in the .pot, messages in the .pot no longer in the code)."""
    current = message_ids(extract_messages(root))
    shipped = message_ids(read_catalog(pot_path(locales_dir)))
    return current - shipped, shipped - current
