"""Names a briefing shows instead of keys: themes, sites, countries, languages, demographic values.

Theme labels follow the codebook's fallback chain (the briefing's language, its base and
macrolanguage — `vro` → `et` —, the site's languages, the project's default, English, the key);
each label that had to fall back is remembered so the data notes can say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from civicfutures.analysis.scope import NOT_RECORDED
from civicfutures.briefings.inputs import Inputs
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import country_name, language_name
from civicfutures.i18n.labels import LabelContext
from civicfutures.i18n.languages import base_language


@dataclass
class Vocabulary:
    language: str
    theme_labels: dict[str, str]
    theme_kinds: dict[str, str]
    theme_order: dict[str, int]
    site_names: dict[str, str]
    attribute_labels: dict[str, str]
    value_labels: dict[str, dict[str, str]]
    value_order: dict[str, dict[str, int]]
    fallbacks: dict[str, str] = field(default_factory=dict)
    """theme key → the language its label is shown in, where that is not the briefing's."""

    def theme(self, key: str) -> str:
        return self.theme_labels.get(key, key)

    def site(self, slug: str) -> str:
        return self.site_names.get(slug, slug)

    def attribute(self, name: str) -> str:
        return self.attribute_labels.get(name, name.replace("_", " "))

    def value(self, attribute: str, value: str) -> str:
        if value == NOT_RECORDED:
            return _("Not recorded")
        return self.value_labels.get(attribute, {}).get(value, value)

    def country(self, code: str) -> str:
        return country_name(code, self.language)

    def language_name(self, tag: str) -> str:
        return language_name(tag, self.language)


def vocabulary(
    language: str,
    themes: pl.DataFrame,
    theme_labels: pl.DataFrame,
    sites: pl.DataFrame,
    inputs: Inputs,
) -> Vocabulary:
    """Labels for every key a briefing may show, in its language."""
    context = LabelContext(
        tag=language,
        site_languages=tuple(inputs.site_languages),
        project_default=inputs.project_default,
    )
    texts: dict[str, dict[str, str]] = {}
    for row in themes.iter_rows(named=True):
        if row["label_en"]:
            texts.setdefault(row["theme"], {})["en"] = row["label_en"]
    for row in theme_labels.iter_rows(named=True):
        texts.setdefault(row["theme"], {})[row["language"]] = row["label"]
    labels: dict[str, str] = {}
    fallbacks: dict[str, str] = {}
    wanted = base_language(language)
    for row in themes.iter_rows(named=True):
        found = context.label(texts.get(row["theme"]), row["theme"])
        labels[row["theme"]] = found.text
        shown = found.language
        if shown is None or base_language(shown) != wanted:
            fallbacks[row["theme"]] = shown or ""
    return Vocabulary(
        language=language,
        theme_labels=labels,
        theme_kinds=dict(zip(themes["theme"], themes["kind"], strict=True)),
        theme_order={key: i for i, key in enumerate(themes["theme"])},
        site_names=dict(zip(sites["site"], sites["name"], strict=True)),
        attribute_labels={a.name: a.label for a in inputs.attributes},
        value_labels={a.name: dict(a.values) for a in inputs.attributes},
        value_order={
            a.name: {v: i for i, (v, _label) in enumerate(a.values)} for a in inputs.attributes
        },
        fallbacks=fallbacks,
    )
