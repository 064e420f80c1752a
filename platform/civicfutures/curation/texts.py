"""An insight's title or summary in a reader's language, else in the language it was written in."""

from __future__ import annotations

from collections.abc import Mapping

from civicfutures.errors import FieldError, InvalidInput
from civicfutures.i18n import gettext as _
from civicfutures.i18n.labels import Localized, pick
from civicfutures.i18n.languages import MACROLANGUAGE, base_language
from civicfutures.intake.validation import canonical_language


def insight_chain(lang: str, original: str | None) -> list[str]:
    """The reader's tag, its base and macrolanguage, then the insight's own language."""
    chain: list[str] = []
    for tag in (lang, base_language(lang), MACROLANGUAGE.get(base_language(lang)), original):
        if tag and tag.lower() not in (c.lower() for c in chain):
            chain.append(tag)
    return chain


def insight_text(texts: Mapping[str, str] | None, lang: str, original: str | None) -> Localized:
    """The text for `lang`, falling back to the original language, then to any text at all."""
    found = pick(texts, insight_chain(lang, original))
    if found.found:
        return found
    for tag, text in (texts or {}).items():
        if text and text.strip():
            return Localized(text, tag)
    return Localized("", None)


def checked_language(tag: str, field: str = "lang") -> str:
    """A requested reading language in its canonical form, or a 422 naming the parameter."""
    canonical = canonical_language(tag)
    if canonical is None:
        raise InvalidInput(
            _("The request has invalid fields."),
            [
                FieldError(
                    field,
                    _("“{value}” is not a valid language tag (BCP 47), e.g. pl, et, vro.").format(
                        value=tag
                    ),
                )
            ],
        )
    return canonical
