"""The export's tables as LazyFrames: the snapshot cut to the request's sites and statuses.

Consent is the snapshot's (a story is in it only while ALL its storytellers hold the
`research` scope and none has withdrawn); drafts are left out here. What was left out is
counted for the notes: consent = stories of the scope's sites in the database but not in the
snapshot; draft = consented drafts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from civicfutures.exports.notes import ExportNotes
from civicfutures.exports.scope import ExportScope
from civicfutures.exports.source import ExportInputs

EXPORTED_STATUSES = ("submitted", "reviewed")
# Stories per part of a large export: bounds the memory of one part, whatever the corpus size.
PART_STORIES = 50_000
STORY_COLUMNS = [
    "story_id", "site_id", "workshop_id", "date", "workshop_kind", "kind",
    "horizon_year", "language", "title", "body", "status",
]  # fmt: skip


@dataclass(frozen=True)
class ExportData:
    """One project's exportable tables (lazy) and the small metadata the writers label them with."""

    scope: ExportScope
    themes: list[dict[str, Any]]
    stories: pl.LazyFrame
    """`story_id, site_id, workshop_id, date, workshop_kind, kind, horizon_year, language,
    title, body, status`."""
    links: pl.LazyFrame
    storytellers: pl.LazyFrame
    """`storyteller_id, site_id` and `code` when the export shows codes."""
    demographics: pl.LazyFrame
    codings: pl.LazyFrame
    """`story_id, theme, coder, start, end, coding_id` (a stable key within the snapshot)."""
    translations: pl.LazyFrame
    notes: ExportNotes
    memos: list[dict[str, Any]] = field(default_factory=list)
    """`id, story_id, coding, theme, text, author`: memos on stories, codings (`coding` the
    selection's `coding_id`) and themes; a writer keeps those whose story it exports."""
    agreed: list[dict[str, Any]] = field(default_factory=list)
    """`id, story_id, theme, start, end`: agreed codings that a theme applies (reconciled
    disagreements), kept apart from the coders' own; a writer keeps those of its stories."""

    @property
    def project(self) -> dict[str, Any]:
        return self.scope.project

    @property
    def attributes(self) -> list[dict[str, Any]]:
        return list(self.project.get("demographics") or [])

    @property
    def codes(self) -> bool:
        return self.scope.codes


def coding_keys(codings: pl.LazyFrame) -> pl.LazyFrame:
    """A key per coding that stays the same for the same data: `theme/coder/start/end/n`."""
    same = ["story_id", "theme", "coder", "start", "end"]
    return codings.with_columns(
        coding_id=pl.concat_str(
            [
                pl.col("story_id").cast(pl.String),
                pl.col("theme"),
                pl.col("coder"),
                pl.col("start").cast(pl.String).fill_null(""),
                pl.col("end").cast(pl.String).fill_null(""),
                pl.int_range(pl.len()).over(same).cast(pl.String),
            ],
            separator="/",
        )
    )


def open_dataset(inputs: ExportInputs, scope: ExportScope, notes: ExportNotes) -> ExportData:
    """Cut the snapshot to the scope, join the extras, and fill the notes' counts."""
    snapshot = inputs.snapshot
    in_scope = snapshot["stories"].filter(pl.col("site_id").is_in(scope.site_ids))
    kinds = snapshot["workshops"].select("workshop_id", workshop_kind="kind")
    stories = (
        in_scope.filter(pl.col("status").is_in(EXPORTED_STATUSES))
        .join(kinds, on="workshop_id", how="left", maintain_order="left")
        .select(STORY_COLUMNS)
    )
    kept = stories.select("story_id")
    links = snapshot["story_storytellers"].join(kept, on="story_id", how="semi")
    tellers = snapshot["storytellers"].join(
        links.select("storyteller_id").unique(), on="storyteller_id", how="semi"
    )
    if scope.codes:
        codes = pl.scan_parquet(inputs.paths["codes"])
        tellers = tellers.join(codes, on="storyteller_id", how="left")

    counts = pl.concat(
        [
            in_scope.select(name=pl.lit("consented"), n=pl.len().cast(pl.Int64)),
            in_scope.filter(pl.col("status") == "draft").select(
                name=pl.lit("draft"), n=pl.len().cast(pl.Int64)
            ),
            stories.select(name=pl.lit("exported"), n=pl.len().cast(pl.Int64)),
            snapshot["storytellers"]
            .filter(pl.col("site_id").is_in(scope.site_ids))
            .select(name=pl.lit("tellers"), n=pl.len().cast(pl.Int64)),
        ]
    ).collect()
    count = dict(zip(counts["name"], counts["n"], strict=True))
    notes.snapshot_id = snapshot.id
    notes.stories_in_scope = inputs.stories_in_scope
    notes.stories_exported = count["exported"]
    notes.excluded = {
        "consent": inputs.stories_in_scope - count["consented"],
        "draft": count["draft"],
    }
    notes.storytellers_without_consent = inputs.storytellers_in_scope - count["tellers"]
    notes.codes_requested = scope.codes_requested
    notes.withheld_columns = [] if scope.codes else ["storyteller_codes"]
    return ExportData(
        scope=scope,
        themes=inputs.themes,
        stories=stories,
        links=links,
        storytellers=tellers,
        demographics=snapshot["demographics"].join(
            tellers.select("storyteller_id"), on="storyteller_id", how="semi"
        ),
        codings=coding_keys(snapshot["codings"].join(kept, on="story_id", how="semi")),
        translations=pl.scan_parquet(inputs.paths["translations"]).join(
            kept, on="story_id", how="semi"
        ),
        notes=notes,
        memos=inputs.memos,
        agreed=inputs.agreed,
    )


def parts(data: ExportData, size: int | None = None) -> Iterator[ExportData]:
    """The data cut into consecutive story-id ranges of about `size` stories each.

    Every story-keyed table is filtered to the range, so a part's plan reads (thanks to the
    Parquet statistics of the id-sorted snapshot) and holds only its own stories. There is
    always at least one part, possibly empty, so writers always see the columns.
    """
    size = size or PART_STORIES
    ids = data.stories.select("story_id").collect()["story_id"]
    if ids.len() == 0:
        yield data
        return
    starts = ids.gather_every(size).to_list()
    ends = [start - 1 for start in starts[1:]] + [ids.max()]
    for low, high in zip(starts, ends, strict=True):
        in_range = pl.col("story_id").is_between(low, high)
        links = data.links.filter(in_range)
        tellers = data.storytellers.join(
            links.select("storyteller_id").unique(), on="storyteller_id", how="semi"
        )
        yield replace(
            data,
            stories=data.stories.filter(in_range),
            links=links,
            storytellers=tellers,
            demographics=data.demographics.join(
                tellers.select("storyteller_id"), on="storyteller_id", how="semi"
            ),
            codings=data.codings.filter(in_range),
            translations=data.translations.filter(in_range),
        )
