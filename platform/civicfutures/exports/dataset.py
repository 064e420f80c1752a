"""The export's tables as LazyFrames: the snapshot cut to the request's sites and statuses.

Consent is the snapshot's (a story is in it only while ALL its storytellers hold the
`research` scope and none has withdrawn); drafts are left out here. What was left out is
counted for the notes: consent = stories of the scope's sites in the database but not in the
snapshot; draft = consented drafts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from civicfutures.exports.notes import ExportNotes
from civicfutures.exports.scope import ExportScope
from civicfutures.exports.source import ExportInputs

EXPORTED_STATUSES = ("submitted", "reviewed")
# More codings than any snapshot holds: `start * CODING_ORDER_SPAN + coding_order` is one
# integer that sorts a story's codings by start, then in the snapshot's order.
CODING_ORDER_SPAN = 1 << 32
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
    """`story_id, theme, coder, start, end, coding_order`: the snapshot's codings (sorted by
    story, theme, coder, start, end) and each one's position there, an integer key that
    orders them without comparing text. `coding_keys` adds the stable text key."""
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
    """A key per coding that stays the same for the same data: `story/theme/coder/start/end/n`.

    Text, so only the writers that name codings (REFI-QDA selections, memo targets) build it.
    """
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
        codings=snapshot["codings"]
        .with_row_index("coding_order")
        .with_columns(pl.col("coding_order").cast(pl.Int64))
        .join(kept, on="story_id", how="semi"),
        translations=pl.scan_parquet(inputs.paths["translations"]).join(
            kept, on="story_id", how="semi"
        ),
        notes=notes,
        memos=inputs.memos,
        agreed=inputs.agreed,
    )
