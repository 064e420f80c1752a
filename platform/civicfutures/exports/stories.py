"""The `stories` table: one row per consented story, with its translations and codings.

Codes and labels side by side: `story_kind` holds the code (`present`) and
`story_kind_label` its label in the export's language; themes come as `themes` (keys) and
`theme_labels`; demographic attributes as `<attribute>` (codes of the story's storytellers)
and `<attribute>_label`. `columns()` documents every column for the data dictionary.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from civicfutures.exports.dataset import CODING_ORDER_SPAN, ExportData
from civicfutures.exports.labels import ProjectLabels, project_labels, vocabulary
from civicfutures.i18n import gettext as _

# Hash the right side of every join and stream the left one: the stories (with their bodies)
# always come from the left, so a join holds per-story aggregates, never the story texts.
# Left to itself, Polars hashes the side with fewer rows, the stories, and holds every body.
STREAM_LEFT = "force_right"
BASE_COLUMNS = (
    "story_id",
    "project",
    "site",
    "site_name",
    "country",
    "workshop_id",
    "workshop_date",
    "workshop_kind",
    "workshop_kind_label",
    "story_kind",
    "story_kind_label",
    "horizon_year",
    "language",
    "status",
    "status_label",
    "title",
    "body",
    "storyteller_ids",
    "storyteller_codes",
    "n_storytellers",
)


@dataclass(frozen=True)
class Column:
    """One column of an export: its name, type, meaning and (for coded columns) vocabulary."""

    name: str
    type: str
    meaning: str
    codes: str = ""
    """Where the codes' labels come from: a vocabulary name, `theme`, `site`, `attribute:<name>`."""


def attribute_column(name: str) -> str:
    """A demographic attribute's column; renamed when it would clash with a story column."""
    return f"storyteller_{name}" if name in BASE_COLUMNS or name.startswith("theme") else name


def columns(data: ExportData) -> list[Column]:
    """Every column of the stories table, in order, with its meaning in the current locale."""
    cols = [
        Column("story_id", "integer", _("Identifier of the story on the platform.")),
        Column("project", "string", _("Project (slug).")),
        Column("site", "string", _("Site where the story was told (slug)."), "site"),
        Column("site_name", "string", _("Name of the site.")),
        Column("country", "string", _("Country of the site (ISO 3166-1 alpha-2).")),
        Column("workshop_id", "integer", _("Identifier of the workshop.")),
        Column("workshop_date", "date", _("Date of the workshop.")),
        Column("workshop_kind", "string", _("Kind of workshop (code)."), "workshop_kind"),
        Column("workshop_kind_label", "string", _("Kind of workshop (label).")),
        Column("story_kind", "string", _("Kind of story (code)."), "story_kind"),
        Column("story_kind_label", "string", _("Kind of story (label).")),
        Column("horizon_year", "integer", _("Year a vision of the future looks ahead to.")),
        Column("language", "string", _("Language of the original text (BCP 47).")),
        Column("status", "string", _("Review status (code)."), "status"),
        Column("status_label", "string", _("Review status (label).")),
        Column("title", "string", _("Title in the original language.")),
        Column("body", "string", _("Text of the story in the original language.")),
        Column(
            "storyteller_ids",
            "list",
            _("Identifiers of the storytellers (pseudonymous, without their codes)."),
        ),
    ]
    if data.codes:
        cols.append(
            Column("storyteller_codes", "list", _("Pseudonymous codes of the storytellers."))
        )
    cols.append(Column("n_storytellers", "integer", _("Number of storytellers of the story.")))
    for attribute in data.attributes:
        name = attribute_column(attribute["name"])
        cols.append(
            Column(
                name,
                "list",
                _("Demographic attribute of the storytellers (codes)."),
                f"attribute:{attribute['name']}",
            )
        )
        cols.append(
            Column(
                f"{name}_label", "list", _("Demographic attribute of the storytellers (labels).")
            )
        )
    cols += [
        Column("themes", "list", _("Themes coded in the story by any coder (keys)."), "theme"),
        Column("theme_labels", "list", _("Themes coded in the story (labels).")),
        Column(
            "codings",
            "list",
            _(
                "Every coding: theme key and label, coder, start and end (character offsets into the original text) and the excerpt."
            ),
        ),
        Column("translation_languages", "list", _("Languages the story is translated into.")),
        Column(
            "translations",
            "list",
            _("Translations: language, title, body, origin (human/machine) and review flag."),
        ),
    ]
    return cols


def _mapped(column: str, mapping: dict[str, str]) -> pl.Expr:
    return pl.col(column).replace_strict(mapping, default=pl.col(column), return_dtype=pl.String)


def _sites(data: ExportData) -> pl.LazyFrame:
    return pl.LazyFrame(
        {
            "site_id": [s["id"] for s in data.scope.sites],
            "site": [s["slug"] for s in data.scope.sites],
            "site_name": [s["name"] for s in data.scope.sites],
            "country": [s["country"] for s in data.scope.sites],
        },
        schema={
            "site_id": pl.Int64,
            "site": pl.String,
            "site_name": pl.String,
            "country": pl.String,
        },
    )


def _demographic_lists(data: ExportData, labels: ProjectLabels) -> pl.LazyFrame | None:
    """Per story: each attribute's codes and labels, as sorted lists without repeats."""
    attributes = data.attributes
    if not attributes:
        return None
    values = data.links.join(data.demographics, on="storyteller_id")
    # Plain gathers in the group and list operations after it: a filter, unique and sort per
    # group costs several times more on a million stories.
    grouped = values.group_by("story_id").agg(
        pl.col("value").filter(pl.col("attribute") == a["name"]).alias(attribute_column(a["name"]))
        for a in attributes
    )
    return grouped.with_columns(
        pl.col(attribute_column(a["name"])).list.unique().list.sort() for a in attributes
    ).with_columns(
        pl.col(attribute_column(a["name"]))
        .list.eval(
            pl.element().replace_strict(
                labels.choices(a), default=pl.element(), return_dtype=pl.String
            )
        )
        .alias(f"{attribute_column(a['name'])}_label")
        for a in attributes
    )


def _storytellers(data: ExportData) -> pl.LazyFrame:
    """Per story: its storytellers' ids (sorted), their number and, when shown, their codes."""
    aggs: list[pl.Expr] = [
        pl.col("storyteller_id").alias("storyteller_ids"),
        pl.len().cast(pl.Int64).alias("n_storytellers"),
    ]
    links = data.links
    if data.codes:
        links = links.join(data.storytellers, on="storyteller_id", how="left")
        aggs.append(pl.col("code").sort_by("storyteller_id").alias("storyteller_codes"))
    return links.group_by("story_id").agg(aggs).with_columns(pl.col("storyteller_ids").list.sort())


def _codings(data: ExportData, theme_labels: dict[str, str]) -> pl.LazyFrame:
    """Per story: its themes (sorted keys, labels) and every coding in reading order."""
    # Stories stream past the codings (the join's small side): story bodies are never hashed.
    return (
        data.stories.select("story_id", "body")
        .join(data.codings, on="story_id", build_side=STREAM_LEFT)
        .with_columns(
            theme_label=_mapped("theme", theme_labels),
            excerpt=pl.when(pl.col("start").is_not_null() & pl.col("end").is_not_null())
            .then(pl.col("body").str.slice(pl.col("start"), pl.col("end") - pl.col("start")))
            .otherwise(None),
            # Reading order as one integer: the start (uncoded spans first), then the snapshot's
            # own order (theme, coder, end), so the group sorts by one key instead of four.
            reading=pl.col("start").fill_null(-1) * CODING_ORDER_SPAN + pl.col("coding_order"),
        )
        .group_by("story_id")
        .agg(
            pl.col("theme").alias("themes"),
            pl.struct("theme", "theme_label", "coder", "start", "end", "excerpt")
            .sort_by("reading")
            .alias("codings"),
        )
        .with_columns(pl.col("themes").list.unique().list.sort())
        .with_columns(
            theme_labels=pl.col("themes").list.eval(
                pl.element().replace_strict(
                    theme_labels, default=pl.element(), return_dtype=pl.String
                )
            )
        )
    )


def stories_table(data: ExportData, lang: str | None = None) -> pl.LazyFrame:
    """The stories table, in story id order, labels in `lang` (default: the request's).

    One lazy plan over the whole snapshot: each per-story table is aggregated once, and the
    id-sorted stories stream past them, so story bodies are read once and never hashed.
    """
    lang = lang or data.scope.lang
    labels = project_labels(lang, data.project, data.themes)
    translations = data.translations.group_by("story_id").agg(
        pl.col("language").sort().alias("translation_languages"),
        pl.struct("language", "title", "body", "origin", "reviewed")
        .sort_by("language", "origin")
        .alias("translations"),
    )

    per_story = [_storytellers(data), _codings(data, labels.theme_labels()), translations]
    demographics = _demographic_lists(data, labels)
    if demographics is not None:
        per_story.append(demographics)
    frame = data.stories.join(
        _sites(data), on="site_id", how="left", maintain_order="left", build_side=STREAM_LEFT
    )
    for table in per_story:
        frame = frame.join(
            table, on="story_id", how="left", maintain_order="left", build_side=STREAM_LEFT
        )

    frame = frame.with_columns(
        project=pl.lit(data.project["slug"]),
        workshop_date=pl.col("date"),
        workshop_kind_label=_mapped("workshop_kind", vocabulary("workshop_kind", lang)),
        story_kind=pl.col("kind"),
        story_kind_label=_mapped("kind", vocabulary("story_kind", lang)),
        status_label=_mapped("status", vocabulary("status", lang)),
        n_storytellers=pl.col("n_storytellers").fill_null(0),
    )
    # A story without themes, translations or storytellers has an empty list, not a missing
    # one: nothing is unknown about it.
    described = columns(data)
    schema = frame.collect_schema()
    frame = frame.with_columns(
        pl.col(c.name).fill_null(pl.lit([], dtype=schema[c.name]))
        for c in described
        if c.type == "list"
    )
    # The snapshot's stories are sorted by id and every join keeps the left order, so the
    # table comes out in story order without a sort (which would hold every row in memory).
    return frame.select([c.name for c in described])
