"""Coded columns of the stories table as categories: every code the export can hold, in the
codebook's order where one exists (the project's sites, the fixed vocabularies, a demographic
attribute's choices, the themes), then any other code met in the data, sorted.

Parquet keeps them dictionary-encoded, so a reader gets a categorical column whose levels
come in that order rather than a column of repeated strings.
"""

from __future__ import annotations

import polars as pl

from civicfutures.exports.dataset import ExportData
from civicfutures.exports.statistical import VOCABULARY_CODES
from civicfutures.exports.stories import PerStory, attribute_column, stories_table


def _ordered(known: list[str], seen: list[str]) -> list[str]:
    return list(dict.fromkeys([*known, *sorted(v for v in set(seen) if v not in known)]))


def categories(data: ExportData, tables: PerStory) -> dict[str, list[str]]:
    """`{column: levels}` of every coded column of the stories table; the codes met in the
    codings and demographics are taken from the export's tables already read."""
    stories = data.stories.select(
        pl.col(name).drop_nulls().unique().sort().implode()
        for name in ("workshop_kind", "kind", "status", "language")
    ).collect()
    seen = {name: stories[name][0].to_list() for name in stories.columns}
    levels = {
        "project": [data.project["slug"]],
        "site": [s["slug"] for s in data.scope.sites],
        "country": sorted({s["country"] for s in data.scope.sites}),
        "workshop_kind": _ordered(list(VOCABULARY_CODES["workshop_kind"]), seen["workshop_kind"]),
        "story_kind": _ordered(list(VOCABULARY_CODES["story_kind"]), seen["kind"]),
        "status": _ordered(list(VOCABULARY_CODES["status"]), seen["status"]),
        "language": seen["language"],
        "themes": _ordered(
            [t["key"] for t in data.themes], tables.codings["theme"].unique().sort().to_list()
        ),
    }
    for position, attribute in enumerate(data.attributes):
        choices = [c["value"] for c in attribute.get("choices", [])]
        held = tables.links[PerStory.demographic_column(position)]
        found = held.drop_nulls().unique().sort().to_list()
        levels[attribute_column(attribute["name"])] = _ordered(choices, found)
    return levels


def as_categories(frame: pl.LazyFrame, levels: dict[str, list[str]]) -> pl.LazyFrame:
    """Cast each coded column (or list of codes) to an Enum with the given levels."""
    schema = frame.collect_schema()
    casts = []
    for name, values in levels.items():
        if name not in schema:
            continue
        enum = pl.Enum(values)
        target = pl.List(enum) if isinstance(schema[name], pl.List) else enum
        casts.append(pl.col(name).cast(target))
    return frame.with_columns(casts)


def categorical_stories(data: ExportData) -> pl.LazyFrame:
    """The stories table as the Parquet export writes it: coded columns as categories."""
    tables = PerStory.read(data)
    return as_categories(stories_table(data, tables=tables), categories(data, tables))
