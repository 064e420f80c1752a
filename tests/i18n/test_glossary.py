"""The glossary: each catalog names the core terms as `locales/glossary.csv` chooses."""

import pytest

from civicfutures.i18n.glossary import glossary_problems, read_glossary
from civicfutures.i18n.runtime import SUPPORTED_LOCALES, gettext, pgettext, use_locale
from civicfutures.settings import get_settings

LOCALES = get_settings().locales_dir
TRANSLATED = [lang for lang in SUPPORTED_LOCALES if lang != "en"]
CORE_TERMS = {
    "story",
    "storyteller",
    "workshop",
    "consent",
    "theme",
    "codebook",
    "excerpt",
    "insight",
    "finding",
    "outcome",
    "briefing",
    "curation",
    "site",
    "archive",
}


def test_the_glossary_covers_the_core_terms_in_every_language():
    terms = {t.term: t for t in read_glossary(LOCALES)}
    assert set(terms) >= CORE_TERMS
    for term in terms.values():
        assert term.part_of_speech and term.definition
        for language in TRANSLATED:
            assert term.chosen[language], (term.term, language)
            # The chosen term is itself one of its accepted forms.
            assert term.forms[language].search(term.chosen[language]), (term.term, language)


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_catalog_uses_the_glossary_terms(language):
    problems = glossary_problems(LOCALES, language)
    assert not problems, "\n".join(str(p) for p in problems)


def test_findings_and_outcomes_never_share_a_word():
    terms = {t.term: t for t in read_glossary(LOCALES)}
    for language in TRANSLATED:
        insight, outcome = terms["finding"], terms["outcome"]
        assert not outcome.forms[language].search(insight.chosen[language]), language
        assert not insight.forms[language].search(outcome.chosen[language]), language


def test_a_message_that_drops_a_term_is_reported(tmp_path):
    (tmp_path / "glossary.csv").write_text(
        (LOCALES / "glossary.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    po = tmp_path / "pl" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: pl\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Workshops of %(site)s"\nmsgstr "Spotkania: %(site)s"\n',
        encoding="utf-8",
    )
    problems = glossary_problems(tmp_path, "pl")
    assert [(p.term, p.translation) for p in problems] == [("workshop", "Spotkania: %(site)s")]


def test_a_context_tells_an_english_word_apart_from_the_outcomes():
    with use_locale("it"):
        assert pgettext("search", "Results") == "Risultati della ricerca"
        assert pgettext("analysis", "Result") == "Risultato dell'analisi"
        assert gettext("Outcomes") == "Risultati attesi"
        assert gettext("Findings") == "Constatazioni"
