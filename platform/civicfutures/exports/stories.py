"""The `stories` table: one row per consented story, with its translations and codings.

Codes and labels side by side: `story_kind` holds the code (`present`) and
`story_kind_label` its label in the export's language; themes come as `themes` (keys) and
`theme_labels`; demographic attributes as `<attribute>` (codes of the story's storytellers)
and `<attribute>_label`. `columns()` documents every column for the data dictionary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from civicfutures.exports.dataset import ExportData
from civicfutures.exports.labels import project_labels, vocabulary
from civicfutures.i18n import gettext as _

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


def _sites(data: ExportData) -> pl.DataFrame:
    return pl.DataFrame(
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


@dataclass(frozen=True)
class PerStory:
    """The tables a story's lists come from, read once and sorted by their key, so that a batch
    of stories finds its rows by binary search and takes them as a slice (no hash table)."""

    codings: pl.DataFrame
    """`story_id, theme, coder, start, end` in the snapshot's order (story, theme, coder,
    start, end)."""
    translations: pl.DataFrame
    """`story_id, language, title, body, origin, reviewed`, by story, language, origin."""
    links: pl.DataFrame
    """`story_id, storyteller_id` (and `code`), by story and storyteller."""
    demographics: dict[str, pl.DataFrame]
    """Per attribute: `storyteller_id, value`, by storyteller."""
    sites: pl.DataFrame

    @classmethod
    def read(cls, data: ExportData, *, empty: bool = False) -> PerStory:
        """The tables of `data` (only their columns when `empty`: enough to know the schema)."""
        links = data.links.select("story_id", "storyteller_id")
        if data.codes:
            links = links.join(
                data.storytellers.select("storyteller_id", "code"),
                on="storyteller_id",
                how="left",
            )
        plans = [
            data.codings.select("story_id", "theme", "coder", "start", "end", "coding_order"),
            data.translations.select("story_id", "language", "title", "body", "origin", "reviewed"),
            links,
            data.demographics.select("storyteller_id", "attribute", "value"),
        ]
        if empty:
            read = [pl.DataFrame(schema=plan.collect_schema()) for plan in plans]
        else:
            # One query: the four share the scope's story ids.
            read = pl.collect_all(plans)
        codings, translations, links_read, demographics = read
        return cls(
            codings=_sorted(codings, ["story_id", "coding_order"]).drop("coding_order"),
            translations=_sorted(translations, ["story_id", "language", "origin"]),
            links=_sorted(links_read, ["story_id", "storyteller_id"]),
            demographics={
                a["name"]: _sorted(
                    demographics.filter(pl.col("attribute") == a["name"]).drop("attribute"),
                    ["storyteller_id"],
                )
                for a in data.attributes
            },
            sites=_sites(data),
        )


def _sorted(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """`frame` sorted by `keys`, stable; as it is when each key is already in order (the
    snapshot's tables mostly are), which a check finds far faster than a sort."""
    if all(frame[key].is_sorted() for key in keys):
        return frame
    return frame.sort(keys, maintain_order=True)


def _rows_of(table: pl.DataFrame, key: str, keys: pl.Series) -> tuple[pl.DataFrame, np.ndarray]:
    """The rows of `table` (sorted by `key`) holding each of `keys`, key by key, with `owner`
    (the key's position), and how many rows each key has.

    Consecutive keys take one slice of the table; others gather their runs.
    """
    column = table[key]
    first = column.search_sorted(keys, side="left").to_numpy().astype(np.int64)
    after = column.search_sorted(keys, side="right").to_numpy().astype(np.int64)
    counts = after - first
    total = int(counts.sum())
    owners = pl.Series("owner", np.repeat(np.arange(len(keys), dtype=np.int64), counts))
    if total == 0:
        rows = table.clear()
    elif np.array_equal(first[1:], after[:-1]):
        rows = table.slice(int(first[0]), total)
    else:
        ends = np.cumsum(counts)
        rows = table[np.arange(total, dtype=np.int64) + np.repeat(first - (ends - counts), counts)]
    return rows.with_columns(owners), counts


def _listed(n: int, rows: pl.DataFrame, lists: list[pl.Expr]) -> pl.DataFrame:
    """One row per owner 0..n-1 with `lists` aggregated over its rows; owners without rows get
    empty lists. `rows` holds `owner` in ascending order, so the groups are runs."""
    grouped = rows.group_by("owner", maintain_order=True).agg(lists)
    if grouped.height == n:
        return grouped.drop("owner")
    slot = np.full(n, -1, dtype=np.int64)
    slot[grouped["owner"].to_numpy()] = np.arange(grouped.height)
    slots = pl.Series("slot", slot)
    aligned = grouped.drop("owner").select(pl.all().gather(slots.set(slots < 0, None)))
    return aligned.with_columns(
        pl.col(name).fill_null(pl.lit([], dtype=dtype)) for name, dtype in aligned.schema.items()
    )


def _distinct_sorted(rows: pl.DataFrame, column: str) -> pl.DataFrame:
    """`owner, column` without repeats, by owner then value (nulls first, as `list.sort`)."""
    owner, value = pl.col("owner"), pl.col(column)
    in_order = rows.select(((owner == owner.shift()) & (value < value.shift())).any().not_()).item()
    if not in_order:
        rows = rows.sort("owner", column, maintain_order=True)
    repeat = (owner == owner.shift()) & value.eq_missing(value.shift())
    return rows.select("owner", column).filter(repeat.not_())


def _mapped(column: str, mapping: dict[str, str]) -> pl.Expr:
    return pl.col(column).replace_strict(mapping, default=pl.col(column), return_dtype=pl.String)


def _each_mapped(column: str, mapping: dict[str, str]) -> pl.Expr:
    return pl.col(column).list.eval(
        pl.element().replace_strict(mapping, default=pl.element(), return_dtype=pl.String)
    )


@dataclass(frozen=True)
class Vocabularies:
    """Every label the table shows, looked up once in the export's language."""

    themes: dict[str, str]
    workshop_kinds: dict[str, str]
    story_kinds: dict[str, str]
    statuses: dict[str, str]
    choices: dict[str, dict[str, str]]
    """Per attribute column: its choices' labels."""

    @classmethod
    def of(cls, data: ExportData, lang: str) -> Vocabularies:
        labels = project_labels(lang, data.project, data.themes)
        return cls(
            themes=labels.theme_labels(),
            workshop_kinds=vocabulary("workshop_kind", lang),
            story_kinds=vocabulary("story_kind", lang),
            statuses=vocabulary("status", lang),
            choices={attribute_column(a["name"]): labels.choices(a) for a in data.attributes},
        )


def _storyteller_lists(links: pl.DataFrame, n: int, codes: bool) -> pl.DataFrame:
    lists = [pl.col("storyteller_id").alias("storyteller_ids")]
    if codes:
        lists.append(pl.col("code").alias("storyteller_codes"))
    return _listed(n, links, lists)


def _demographic_lists(
    links: pl.DataFrame, n: int, tables: PerStory, choices: dict[str, dict[str, str]], names
) -> pl.DataFrame:
    """Per story: each attribute's codes and labels, as sorted lists without repeats."""
    out = []
    for name, column in names:
        values, _counts = _rows_of(
            tables.demographics[name], "storyteller_id", links["storyteller_id"]
        )
        values = values.select(
            links["owner"].gather(values["owner"]), pl.col("value").alias(column)
        )
        # Most stories have one storyteller: only stories with several need a sort.
        values = _distinct_sorted(values.sort("owner", column, maintain_order=True), column)
        out.append(_listed(n, values, [pl.col(column)]))
    return pl.concat(out, how="horizontal").with_columns(
        _each_mapped(column, choices[column]).alias(f"{column}_label") for _, column in names
    )


def _coding_lists(
    stories: pl.DataFrame, tables: PerStory, theme_labels: dict[str, str]
) -> pl.DataFrame:
    """Per story: its themes (sorted keys, labels) and every coding in reading order."""
    codings, _counts = _rows_of(tables.codings, "story_id", stories["story_id"])
    n = stories.height
    # The snapshot's codings come by story and theme, so a story's themes are the runs of
    # one theme (sorted anew only if a snapshot were not).
    themes = _distinct_sorted(codings.select("owner", "theme"), "theme")
    themes = _listed(n, themes, [pl.col("theme").alias("themes")])
    # Reading order: the start (uncoded spans first), then the snapshot's own order (theme,
    # coder, end), which a stable sort keeps.
    codings = (
        # One chunk first: a gather across chunks of long strings costs a hundred times more.
        codings.with_columns(body=stories["body"].rechunk().gather(codings["owner"]))
        .with_columns(
            theme_label=_mapped("theme", theme_labels),
            excerpt=pl.when(pl.col("start").is_not_null() & pl.col("end").is_not_null())
            .then(pl.col("body").str.slice(pl.col("start"), pl.col("end") - pl.col("start")))
            .otherwise(None),
        )
        .sort(pl.col("owner"), pl.col("start").fill_null(-1), maintain_order=True)
    )
    listed = _listed(
        n,
        codings,
        [pl.struct("theme", "theme_label", "coder", "start", "end", "excerpt").alias("codings")],
    )
    return pl.concat([themes, listed], how="horizontal").with_columns(
        theme_labels=_each_mapped("themes", theme_labels)
    )


def _translation_lists(stories: pl.DataFrame, tables: PerStory) -> pl.DataFrame:
    translations, _counts = _rows_of(tables.translations, "story_id", stories["story_id"])
    return _listed(
        stories.height,
        translations,
        [
            pl.col("language").alias("translation_languages"),
            pl.struct("language", "title", "body", "origin", "reviewed").alias("translations"),
        ],
    )


def stories_batch(
    stories: pl.DataFrame, data: ExportData, tables: PerStory, words: Vocabularies
) -> pl.DataFrame:
    """The table's rows of some stories (any of them, in any order), in the stories' order."""
    n = stories.height
    links, counts = _rows_of(tables.links, "story_id", stories["story_id"])
    parts = [
        stories.join(tables.sites, on="site_id", how="left", maintain_order="left"),
        _storyteller_lists(links, n, data.codes).with_columns(
            n_storytellers=pl.Series(counts, dtype=pl.Int64)
        ),
        _coding_lists(stories, tables, words.themes),
        _translation_lists(stories, tables),
    ]
    names = [(a["name"], attribute_column(a["name"])) for a in data.attributes]
    if names:
        parts.append(_demographic_lists(links, n, tables, words.choices, names))
    frame = pl.concat(parts, how="horizontal").with_columns(
        project=pl.lit(data.project["slug"]),
        workshop_date=pl.col("date"),
        workshop_kind_label=_mapped("workshop_kind", words.workshop_kinds),
        story_kind=pl.col("kind"),
        story_kind_label=_mapped("kind", words.story_kinds),
        status_label=_mapped("status", words.statuses),
    )
    return frame.select([c.name for c in columns(data)])


def stories_table(
    data: ExportData, lang: str | None = None, tables: PerStory | None = None
) -> pl.LazyFrame:
    """The stories table, in story id order, labels in `lang` (default: the request's).

    The id-sorted stories stream through in batches and each batch takes its lists from the
    per-story tables (`tables` when the caller has read them), sorted by story: a batch finds
    its rows by binary search, so no hash table of a million stories is built and only a
    batch of bodies is held.
    """
    words = Vocabularies.of(data, lang or data.scope.lang)
    schema = stories_batch(
        pl.DataFrame(schema=data.stories.collect_schema()),
        data,
        PerStory.read(data, empty=True),
        words,
    ).schema
    # Read here, never inside a batch: a query run from within the streaming engine's own
    # threads can wait forever for a thread the engine has given to another batch.
    read = PerStory.read(data) if tables is None else tables

    def batch(stories: pl.DataFrame) -> pl.DataFrame:
        return stories_batch(stories, data, read, words)

    # Each story's row depends on that story alone, so batches may be built as they stream.
    return data.stories.map_batches(batch, schema=schema, streamable=True)
