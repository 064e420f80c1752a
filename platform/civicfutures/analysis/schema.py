"""Explicit Polars schemas of the snapshot tables, so an empty table keeps its columns.

A snapshot is one project's data, consent-filtered, as one Parquet file per table:

- `project` (one row): `project` (slug), `name`, `default_language`, `disclosure_threshold`
  (the k of disclosure control), `demographic_attributes` (the attribute names the project
  records, in the project's order).
- `sites`: `site_id`, `site` (slug), `name`, `country` (ISO 3166-1 alpha-2), `language` (the
  site's first language), `languages` (all of them, BCP 47).
- `workshops`: `workshop_id`, `site_id`, `date`, `kind`, `language`.
- `storytellers`: `storyteller_id`, `site_id`, `record_key` (the random key disclosure control
  adds up into cell keys). Pseudonymous codes never enter a snapshot; only storytellers who
  hold the `research` consent scope and have not withdrawn are present.
- `demographics` (long form): `storyteller_id`, `attribute`, `value`.
- `stories`: `story_id`, `site_id`, `workshop_id`, `date` (the workshop's date), `kind`
  (`present`/`future`), `horizon_year`, `language`, `title`, `body`, `status`. Only stories whose
  storytellers all hold `research` consent and have not withdrawn are present.
- `story_storytellers`: `story_id`, `storyteller_id` (a group story has several rows).
- `codings`: `story_id`, `theme` (key), `coder`, `start`, `end` (offsets into the original body).
- `themes`: `theme` (key), `kind`, `parent` (key), `position`, `label_en`.
- `theme_labels` (long form): `theme`, `language`, `label`.
- `translations`: `story_id`, `language`, `origin` (`human`/`machine`), `reviewed`.
- `reference_shares`: `site_id`, `attribute`, `value`, `share` (the population share a site
  entered, e.g. from its census).
- `exclusions`: `reason` (`consent`), `site_id` (one row per site; null in hand-built frames
  that do not say, which count only for the whole project), `stories`, `storytellers`: how
  many were left out, as counts; `stories_key`, `storytellers_key`: their cell keys (sums of
  the record keys they rest on).
"""

from __future__ import annotations

import polars as pl

SCHEMA_VERSION = 4

ID = pl.Int64

TABLES: dict[str, pl.Schema] = {
    "project": pl.Schema(
        {
            "project": pl.String,
            "name": pl.String,
            "default_language": pl.String,
            "disclosure_threshold": pl.Int64,
            "demographic_attributes": pl.List(pl.String),
        }
    ),
    "sites": pl.Schema(
        {
            "site_id": ID,
            "site": pl.String,
            "name": pl.String,
            "country": pl.String,
            "language": pl.String,
            "languages": pl.List(pl.String),
        }
    ),
    "workshops": pl.Schema(
        {
            "workshop_id": ID,
            "site_id": ID,
            "date": pl.Date,
            "kind": pl.String,
            "language": pl.String,
        }
    ),
    "storytellers": pl.Schema({"storyteller_id": ID, "site_id": ID, "record_key": pl.Int64}),
    "demographics": pl.Schema({"storyteller_id": ID, "attribute": pl.String, "value": pl.String}),
    "stories": pl.Schema(
        {
            "story_id": ID,
            "site_id": ID,
            "workshop_id": ID,
            "date": pl.Date,
            "kind": pl.String,
            "horizon_year": pl.Int32,
            "language": pl.String,
            "title": pl.String,
            "body": pl.String,
            "status": pl.String,
        }
    ),
    "story_storytellers": pl.Schema({"story_id": ID, "storyteller_id": ID}),
    "codings": pl.Schema(
        {
            "story_id": ID,
            "theme": pl.String,
            "coder": pl.String,
            "start": pl.Int64,
            "end": pl.Int64,
        }
    ),
    "themes": pl.Schema(
        {
            "theme": pl.String,
            "kind": pl.String,
            "parent": pl.String,
            "position": pl.Int64,
            "label_en": pl.String,
        }
    ),
    "theme_labels": pl.Schema({"theme": pl.String, "language": pl.String, "label": pl.String}),
    "translations": pl.Schema(
        {
            "story_id": ID,
            "language": pl.String,
            "origin": pl.String,
            "reviewed": pl.Boolean,
        }
    ),
    "reference_shares": pl.Schema(
        {"site_id": ID, "attribute": pl.String, "value": pl.String, "share": pl.Float64}
    ),
    "exclusions": pl.Schema(
        {
            "reason": pl.String,
            "site_id": ID,
            "stories": pl.Int64,
            "storytellers": pl.Int64,
            "stories_key": pl.Int64,
            "storytellers_key": pl.Int64,
        }
    ),
}

# The sort order of each table before it is written: stable bytes, hence a stable content hash.
SORT_KEYS: dict[str, list[str]] = {
    "project": ["project"],
    "sites": ["site_id"],
    "workshops": ["workshop_id"],
    "storytellers": ["storyteller_id"],
    "demographics": ["storyteller_id", "attribute"],
    "stories": ["story_id"],
    "story_storytellers": ["story_id", "storyteller_id"],
    "codings": ["story_id", "theme", "coder", "start", "end"],
    "themes": ["position", "theme"],
    "theme_labels": ["theme", "language"],
    "translations": ["story_id", "language", "origin"],
    "reference_shares": ["site_id", "attribute", "value"],
    "exclusions": ["reason", "site_id"],
}


def frame(table: str, rows: list[dict] | dict[str, list] | None = None) -> pl.DataFrame:
    """A table's rows as a DataFrame with the table's exact schema (empty input keeps columns)."""
    schema = TABLES[table]
    if rows is None:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(rows, schema=schema)


def conform(table: str, data: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Select and cast a frame to the table's schema: the one door into a snapshot table.

    Missing columns become typed nulls (hand-built frames name only what they need).
    """
    schema = TABLES[table]
    present = set(data.lazy().collect_schema().names())
    return data.lazy().select(
        pl.col(name).cast(dtype) if name in present else pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in schema.items()
    )
