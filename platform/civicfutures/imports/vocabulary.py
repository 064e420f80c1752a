"""The spreadsheet's words: column headers, help and coded values, from the catalogs.

Every word a partner reads in a template or a message comes from the gettext catalogs (contexts
`import column`, `import help`, `import value`, `import template`), where translators work.
Recognising a header or a coded value reads every catalog, so a Polish file uploaded from an
English page is still understood; `ALIASES` adds the other names a column is known by. Headers
and values are compared after `normalize()`: case, accents' composition, dashes, underscores,
spacing and a trailing `*` or `:` do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from civicfutures.i18n import pgettext, use_locale

LANGUAGES: tuple[str, ...] = ("en", "pl", "et", "it", "uk", "ar")

_DASHES = re.compile(r"[\u2010-\u2015\u2212_\-]+")
_SPACES = re.compile(r"\s+")

Text = Callable[[], str]


@lru_cache(maxsize=65_536)
def normalize(text: str) -> str:
    """The comparison form of a header or a coded value: `Data warsztatu *` → `data warsztatu`."""
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    text = text.strip("\"'").rstrip("*:").strip()
    text = _DASHES.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def in_language(text: Text, language: str) -> str:
    """A catalog text as a given language reads it (`vro` reads Estonian, others English)."""
    with use_locale(language):
        return text()


@dataclass(frozen=True)
class Column:
    """One column of the import: its canonical key, header and help (read from the catalogs),
    and the other names it is recognised by."""

    key: str
    title: Text
    explanation: Text
    aliases: tuple[str, ...] = ()
    required: bool = False
    # Coded columns name their value vocabulary (a key of VALUES); lists accept several values.
    values: str | None = None
    is_list: bool = False
    is_text: bool = False
    width: int = 18

    def header(self, language: str) -> str:
        return in_language(self.title, language)

    def help_text(self, language: str) -> str:
        return in_language(self.explanation, language)

    @property
    def headers(self) -> dict[str, tuple[str, ...]]:
        """Every name of the column: its header in each catalog, then its aliases."""
        found = {language: (self.header(language),) for language in LANGUAGES}
        found["aliases"] = self.aliases
        return found


# Translators: the import spreadsheet's column headers and help (context `import column`,
# `import help`) are written into the template a partner downloads; keep headers short.
COLUMNS: tuple[Column, ...] = (
    Column(
        key="site",
        title=lambda: pgettext("import column", "Site"),
        explanation=lambda: pgettext(
            "import help",
            "The site's name as in the list, e.g. Gdańsk; its short name (gdansk) works too. Leave the column out when you import from a site's page.",
        ),
        aliases=(
            "Municipality",
            "Site slug",
            "Gmina",
            "Omavalitsus",
            "Comune",
            "Місце",
            "البلدية",
            # Earlier templates' headers, before the glossary's terms.
            "Sede",
            "الموقع",
        ),
        width=22,
    ),
    Column(
        key="workshop_date",
        title=lambda: pgettext("import column", "Workshop date"),
        explanation=lambda: pgettext(
            "import help",
            "The day of the workshop, e.g. 2025-03-15 or 15.03.2025. Rows with the same site, date and type belong to one workshop.",
        ),
        required=True,
        width=14,
    ),
    Column(
        key="workshop_kind",
        title=lambda: pgettext("import column", "Workshop type"),
        explanation=lambda: pgettext(
            "import help",
            "The type of workshop; choose from the list.",
        ),
        aliases=("Workshop kind",),
        required=True,
        values="workshop_kind",
        width=22,
    ),
    Column(
        key="workshop_language",
        title=lambda: pgettext("import column", "Workshop language"),
        explanation=lambda: pgettext(
            "import help",
            "The language the workshop was held in, as a code such as pl. Empty: the site's first language.",
        ),
        values="language",
        width=12,
    ),
    Column(
        key="workshop_title",
        title=lambda: pgettext("import column", "Workshop title"),
        explanation=lambda: pgettext(
            "import help",
            "Optional: the workshop's title. Used only when the workshop is new.",
        ),
        is_text=True,
        width=24,
    ),
    Column(
        key="storyteller_codes",
        title=lambda: pgettext("import column", "Storyteller code"),
        explanation=lambda: pgettext(
            "import help",
            "The storyteller's pseudonymous code, e.g. GDA-01; for a group story several codes separated by ;. Never a name.",
        ),
        aliases=(
            "Storyteller codes",
            "Storyteller",
            "Kod narratora",
            "Codice narratore",
        ),
        required=True,
        is_list=True,
        width=16,
    ),
    Column(
        key="consent_version",
        title=lambda: pgettext("import column", "Consent version"),
        explanation=lambda: pgettext(
            "import help",
            "The version of the consent form the storyteller signed, e.g. 2025-01. Required for a new storyteller.",
        ),
        width=12,
    ),
    Column(
        key="consent_given_at",
        title=lambda: pgettext("import column", "Consent date"),
        explanation=lambda: pgettext(
            "import help",
            "The day consent was given. Empty: the workshop date.",
        ),
        width=14,
    ),
    Column(
        key="consent_scopes",
        title=lambda: pgettext("import column", "Consent scopes"),
        explanation=lambda: pgettext(
            "import help",
            "What the storyteller agreed to: Research, Archive, Quotation, separated by ;. Required for a new storyteller.",
        ),
        values="consent_scope",
        is_list=True,
        width=26,
    ),
    Column(
        key="story_kind",
        title=lambda: pgettext("import column", "Story type"),
        explanation=lambda: pgettext(
            "import help",
            "A present-day experience of democracy or a vision of the future; choose from the list.",
        ),
        aliases=("Story kind",),
        required=True,
        values="story_kind",
        width=22,
    ),
    Column(
        key="horizon_year",
        title=lambda: pgettext("import column", "Horizon year"),
        explanation=lambda: pgettext(
            "import help",
            "For a vision of the future only: the year it imagines, e.g. 2050.",
        ),
        width=10,
    ),
    Column(
        key="language",
        title=lambda: pgettext("import column", "Story language"),
        explanation=lambda: pgettext(
            "import help",
            "The language the story is written in, as a code such as pl, uk or et.",
        ),
        aliases=(
            "Language",
            "Język",
            "Keel",
            "Lingua",
            "Мова",
            "اللغة",
        ),
        required=True,
        values="language",
        width=10,
    ),
    Column(
        key="title",
        title=lambda: pgettext("import column", "Title"),
        explanation=lambda: pgettext(
            "import help",
            "Optional: the story's title in its own language.",
        ),
        aliases=(
            "Story title",
            "Tytuł historii",
            "Loo pealkiri",
            "Titolo della storia",
            "Назва історії",
            "عنوان القصة",
        ),
        is_text=True,
        width=30,
    ),
    Column(
        key="body",
        title=lambda: pgettext("import column", "Story"),
        explanation=lambda: pgettext(
            "import help",
            "The story's text in its original language, as the storyteller told it.",
        ),
        aliases=(
            "Story text",
            "Text",
            "Historia",
            "Treść",
            "Loo tekst",
            "Tekst",
            "Storia",
            "Testo",
            "Історія",
            "Текст",
            "القصة",
            "النص",
        ),
        required=True,
        is_text=True,
        width=60,
    ),
    Column(
        key="status",
        title=lambda: pgettext("import column", "Status"),
        explanation=lambda: pgettext(
            "import help",
            "Draft, Submitted or Reviewed. Empty: Submitted.",
        ),
        values="status",
        width=12,
    ),
    Column(
        key="translation_language",
        title=lambda: pgettext("import column", "Translation language"),
        explanation=lambda: pgettext(
            "import help",
            "Optional: the language of the translation, e.g. en.",
        ),
        values="language",
        width=10,
    ),
    Column(
        key="translation_title",
        title=lambda: pgettext("import column", "Translated title"),
        explanation=lambda: pgettext(
            "import help",
            "Optional: the title in the translation's language.",
        ),
        is_text=True,
        width=30,
    ),
    Column(
        key="translation_body",
        title=lambda: pgettext("import column", "Translation"),
        explanation=lambda: pgettext(
            "import help",
            "Optional: the story translated, e.g. into English.",
        ),
        aliases=(
            "Translated text",
            "Treść tłumaczenia",
            "Tõlke tekst",
            "Testo tradotto",
            "Текст перекладу",
            "النص المترجم",
        ),
        is_text=True,
        width=60,
    ),
    Column(
        key="translation_by",
        title=lambda: pgettext("import column", "Translated by"),
        explanation=lambda: pgettext(
            "import help",
            "Who translated: a person or a machine. Empty: a person.",
        ),
        values="translation_by",
        width=14,
    ),
    Column(
        key="themes",
        title=lambda: pgettext("import column", "Themes"),
        explanation=lambda: pgettext(
            "import help",
            "Themes of the project's codebook, by label or key, separated by ;.",
        ),
        aliases=(
            "Theme",
            "Temat",
            "Teema",
            "Tema",
            "Тема",
            "الموضوع",
        ),
        values="theme",
        is_list=True,
        width=36,
    ),
    Column(
        key="coder",
        title=lambda: pgettext("import column", "Coded by"),
        explanation=lambda: pgettext(
            "import help",
            "Optional: who chose the themes. Empty: you.",
        ),
        width=14,
    ),
)

COLUMNS_BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}


def demographic_help() -> str:
    """Help for a demographic column; its header comes from the project's own labels."""
    return pgettext("import help", "Choose from the list; leave empty if it was not recorded.")


# Coded values: canonical value → its label (the template writes the labels).
VALUES: dict[str, dict[str, Text]] = {
    "workshop_kind": {
        "storytelling": lambda: pgettext("import value", "Storytelling"),
        "future_thinking": lambda: pgettext("import value", "Future thinking"),
        "knowledge_exchange": lambda: pgettext("import value", "Knowledge exchange"),
    },
    "story_kind": {
        "present": lambda: pgettext("import value", "Present-day experience"),
        "future": lambda: pgettext("import value", "Vision of the future"),
    },
    "status": {
        "draft": lambda: pgettext("import value", "Draft"),
        "submitted": lambda: pgettext("import value", "Submitted"),
        "reviewed": lambda: pgettext("import value", "Reviewed"),
    },
    "consent_scope": {
        "research": lambda: pgettext("import value", "Research"),
        "archive": lambda: pgettext("import value", "Archive"),
        "quote": lambda: pgettext("import value", "Quotation"),
    },
    "translation_by": {
        "human": lambda: pgettext("import value", "Person"),
        "machine": lambda: pgettext("import value", "Machine"),
    },
}


def sheet_name(sheet: str) -> str:
    """The template's sheet names: `stories`, `help`."""
    names = {
        "stories": pgettext("import template", "Stories"),
        "help": pgettext("import template", "Help"),
    }
    return names[sheet]


def help_headings() -> tuple[str, str, str, str]:
    """The help sheet's table headings."""
    return (
        pgettext("import template", "Column"),
        pgettext("import template", "Required"),
        pgettext("import template", "What to write"),
        pgettext("import template", "Allowed values"),
    )


def yes() -> str:
    """The help sheet's mark of a required column."""
    return pgettext("import template", "yes")


def help_intro() -> str:
    """The help sheet's first paragraph."""
    return pgettext(
        "import template",
        "One row per story. Keep the headers of the first sheet as they are; rows with the same site, workshop date and type become one workshop, and storytellers are matched by code. Importing the same file again changes nothing.",
    )


def value_label(vocabulary: str, value: str, language: str) -> str:
    """A coded value's label in a language (English, then the value itself, as fallbacks)."""
    label = VALUES[vocabulary].get(value)
    return in_language(label, language) if label else value


@dataclass
class ValueIndex:
    """Recognises a coded value written as its key or as its label in any language."""

    by_text: dict[str, set[str]] = field(default_factory=dict)

    def add(self, value: str, *texts: str) -> None:
        for text in (value, *texts):
            normalized = normalize(text)
            if normalized:
                self.by_text.setdefault(normalized, set()).add(value)

    def lookup(self, text: str) -> set[str]:
        """Every value the text may name: none (unknown), one, or several (ambiguous)."""
        return self.by_text.get(normalize(text), set())


def value_index(vocabulary: str) -> ValueIndex:
    """Every value of a vocabulary by its key and its label in every catalog."""
    index = ValueIndex()
    for value, label in VALUES[vocabulary].items():
        index.add(value, *(in_language(label, language) for language in LANGUAGES))
    return index
