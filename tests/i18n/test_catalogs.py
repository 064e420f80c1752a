"""The gettext catalogs: complete, well-formed, current with the code, and loadable without a build step.

New messages in the code make these tests fail until they are extracted and translated into
every shipped language (`civicfutures translations extract && civicfutures translations update`).
"""

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from babel import Locale

from civicfutures.i18n import catalogs
from civicfutures.i18n.formatting import quotation_marks
from civicfutures.i18n.runtime import SUPPORTED_LOCALES, load_catalog
from civicfutures.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
LOCALES = get_settings().locales_dir
TRANSLATED = [lang for lang in SUPPORTED_LOCALES if lang != "en"]
# Messages that read the same in a language on purpose (names, codes, loanwords).
SAME_AS_ENGLISH = {
    # "Memo": the word of qualitative research in Italian and Estonian too (REFI-QDA notes).
    "it": {"Account", "Password", "No", "no", "Record", "in %(language)s", "File", "Memo"},
    "et": {"Test", "Import", "Memo"},
    "pl": {"Test", "Diagram", "Problem", "Import", "Administrator", "Status"},
    "uk": set(),
    "ar": set(),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
# Italian has CLDR's "many" (a round million: "1.000.000 di storie") besides one and other.
PLURAL_FORMS = {"en": 2, "pl": 3, "et": 2, "it": 3, "uk": 3, "ar": 6}


def test_the_template_is_current_with_the_code():
    added, removed = catalogs.stale_template(ROOT, LOCALES)
    assert not added, (
        f"messages not yet in messages.pot (run translations extract): {sorted(added, key=str)}"
    )
    assert not removed, (
        f"messages.pot holds messages gone from the code: {sorted(removed, key=str)}"
    )


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_every_catalog_is_complete_and_well_formed(language):
    problems = catalogs.check(LOCALES, [language])
    assert not problems, "\n".join(str(p) for p in problems)


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_plural_forms_follow_cldr(language):
    catalog = catalogs.read_catalog(catalogs.po_path(LOCALES, language), language)
    assert catalog.num_plurals == PLURAL_FORMS[language]
    plural = [m for m in catalog if m.id and not isinstance(m.id, str)]
    assert plural, "the interface has plural messages"
    assert all(len(m.string) == PLURAL_FORMS[language] for m in plural)


def test_plural_rules_are_compared_by_the_forms_they_pick_not_by_their_text():
    polish = catalogs._new_catalog("pl")
    # The same rule as Babel wrote it before CLDR 46: other text, same form for every number.
    polish._plural_expr = "(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"
    assert catalogs.plural_problem(polish, "pl") is None
    # Arabic's pre-2.19 rule picks "few"/"many" wrongly for 11-99 and 100-102: a real difference.
    arabic = catalogs._new_catalog("ar")
    arabic._plural_expr = "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=0 && n%100<=2 ? 4 : 5)"
    assert "CLDR says" in catalogs.plural_problem(arabic, "ar")
    # A different number of forms is a difference even where the picks agree.
    italian = catalogs._new_catalog("it")
    italian._num_plurals, italian._plural_expr = 2, "(n != 1)"
    assert catalogs.plural_problem(italian, "it") is not None


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_gettext_accepts_every_catalog(language, tmp_path):
    """GNU msgfmt's own checks: formats, plural forms and headers, as translators' tools run them."""
    assert shutil.which("msgfmt"), "msgfmt is missing (make test installs Debian's gettext)"
    checked = subprocess.run(
        [
            "msgfmt",
            "--check",
            "-o",
            str(tmp_path / "messages.mo"),
            catalogs.po_path(LOCALES, language),
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_are_not_copies_of_english(language):
    catalog = catalogs.read_catalog(catalogs.po_path(LOCALES, language), language)
    copies = [
        m.id
        for m in catalog
        if isinstance(m.id, str)
        and m.string == m.id
        and any(c.isalpha() for c in PLACEHOLDER.sub("", m.id))
        and m.id not in SAME_AS_ENGLISH[language]
    ]
    assert not copies, f"{language}: left in English: {copies}"


def test_the_checker_catches_broken_placeholders_plurals_and_fuzzy_entries():
    from babel.messages.catalog import Catalog

    catalog = Catalog(locale="pl")
    catalog.add("No story {id}.", "Nie ma historii {numer}.")
    catalog.add("Hello %(name)s", "Cześć %(imie)s")
    catalog.add(("%(num)s story", "%(num)s stories"), ("%(num)s historia", "%(num)s historie"))
    catalog.add("Save", "Zapisz", flags=["fuzzy"])
    catalog.add("Cancel", "")
    catalog.add("Open {", "Otwórz {")
    problems = {(p.msgid, p.problem.split(" ")[0]) for p in catalogs.check_catalog(catalog, "pl")}
    assert ("No story {id}.", "form") in problems
    assert ("Hello %(name)s", "unknown") in problems
    assert ("%(num)s story", "Wrong") in problems
    assert ("Save", "fuzzy") in problems
    assert ("Cancel", "untranslated") in problems


def test_a_fresh_checkout_works_without_compiled_catalogs(tmp_path):
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES, copy, ignore=shutil.ignore_patterns("*.mo"))
    polish = load_catalog(copy, "pl")
    assert polish.gettext("Save the story") != "Save the story"
    assert polish.ngettext("%(num)s story", "%(num)s stories", 5) % {"num": 5} == "5 historii"


def test_compiled_catalogs_are_used_until_the_po_file_changes(tmp_path):
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES, copy, ignore=shutil.ignore_patterns("*.mo"))
    written = catalogs.compile_catalogs(copy)
    assert set(written) == set(SUPPORTED_LOCALES)
    assert load_catalog(copy, "it").gettext("Save the story") == "Salva la storia"
    # An edited .po is newer than its .mo: the .po wins, compiled in memory.
    po = catalogs.po_path(copy, "it")
    time.sleep(0.01)
    po.write_text(
        po.read_text(encoding="utf-8").replace('"Salva la storia"', '"Salva questa storia"'),
        encoding="utf-8",
    )
    assert load_catalog(copy, "it").gettext("Save the story") == "Salva questa storia"


def test_update_creates_and_fills_catalogs_from_the_template(tmp_path):
    copy = tmp_path / "locales"
    copy.mkdir()
    shutil.copy(catalogs.pot_path(LOCALES), catalogs.pot_path(copy))
    pending = catalogs.update(copy, ["en", "uk"])
    total = len([m for m in catalogs.read_catalog(catalogs.pot_path(copy)) if m.id])
    assert pending == {"en": 0, "uk": total}
    english = catalogs.read_catalog(catalogs.po_path(copy, "en"), "en")
    assert all(m.string for m in english if m.id)
    assert catalogs.read_catalog(catalogs.po_path(copy, "uk"), "uk").num_plurals == 3


CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")
NUMBERS = (0, 1, 2, 3, 5, 11, 21, 22, 25, 100, 101, 102)


def _form_categories(language: str, forms: int) -> list[str]:
    """The CLDR categories behind a catalog's forms, in CLDR order: the order translators write
    them in. Where the catalog has fewer forms than CLDR has categories, the dropped one is
    "other", which whole numbers never reach (Polish, Ukrainian: fractions only)."""
    rule = Locale.parse(language).plural_form
    categories = [tag for tag in CLDR_ORDER if tag in rule.tags or tag == "other"]
    if len(categories) > forms:
        assert all(rule(n) != "other" for n in range(10_000)), language
        categories.remove("other")
    return categories


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_every_plural_message_picks_cldr_s_form_for_each_number(language):
    """Rendered through the running translations (header rule and all), each plural message
    shows, for each n, the form written for CLDR's category of n."""
    rule = Locale.parse(language).plural_form
    catalog = catalogs.read_catalog(catalogs.po_path(LOCALES, language), language)
    categories = _form_categories(language, catalog.num_plurals)
    translations = load_catalog(LOCALES, language)
    plural = [m for m in catalog if m.id and not isinstance(m.id, str)]
    wrong = []
    for message in plural:
        forms = message.string if language != "en" else message.id
        for n in NUMBERS:
            expected = forms[categories.index(rule(n))] or message.id[0 if n == 1 else 1]
            shown = translations.ngettext(message.id[0], message.id[1], n)
            if shown != expected:
                wrong.append(f"n={n} ({rule(n)}): {shown!r} instead of {expected!r}")
    assert not wrong, f"{language}: " + "\n".join(wrong[:20])


@pytest.mark.parametrize("language", TRANSLATED)
def test_quoted_values_use_the_languages_own_quotation_marks(language):
    """Where the English message quotes a value “…”, the translation quotes it with CLDR's
    marks for its language (Estonian „…“, Italian «…», Arabic ”…“), never English ones."""
    start, end = quotation_marks(language)
    catalog = catalogs.read_catalog(catalogs.po_path(LOCALES, language), language)
    wrong = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.id or not any("“" in text for text in ids):
            continue
        quotes = sum(text.count("“") for text in ids[:1])
        for text in strings:
            if (
                text.count(start) < quotes
                or text.count(end) < quotes
                or (start != "“" and end != "“" and "“" in text)
            ):
                wrong.append(text)
    assert not wrong, "\n".join(wrong)
