"""The glossary of core terms (`locales/glossary.csv`) and the check that catalogs keep to it.

Each row names an English term, the regular expression of its English forms, and per language
the chosen term and a regular expression of its accepted forms (stems, so that declined and
conjugated forms pass). A message whose English text uses the term must use one of those forms
in every plural form that a reader can see with a number: Arabic's zero form ("no excerpts")
rightly leaves the noun out.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from babel import Locale

from civicfutures.i18n.catalogs import po_path, read_catalog

GLOSSARY_FILE = "glossary.csv"
# Placeholders are not words a reader sees: `%(site)s`, `{excerpts}` must not count as the term;
# nor, in English, do hyphenated compounds and command names (`codebook-export`, `cross-site`).
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
_COMPOUND = re.compile(r"\b\w+(?:-\w+)+\b")


@dataclass(frozen=True)
class Term:
    term: str
    part_of_speech: str
    definition: str
    english: re.Pattern[str]
    chosen: dict[str, str]
    forms: dict[str, re.Pattern[str]]


@dataclass(frozen=True)
class GlossaryProblem:
    language: str
    term: str
    msgid: str
    translation: str

    def __str__(self) -> str:
        return (
            f"{self.language}: {self.msgid!r} uses “{self.term}” but its translation "
            f"{self.translation!r} does not"
        )


def read_glossary(locales_dir: Path) -> list[Term]:
    with (locales_dir / GLOSSARY_FILE).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    languages = [name for name in rows[0] if f"{name}_forms" in rows[0]] if rows else []
    return [
        Term(
            term=row["term"],
            part_of_speech=row["part_of_speech"],
            definition=row["definition"],
            english=re.compile(rf"\b(?:{row['english_forms']})\b", re.IGNORECASE),
            chosen={lang: row[lang] for lang in languages},
            forms={lang: re.compile(row[f"{lang}_forms"], re.IGNORECASE) for lang in languages},
        )
        for row in rows
    ]


def _zero_form(language: str) -> int | None:
    """Index of CLDR's "zero" form when the language has one (Babel orders forms as CLDR)."""
    locale = Locale.parse(language)
    return 0 if locale.plural_form(0) == "zero" else None


def glossary_problems(locales_dir: Path, language: str) -> list[GlossaryProblem]:
    terms = [t for t in read_glossary(locales_dir) if language in t.forms]
    catalog = read_catalog(po_path(locales_dir, language), language)
    zero = _zero_form(language)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        english = message.id if isinstance(message.id, str) else message.id[0]
        prose = _COMPOUND.sub(" ", _PLACEHOLDER.sub(" ", english))
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        shown = [s for i, s in enumerate(strings) if not (len(strings) > 1 and i == zero)]
        for term in terms:
            if not term.english.search(prose):
                continue
            for text in shown:
                if text and not term.forms[language].search(_PLACEHOLDER.sub(" ", text)):
                    problems.append(GlossaryProblem(language, term.term, english, text))
                    break
    return problems
