"""The analyses a briefing rests on, planned through the analysis suite and collected.

Statistics (prevalence with Wilson intervals, comparison and distinctive themes, breakdowns,
links, quality, representativeness) and disclosure control come from `civicfutures.analysis`;
this module only chooses the requests for a briefing's scope and counts what the method
section reports (stories, storytellers, workshops, languages), protected by the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import polars as pl

from civicfutures.analysis import prevalence, suite
from civicfutures.analysis.dataset import Snapshot
from civicfutures.analysis.disclosure import because, flagged_by, perturbed_sum, protect
from civicfutures.analysis.distinctive import distinctive
from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.scope import scoped_stories
from civicfutures.analysis.suite import collect_many
from civicfutures.briefings.params import BriefingParams

# Above this many stories in scope the slow data-quality checks (language detection,
# near-duplicate search) are left out of a briefing; the data notes say so.
QUALITY_DETAIL_LIMIT = 50_000


@dataclass(frozen=True)
class Results:
    """Every table a briefing is made of, collected; all protected unless k is 0."""

    overview: dict[str, Any]
    """stories, storytellers, workshops, sites, first, last (dates) of the scope."""
    languages: pl.DataFrame
    kinds: pl.DataFrame
    scope: pl.DataFrame
    """Prevalence of every theme in the scope (the site, or the whole project)."""
    by_site: pl.DataFrame
    """Prevalence of every theme by site, every site of the project in the date range."""
    by_kind: pl.DataFrame
    comparison: pl.DataFrame
    """Site × theme comparison over every site of the project in the date range."""
    distinctive: pl.DataFrame
    breakdowns: dict[str, pl.DataFrame]
    links: pl.DataFrame
    quality: pl.DataFrame
    quality_detail: bool
    representativeness: pl.DataFrame
    site_facts: pl.DataFrame
    themes: pl.DataFrame
    theme_labels: pl.DataFrame
    sites: pl.DataFrame


def _counts(
    tellers: pl.LazyFrame,
    column: str,
    total: pl.LazyFrame,
    params: BriefingParams,
    record_keys: pl.LazyFrame,
) -> pl.LazyFrame:
    """Stories by `column` (their language, say), with their share of all stories.

    Published like every count: the cells within sites perturbed with their storytellers'
    keys and added up, hidden below k, the share from the published counts.
    """
    exact = tellers.group_by(column).agg(
        _stories=pl.col("story_id").n_unique().cast(pl.Int64),
        _tellers=pl.col("storyteller_id").n_unique().cast(pl.Int64),
    )
    if not params.suppressed:
        counts = exact.select(column, stories="_stories", storytellers="_tellers")
        return (
            counts.join(total, how="cross")
            .with_columns(
                share=pl.col("stories") / pl.col("_all"),
                suppressed=pl.lit(False),
                suppressed_reason=pl.lit(None, dtype=pl.String),
            )
            .select(column, "stories", "share", "storytellers", "suppressed", "suppressed_reason")
            .sort(column)
        )
    within = tellers.group_by("site_id", column).agg(
        stories=pl.col("story_id").n_unique().cast(pl.Int64),
        storytellers=pl.col("storyteller_id").n_unique().cast(pl.Int64),
    )
    keys = (
        tellers.select("site_id", column, "storyteller_id")
        .unique()
        .join(record_keys, on="storyteller_id")
        .group_by("site_id", column)
        .agg(key=pl.col("record_key").sum().cast(pl.Int64))
    )
    summed = perturbed_sum(
        within.join(keys, on=["site_id", column], how="left").with_columns(
            pl.col("key").fill_null(0)
        ),
        [column],
        {"stories": "key", "storytellers": "key"},
        params.k,
    )
    hidden = because(
        pl.col("_stories") < params.k, pl.col("_tellers") < params.k, pl.col("stories") == 0
    )
    return (
        summed.join(exact, on=column)
        .join(total, how="cross")
        .with_columns(**flagged_by("suppressed", hidden))
        .with_columns(
            share=pl.when(~pl.col("suppressed") & (pl.col("_all") > 0)).then(
                pl.min_horizontal("stories", "_all") / pl.col("_all")
            ),
            stories=pl.when(~pl.col("suppressed")).then("stories"),
            storytellers=pl.when(~pl.col("suppressed")).then("storytellers"),
        )
        .select(column, "stories", "share", "storytellers", "suppressed", "suppressed_reason")
        .sort(column)
    )


def _planned(kind: str, snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    """`suite.plan`, with the rows put in a fixed order before disclosure control.

    Secondary suppression breaks ties between equally good cells by row position, and a
    group-by hands rows over in any order: sorting first makes the choice, hence the
    published table, the same on every run.
    """
    insight = suite.INSIGHTS[kind]
    params.validate(snapshot.demographic_attributes)
    planned = insight.plan(snapshot, params)
    keys = [c for c in insight.order if c in planned.collect_schema().names()]
    ordered = planned.sort(keys, nulls_last=True, maintain_order=True) if keys else planned
    k = params.k if params.k is not None else snapshot.disclosure_threshold
    protected = protect(ordered, insight.rule, k, disclose=params.unsuppressed)
    descending = list(insight.descending) or False
    return protected.sort(list(insight.order), descending=descending, nulls_last=True)


def _planned_already(frame: pl.LazyFrame) -> Callable[[], pl.LazyFrame]:
    return lambda: frame


def _plans(
    snapshot: Snapshot, params: BriefingParams, quality_detail: bool
) -> dict[str, Callable[[], pl.LazyFrame]]:
    """How to plan each table: the analyses are planned when their turn comes."""
    scope = params.analysis()
    everywhere = params.analysis(sites=())
    stories = scoped_stories(snapshot["stories"], snapshot["sites"], scope)
    tellers = snapshot["story_storytellers"].join(
        stories.select("story_id", "site_id", "language", "kind"), on="story_id"
    )
    record_keys = snapshot["storytellers"].select("storyteller_id", "record_key")
    # The share's denominator: all stories, as the scope's prevalence publishes them.
    scope_params = replace(scope, by="site" if params.local else "project")
    if params.suppressed:
        all_stories = suite.plan("prevalence", snapshot, scope_params).select(
            _all=pl.col("total").first().cast(pl.Float64)
        )
    else:
        all_stories = stories.join(
            snapshot["story_storytellers"].select("story_id").unique(), on="story_id"
        ).select(_all=pl.len().cast(pl.Float64))
    overview = pl.concat(
        [
            stories.select(
                stories=pl.len().cast(pl.Int64),
                workshops=pl.col("workshop_id").n_unique().cast(pl.Int64),
                sites=pl.col("site_id").n_unique().cast(pl.Int64),
                first=pl.col("date").min(),
                last=pl.col("date").max(),
            ),
            tellers.select(storytellers=pl.col("storyteller_id").n_unique().cast(pl.Int64)),
        ],
        how="horizontal",
    )
    site_facts = (
        stories.group_by("site_id")
        .agg(
            workshops=pl.col("workshop_id").n_unique().cast(pl.Int64),
            first=pl.col("date").min(),
            last=pl.col("date").max(),
        )
        .join(snapshot["sites"], on="site_id")
        .select("site", "name", "country", "languages", "workshops", "first", "last")
        .sort("site")
    )
    comparison = partial(_planned, "comparison", snapshot, everywhere)
    quality = replace(scope, detect_language=quality_detail, near_duplicates=quality_detail)
    plans = {
        "overview": _planned_already(overview),
        "languages": _planned_already(
            _counts(tellers, "language", all_stories, params, record_keys)
        ),
        "kinds": _planned_already(_counts(tellers, "kind", all_stories, params, record_keys)),
        "scope": partial(_planned, "prevalence", snapshot, scope_params),
        "by_kind": partial(_planned, "prevalence", snapshot, replace(scope, by="story_kind")),
        "comparison": comparison,
        "links": partial(_planned, "links", snapshot, scope),
        "quality": partial(_planned, "quality", snapshot, quality),
        "representativeness": partial(_planned, "representativeness", snapshot, scope),
        "site_facts": _planned_already(site_facts),
        "themes": _planned_already(snapshot["themes"].sort("position", "theme")),
        "theme_labels": _planned_already(snapshot["theme_labels"].sort("theme", "language")),
        "sites": _planned_already(snapshot["sites"].sort("site")),
    }
    for attribute in snapshot.demographic_attributes:
        plans[f"breakdown:{attribute}"] = partial(
            _planned, "prevalence", snapshot, replace(scope, by=attribute)
        )
    return plans


# A prevalence table's columns, with those disclosure control adds.
PREVALENCE_COLUMNS = ("group", *prevalence.COLUMNS, "suppressed", "total_suppressed")


def _by_site(comparison: pl.DataFrame) -> pl.DataFrame:
    """Prevalence by site, as the comparison already holds it (same cells, same protection)."""
    return comparison.rename({"site": "group"}).select(PREVALENCE_COLUMNS).sort("group", "theme")


def added_up(
    overview: dict[str, Any], languages: pl.DataFrame, kinds: pl.DataFrame
) -> tuple[dict[str, Any], pl.DataFrame, pl.DataFrame]:
    """A cross-site total of stories that is the sum of the kinds of story it is made of.

    Each kind is itself a sum of published cells within sites; every story has one kind, so
    their sum is a total published the same way, and the breakdown adds up to it. Not when a
    kind is hidden: the total would give it away, so the scope's own published total stays.
    Shares of kinds and languages are then of that total.
    """
    if overview.get("people_hidden") or not kinds.height or kinds["suppressed"].any():
        return overview, languages, kinds
    total = int(kinds["stories"].sum())
    if total <= 0:
        return overview, languages, kinds

    def reshared(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(
            share=pl.when(~pl.col("suppressed")).then(
                pl.min_horizontal(pl.col("stories"), pl.lit(total)) / total
            )
        )

    return {**overview, "stories": total}, reshared(languages), reshared(kinds)


def compute(snapshot: Snapshot, params: BriefingParams) -> Results:
    """Plan every table of the briefing and collect it."""
    size = snapshot["stories"].select(pl.len()).collect().item()
    quality_detail = size <= QUALITY_DETAIL_LIMIT
    plans = _plans(snapshot, params, quality_detail)
    # One collect per table, a few at once: the analyses share the frames the snapshot
    # keeps (scope, theme sets, cells), which `pl.collect_all` would plan again for each.
    frames = dict(zip(plans, collect_many(list(plans.values())), strict=True))
    overview_rows = frames["overview"].to_dicts()
    overview = overview_rows[0] if overview_rows else {}
    if params.suppressed:
        # The people counts as the scope's prevalence publishes them (perturbed, hidden
        # below k): a briefing never states an exact count of stories or storytellers.
        totals = frames["scope"].head(1).to_dicts()
        total = totals[0] if totals else {}
        hidden = bool(total.get("total_suppressed")) or not total
        overview.update(
            stories=None if hidden else total.get("total"),
            storytellers=None if hidden else total.get("total_storytellers"),
            people_hidden=hidden and bool(overview.get("stories")),
            people_hidden_reason=total.get("total_suppressed_reason"),
        )
    languages, kinds = frames["languages"], frames["kinds"]
    if params.suppressed and not params.local:
        overview, languages, kinds = added_up(overview, languages, kinds)
    return Results(
        overview=overview,
        languages=languages,
        kinds=kinds,
        scope=frames["scope"],
        by_site=_by_site(frames["comparison"]),
        by_kind=frames["by_kind"],
        comparison=frames["comparison"],
        # From the collected (and protected) comparison, not planned again: its tests are costly.
        distinctive=distinctive(frames["comparison"].lazy()).collect(),
        breakdowns={
            name.split(":", 1)[1]: frame
            for name, frame in frames.items()
            if name.startswith("breakdown:")
        },
        links=frames["links"],
        quality=frames["quality"],
        quality_detail=quality_detail,
        representativeness=frames["representativeness"],
        site_facts=frames["site_facts"],
        themes=frames["themes"],
        theme_labels=frames["theme_labels"],
        sites=frames["sites"],
    )
