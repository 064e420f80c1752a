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

from civicfutures.exports.dataset import CODING_ORDER_SPAN, ExportData
from civicfutures.exports.labels import project_labels, vocabulary
from civicfutures.exports.tabular import LIST_SEPARATOR, text_safe_rows
from civicfutures.i18n import gettext as _

# Stories whose rows are built together (see `stories_table`).
ROWS_PER_SLICE = 25_000
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
    """The tables a story's lists come from, read once and sorted by story, so that a batch
    of stories finds its rows by binary search and takes them as a slice (no hash table).

    Whatever a list needs of order or distinctness is settled here, over the whole table at
    once (where Polars sorts on every core), so a batch only slices and lists its rows; only
    the demographic values, a few per story on its storytellers' rows, are made distinct in
    the batch."""

    codings: pl.DataFrame
    """`story_id, theme, coder, start, end` in reading order: by story, then start (uncoded
    spans first), then the snapshot's own order (theme, coder, start, end)."""
    themes: pl.DataFrame
    """`story_id, theme`: each story's distinct themes, sorted."""
    translations: pl.DataFrame
    """`story_id, language, title, body, origin, reviewed`, by story, language, origin."""
    links: pl.DataFrame
    """`story_id, storyteller_id` (and `code`), by story and storyteller, with each demographic
    attribute's value of the storyteller in its `demographic_column` (null where none is
    recorded): a batch lists a story's values from the rows it takes for the storytellers."""
    sites: pl.DataFrame

    @staticmethod
    def demographic_column(position: int) -> str:
        """The column of `links` holding the project's `position`-th attribute."""
        return f"demographic_{position}"

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
        by_attribute = demographics.partition_by("attribute", as_dict=True, include_key=False)
        # A storyteller holds at most one value of an attribute (the snapshot's demographics
        # come from one mapping per storyteller), so each join keeps the links' rows as they are.
        for position, attribute in enumerate(data.attributes):
            values = by_attribute.get((attribute["name"],), demographics.clear().drop("attribute"))
            links_read = links_read.join(
                values.rename({"value": cls.demographic_column(position)}),
                on="storyteller_id",
                how="left",
                maintain_order="left",
            )
        codings = _sorted(codings, ["story_id", "coding_order"])
        return cls(
            codings=_searchable(_reading_order(codings)),
            themes=_searchable(
                _distinct_sorted(codings.select("story_id", "theme"), "story_id", "theme")
            ),
            translations=_searchable(_sorted(translations, ["story_id", "language", "origin"])),
            links=_searchable(_sorted(links_read, ["story_id", "storyteller_id"])),
            sites=_sites(data),
        )


def _searchable(table: pl.DataFrame) -> pl.DataFrame:
    """`table` with its `story_id` in one chunk, so that a batch searches it in place."""
    return table.with_columns(table["story_id"].rechunk())


def _reading_order(codings: pl.DataFrame) -> pl.DataFrame:
    """Codings (sorted by story, then the snapshot's order) in reading order: by story, then
    start (uncoded spans first), then the snapshot's order. Sorted only when a check finds
    them out of it: codings without offsets (all of an import's) are in it already, and the
    sort would hold a second copy of the table."""
    key = (pl.col("start").fill_null(-1) + 1) * CODING_ORDER_SPAN + pl.col("coding_order")
    story = pl.col("story_id")
    backwards = (story == story.shift()) & (key < key.shift())
    if codings.select(backwards.fill_null(False).any()).item():
        codings = codings.sort(story, key)
    return codings.drop("coding_order")


def _sorted(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """`frame` sorted by `keys`, stable; as it is when each key is already in order (the
    snapshot's tables mostly are), which a check finds far faster than a sort."""
    if all(frame[key].is_sorted() for key in keys):
        return frame
    return frame.sort(keys, maintain_order=True)


def _distinct_sorted(rows: pl.DataFrame, key: str, column: str) -> pl.DataFrame:
    """`key, column` without repeats, by key then value (nulls first, as `list.sort`); sorted
    only when a check finds them out of that order."""
    owner, value = pl.col(key), pl.col(column)
    before = value.shift()
    backwards = (owner < owner.shift()) | (
        (owner == owner.shift()) & (value.lt(before) | (value.is_null() & before.is_not_null()))
    )
    if rows.select(backwards.fill_null(False).any()).item():
        rows = rows.sort(key, column, maintain_order=True)
    repeat = (owner == owner.shift()) & value.eq_missing(before)
    return rows.select(key, column).filter(repeat.fill_null(False).not_())


def _rows_of(table: pl.DataFrame, key: str, keys: pl.Series) -> tuple[pl.DataFrame, np.ndarray]:
    """The rows of `table` (sorted by `key`) holding each of `keys`, key by key, with `owner`
    (the key's position), and how many rows each key has.

    Consecutive keys take one slice of the table; others gather their runs.
    """
    # NumPy's search over the column's own buffer (one chunk: see `_searchable`) costs a
    # third of Polars' `search_sorted`, which a batch calls for every table.
    column = table[key].to_numpy()
    wanted = keys.to_numpy()
    first = np.searchsorted(column, wanted, side="left").astype(np.int64)
    after = np.searchsorted(column, wanted, side="right").astype(np.int64)
    counts = after - first
    total = int(counts.sum())
    # Flagged sorted, so that listing the rows by owner takes runs instead of hashing.
    owners = pl.Series(
        "owner", np.repeat(np.arange(len(keys), dtype=np.int64), counts)
    ).set_sorted()
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


def _mapped(column: str, mapping: dict[str, str]) -> pl.Expr:
    return pl.col(column).replace_strict(mapping, default=pl.col(column), return_dtype=pl.String)


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


def _listed_text(n: int, rows: pl.DataFrame, lists: dict[str, pl.Expr]) -> pl.DataFrame:
    """As `_listed`, but each list as CSV holds it (`tabular.flat`): scalars as text joined
    by `; `, records as a JSON array. A record is encoded on its own row, before the listing,
    and the text joined once per story."""
    schema = rows.lazy().select(**lists).collect_schema()
    records = {name for name, dtype in schema.items() if isinstance(dtype, pl.Struct)}
    encoded = rows.select(
        "owner",
        *(
            expr.struct.json_encode().alias(name)
            if name in records
            else expr.cast(pl.String).alias(name)
            for name, expr in lists.items()
        ),
    )
    listed = _listed(n, encoded, [pl.col(name) for name in lists])
    return listed.select(
        (pl.lit("[") + pl.col(name).list.join(",") + pl.lit("]")).alias(name)
        if name in records
        else pl.col(name).list.join(LIST_SEPARATOR)
        for name in lists
    )


def _lists(n: int, rows: pl.DataFrame, lists: dict[str, pl.Expr], text: bool) -> pl.DataFrame:
    if text:
        return _listed_text(n, rows, lists)
    return _listed(n, rows, [expr.alias(name) for name, expr in lists.items()])


def _storyteller_lists(links: pl.DataFrame, n: int, codes: bool, text: bool) -> pl.DataFrame:
    lists = {"storyteller_ids": pl.col("storyteller_id")}
    if codes:
        lists["storyteller_codes"] = pl.col("code")
    return _lists(n, links, lists, text)


def _demographic_lists(
    links: pl.DataFrame,
    n: int,
    choices: dict[str, dict[str, str]],
    columns: list[str],
    text: bool,
) -> pl.DataFrame:
    """Per story: each attribute's codes and labels, as sorted lists without repeats, from the
    values on its storytellers' rows (`links`, by owner)."""
    out = []
    for position, column in enumerate(columns):
        held = pl.col(PerStory.demographic_column(position))
        values = _distinct_sorted(
            links.filter(held.is_not_null()).select("owner", value=held), "owner", "value"
        )
        lists = {column: pl.col("value"), f"{column}_label": _mapped("value", choices[column])}
        out.append(_lists(n, values, lists, text))
    return pl.concat(out, how="horizontal")


def _coding_lists(
    stories: pl.DataFrame, tables: PerStory, theme_labels: dict[str, str], text: bool
) -> pl.DataFrame:
    """Per story: its themes (sorted keys, labels) and every coding in reading order."""
    n = stories.height
    themes, _counts = _rows_of(tables.themes, "story_id", stories["story_id"])
    themes = _lists(
        n, themes, {"themes": pl.col("theme"), "theme_labels": _mapped("theme", theme_labels)}, text
    )
    codings, _counts = _rows_of(tables.codings, "story_id", stories["story_id"])
    codings = (
        # One chunk first: a gather across chunks of long strings costs a hundred times more.
        codings.with_columns(body=stories["body"].rechunk().gather(codings["owner"])).with_columns(
            theme_label=_mapped("theme", theme_labels),
            excerpt=pl.when(pl.col("start").is_not_null() & pl.col("end").is_not_null())
            .then(pl.col("body").str.slice(pl.col("start"), pl.col("end") - pl.col("start")))
            .otherwise(None),
        )
    )
    listed = _lists(
        n,
        codings,
        {"codings": pl.struct("theme", "theme_label", "coder", "start", "end", "excerpt")},
        text,
    )
    return pl.concat([themes, listed], how="horizontal")


def _translation_lists(stories: pl.DataFrame, tables: PerStory, text: bool) -> pl.DataFrame:
    translations, _counts = _rows_of(tables.translations, "story_id", stories["story_id"])
    return _lists(
        stories.height,
        translations,
        {
            "translation_languages": pl.col("language"),
            "translations": pl.struct("language", "title", "body", "origin", "reviewed"),
        },
        text,
    )


def stories_batch(
    stories: pl.DataFrame,
    data: ExportData,
    tables: PerStory,
    words: Vocabularies,
    *,
    text: bool = False,
) -> pl.DataFrame:
    """The table's rows of some stories (any of them, in any order), in the stories' order;
    with `text`, as CSV holds them (`tabular.csv_frame`'s rows)."""
    n = stories.height
    links, counts = _rows_of(tables.links, "story_id", stories["story_id"])
    parts = [
        stories.join(tables.sites, on="site_id", how="left", maintain_order="left"),
        _storyteller_lists(links, n, data.codes, text).with_columns(
            n_storytellers=pl.Series(counts, dtype=pl.Int64)
        ),
        _coding_lists(stories, tables, words.themes, text),
        _translation_lists(stories, tables, text),
    ]
    if data.attributes:
        names = [attribute_column(a["name"]) for a in data.attributes]
        parts.append(_demographic_lists(links, n, words.choices, names, text))
    frame = pl.concat(parts, how="horizontal").with_columns(
        project=pl.lit(data.project["slug"]),
        workshop_date=pl.col("date"),
        workshop_kind_label=_mapped("workshop_kind", words.workshop_kinds),
        story_kind=pl.col("kind"),
        story_kind_label=_mapped("kind", words.story_kinds),
        status_label=_mapped("status", words.statuses),
    )
    frame = frame.select([c.name for c in columns(data)])
    return text_safe_rows(frame) if text else frame


def stories_table(
    data: ExportData,
    lang: str | None = None,
    tables: PerStory | None = None,
    *,
    text: bool = False,
) -> pl.LazyFrame:
    """The stories table, in story id order, labels in `lang` (default: the request's); with
    `text`, as CSV holds it (the rows of `tabular.csv_frame`, built batch by batch).

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
        text=text,
    ).schema
    # Read here, never inside a batch: a query run from within the streaming engine's own
    # threads can wait forever for a thread the engine has given to another batch.
    read = PerStory.read(data) if tables is None else tables

    def batch(stories: pl.DataFrame) -> pl.DataFrame:
        # The engine hands over as many stories as a row group of the snapshot holds; a
        # story's lists pass through several intermediate columns, so they are built a
        # slice at a time and only the finished rows are held together.
        return pl.concat(
            [
                stories_batch(stories.slice(start, ROWS_PER_SLICE), data, read, words, text=text)
                for start in range(0, max(stories.height, 1), ROWS_PER_SLICE)
            ],
            rechunk=False,
        )

    # Each story's row depends on that story alone, so batches may be built as they stream.
    return data.stories.map_batches(batch, schema=schema, streamable=True)
