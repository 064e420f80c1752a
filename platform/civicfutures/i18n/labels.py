"""Codebook labels are data: `{tag: text}` maps looked up along a fallback chain.

Chain for a request in `tag`: the tag itself (`pl-PL`), its base language (`pl`), its
macrolanguage or neighbour (`vro` → `et`), English, then the site's languages and the project's
default language; when none of those has text the theme's key is shown, so a page never comes out
blank. English comes before the site's languages because a reader who does not have the site's
language (an Arabic reader at an Italian site, often an Arabic speaker of the site itself) reads
English far more often than the site's other languages (Italian, Polish).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from civicfutures.i18n.languages import MACROLANGUAGE, base_language
from civicfutures.i18n.runtime import DEFAULT_LOCALE, catalog_language


@dataclass(frozen=True)
class Localized:
    """A text and the language it is actually in (differs from the request after a fallback)."""

    text: str
    language: str | None

    @property
    def found(self) -> bool:
        return self.language is not None


def fallback_chain(
    tag: str, site_languages: Iterable[str] = (), project_default: str | None = None
) -> list[str]:
    """The tags to try, most specific first, without repeats."""
    chain: list[str] = []

    def add(candidate: str | None) -> None:
        if candidate:
            cleaned = candidate.replace("_", "-")
            if cleaned.lower() not in (c.lower() for c in chain):
                chain.append(cleaned)

    add(tag)
    base = base_language(tag)
    add(base)
    add(MACROLANGUAGE.get(base))
    add(DEFAULT_LOCALE)
    for language in site_languages:
        add(language)
        add(base_language(language))
    add(project_default)
    return chain


def pick(texts: Mapping[str, str] | None, chain: list[str], default: str = "") -> Localized:
    """The first non-empty text along the chain; tags match case-insensitively."""
    by_tag = {tag.lower(): text for tag, text in (texts or {}).items() if text and text.strip()}
    for tag in chain:
        text = by_tag.get(tag.lower())
        if text:
            return Localized(text, tag)
    return Localized(default, None)


@dataclass(frozen=True)
class LabelContext:
    """Where labels are read: the requested language and the chain behind it."""

    tag: str
    site_languages: tuple[str, ...] = ()
    project_default: str | None = None

    @property
    def chain(self) -> list[str]:
        return fallback_chain(self.tag, self.site_languages, self.project_default)

    def label(self, texts: Mapping[str, str] | None, key: str = "") -> Localized:
        """A label in the best language available, or the key itself."""
        return pick(texts, self.chain, key)

    def description(self, texts: Mapping[str, str] | None) -> Localized:
        return pick(texts, self.chain, "")

    def foreign(self, found: Localized) -> str | None:
        """The `lang` to put on a text that is not in the interface's language, else None.

        The interface of a Võro page is the Estonian catalog, and the page says `lang="et"`: an
        Estonian label needs no mark there, a Võro one does."""
        if not found.language:
            return None
        interface = catalog_language(self.tag)
        return None if base_language(found.language) == interface else found.language
