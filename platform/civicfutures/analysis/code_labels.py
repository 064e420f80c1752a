"""The explorer's coded columns in the reader's words: a label column beside each code column.

The analyses write codes (site slugs, theme keys, demographic values, story and workshop kinds,
country codes). Tools need the codes, so every download keeps them; beside each one the table
gains `<column>_label` in the page's language: sites by their name, themes and demographic
values by the project's labels along the fallback chain, kinds through the catalogs, countries
through CLDR. A codebook label that fell back to another language keeps that language, so the
page can mark it with `lang`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from civicfutures.analysis.params import STRUCTURAL_BY
from civicfutures.db.tables import Project, Site, Theme
from civicfutures.exports.labels import vocabulary
from civicfutures.i18n.formatting import country_name
from civicfutures.i18n.labels import LabelContext

LABEL_SUFFIX = "_label"
THEME_COLUMNS = ("theme", "theme_a", "theme_b", "challenge", "vision")


@dataclass(frozen=True)
class Vocabulary:
    """`{code: label}` of one coded column, and the language of each label read in another
    language than the page's."""

    labels: dict[str, str] = field(default_factory=dict)
    foreign: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CodeLabels:
    """The labels of one project's codes in one language."""

    language: str
    project: str
    project_name: str
    themes: Vocabulary
    sites: Vocabulary
    attributes: Vocabulary
    choices: dict[str, Vocabulary]

    def grouping(self, by: str, codes: list[str]) -> Vocabulary:
        """The vocabulary of the `group` column (holding `codes`) when grouped by `by`."""
        if by == "site":
            return self.sites
        if by == "project":
            return Vocabulary({self.project: self.project_name})
        if by in ("story_kind", "workshop_kind"):
            return Vocabulary(vocabulary(by, self.language))
        if by == "country":
            return Vocabulary({code: country_name(code, self.language) for code in codes})
        return self.choices.get(by, Vocabulary())


def _vocabulary(
    context: LabelContext, entries: list[tuple[str, Mapping[str, str] | None]]
) -> Vocabulary:
    labels: dict[str, str] = {}
    foreign: dict[str, str] = {}
    for code, texts in entries:
        found = context.label(texts, code)
        labels[code] = found.text
        language = context.foreign(found)
        if language:
            foreign[found.text] = language
    return Vocabulary(labels, foreign)


async def load(project: str, language: str) -> CodeLabels | None:
    """The labels of a project's codes in `language` (None for an unknown project)."""
    row = await (
        Project.select(Project.name, Project.default_language, Project.demographics)
        .where(Project.slug == project)
        .output(load_json=True)
        .first()
    )
    if row is None:
        return None
    context = LabelContext(tag=language, project_default=row["default_language"])
    themes = await (
        Theme.select(Theme.key, Theme.labels)
        .where(Theme.project.slug == project)
        .output(load_json=True)
    )
    sites = await Site.select(Site.slug, Site.name).where(Site.project.slug == project)
    demographics = row["demographics"] or []
    return CodeLabels(
        language=language,
        project=project,
        project_name=row["name"],
        themes=_vocabulary(context, [(t["key"], t["labels"]) for t in themes]),
        sites=Vocabulary({s["slug"]: s["name"] for s in sites}),
        attributes=_vocabulary(context, [(a["name"], a.get("labels")) for a in demographics]),
        choices={
            a["name"]: _vocabulary(
                context, [(str(c["value"]), c.get("labels")) for c in a.get("choices") or []]
            )
            for a in demographics
        },
    )


def grouping_of(kind: str, by: str | None, attributes: list[str]) -> str | None:
    """What the `group` column holds: the grouping the analysis used, defaults included."""
    if kind == "prevalence":
        return by or "site"
    if kind == "breakdown":
        if by and by not in STRUCTURAL_BY:
            return by
        return attributes[0] if attributes else None
    return None


def _codes(table: pl.DataFrame, name: str) -> list[str]:
    return table[name].drop_nulls().unique().to_list()


def _mapped(table: pl.DataFrame, name: str, vocabulary: Vocabulary) -> pl.Expr:
    codes = _codes(table, name)
    mapping = {code: vocabulary.labels.get(code) or code for code in codes}
    return pl.col(name).replace_strict(mapping, default=pl.col(name), return_dtype=pl.String)


def _values_by_attribute(table: pl.DataFrame, labels: CodeLabels) -> pl.Expr:
    """Representativeness: each row's value read in its own attribute's choices."""
    pairs = table.select("attribute", "value").drop_nulls().unique()
    mapping = {
        f"{attribute}\x1f{value}": labels.choices.get(attribute, Vocabulary()).labels.get(value)
        or value
        for attribute, value in pairs.iter_rows()
    }
    key = pl.col("attribute") + "\x1f" + pl.col("value")
    return key.replace_strict(mapping, default=pl.col("value"), return_dtype=pl.String)


@dataclass(frozen=True)
class Labelled:
    """A table with its label columns, and per label column the languages of foreign labels."""

    table: pl.DataFrame
    foreign: dict[str, dict[str, str]]


def label_table(table: pl.DataFrame, kind: str, by: str | None, labels: CodeLabels) -> Labelled:
    """Each coded column followed by its label column in the page's language."""
    grouping = grouping_of(kind, by, list(labels.choices))
    representativeness = {"attribute", "value"} <= set(table.columns)
    columns: list[pl.Expr] = []
    foreign: dict[str, dict[str, str]] = {}
    for name in table.columns:
        columns.append(pl.col(name))
        if table.schema[name] != pl.String:
            continue
        vocabulary: Vocabulary | None = None
        if name in THEME_COLUMNS:
            vocabulary = labels.themes
        elif name == "site":
            vocabulary = labels.sites
        elif name == "group" and grouping:
            vocabulary = labels.grouping(grouping, _codes(table, name))
        elif name == "attribute" and representativeness:
            vocabulary = labels.attributes
        if vocabulary is not None:
            columns.append(_mapped(table, name, vocabulary).alias(name + LABEL_SUFFIX))
            foreign[name + LABEL_SUFFIX] = vocabulary.foreign
        elif name == "value" and representativeness:
            columns.append(_values_by_attribute(table, labels).alias(name + LABEL_SUFFIX))
            foreign[name + LABEL_SUFFIX] = {
                text: language
                for choices in labels.choices.values()
                for text, language in choices.foreign.items()
            }
    return Labelled(table.select(columns), foreign)
