"""Prevalence on the tiny project, against tables worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from civicfutures.analysis.inference import Z95, wilson_interval
from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.prevalence import prevalence
from civicfutures.analysis.suite import run
from civicfutures.errors import InvalidInput

COUNTS = ["group", "theme", "stories", "total", "storytellers", "total_storytellers"]


def expected(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=COUNTS, orient="row").cast({c: pl.Int64 for c in COUNTS[2:]})


@pytest.mark.parametrize(
    ("by", "rows"),
    [
        (
            "site",
            [
                ("alpha", "ch1", 2, 3, 2, 3),
                ("alpha", "ch2", 1, 3, 1, 3),
                ("alpha", "vi1", 1, 3, 2, 3),
                ("beta", "ch1", 1, 3, 1, 3),
                ("beta", "ch2", 1, 3, 1, 3),
                ("beta", "vi1", 1, 3, 1, 3),
            ],
        ),
        (
            "country",
            [
                ("EE", "ch1", 1, 3, 1, 3),
                ("EE", "ch2", 1, 3, 1, 3),
                ("EE", "vi1", 1, 3, 1, 3),
                ("PL", "ch1", 2, 3, 2, 3),
                ("PL", "ch2", 1, 3, 1, 3),
                ("PL", "vi1", 1, 3, 2, 3),
            ],
        ),
        (
            "project",
            [
                ("futures", "ch1", 3, 6, 3, 6),
                ("futures", "ch2", 2, 6, 2, 6),
                ("futures", "vi1", 2, 6, 3, 6),
            ],
        ),
        (
            "story_kind",
            [
                ("future", "ch1", 1, 2, 1, 3),
                ("future", "ch2", 0, 2, 0, 3),
                ("future", "vi1", 2, 2, 3, 3),
                ("present", "ch1", 2, 4, 2, 4),
                ("present", "ch2", 2, 4, 2, 4),
                ("present", "vi1", 0, 4, 0, 4),
            ],
        ),
        (
            "workshop_kind",
            [
                ("future_thinking", "ch1", 1, 3, 1, 3),
                ("future_thinking", "ch2", 1, 3, 1, 3),
                ("future_thinking", "vi1", 1, 3, 1, 3),
                ("storytelling", "ch1", 2, 3, 2, 3),
                ("storytelling", "ch2", 1, 3, 1, 3),
                ("storytelling", "vi1", 1, 3, 2, 3),
            ],
        ),
        (
            # Story 3 is told by a 16-24 and a 65+ storyteller: it counts in both groups,
            # each resting only on the storyteller who holds the value.
            "age_band",
            [
                ("16-24", "ch1", 2, 4, 2, 3),
                ("16-24", "ch2", 2, 4, 2, 3),
                ("16-24", "vi1", 1, 4, 1, 3),
                ("65+", "ch1", 1, 2, 1, 2),
                ("65+", "ch2", 0, 2, 0, 2),
                ("65+", "vi1", 2, 2, 2, 2),
                ("not_recorded", "ch1", 0, 1, 0, 1),
                ("not_recorded", "ch2", 0, 1, 0, 1),
                ("not_recorded", "vi1", 0, 1, 0, 1),
            ],
        ),
    ],
)
def test_prevalence_counts_by_grouping(tiny, by: str, rows: list[tuple]) -> None:
    table = run("prevalence", tiny, AnalysisParams(unsuppressed=True, by=by))
    assert_frame_equal(table.select(COUNTS), expected(rows))
    assert not table["suppressed"].any()


@pytest.mark.parametrize(
    ("presence", "rows"),
    [
        # Story 5 has two coders who each applied a different theme: no majority for either.
        (
            "majority",
            [("beta", "ch1", 0, 3, 0, 3), ("beta", "ch2", 1, 3, 1, 3), ("beta", "vi1", 0, 3, 0, 3)],
        ),
        (
            "coder:b",
            [("beta", "ch1", 1, 3, 1, 3), ("beta", "ch2", 0, 3, 0, 3), ("beta", "vi1", 0, 3, 0, 3)],
        ),
    ],
)
def test_presence_rule(tiny, presence: str, rows: list[tuple]) -> None:
    table = run(
        "prevalence",
        tiny,
        AnalysisParams(unsuppressed=True, by="site", presence=presence, sites=("beta",)),
    )
    assert_frame_equal(table.select(COUNTS), expected(rows))


def test_shares_and_wilson_intervals_match_published_values(tiny_with) -> None:
    # 3 of 10 and 0 of 10: the Wilson 95% intervals printed in Newcombe (1998), table I.
    stories = {
        "story_id": list(range(1, 11)),
        "site_id": [1] * 10,
        "workshop_id": [1] * 10,
        "kind": ["present"] * 10,
        "language": ["pl"] * 10,
        "body": ["x"] * 10,
        "status": ["submitted"] * 10,
    }
    snapshot = tiny_with(
        {
            "stories": stories,
            "story_storytellers": {"story_id": list(range(1, 11)), "storyteller_id": [1] * 10},
            "codings": {
                "story_id": [1, 2, 3],
                "theme": ["ch1"] * 3,
                "coder": ["a"] * 3,
                "start": [None] * 3,
                "end": [None] * 3,
            },
        }
    )
    table = run("prevalence", snapshot, AnalysisParams(unsuppressed=True, by="site")).filter(
        pl.col("theme").is_in(["ch1", "ch2"])
    )
    assert table["share"].to_list() == [0.3, 0.0]
    assert table["ci_low"].to_list() == pytest.approx([0.1078, 0.0], abs=5e-5)
    assert table["ci_high"].to_list() == pytest.approx([0.6032, 0.2775], abs=5e-5)


@pytest.mark.parametrize(("x", "n"), [(0, 1), (1, 1), (2, 3), (7, 40), (40, 40)])
def test_wilson_interval_closed_form(x: int, n: int) -> None:
    p = x / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    low, high = wilson_interval(x, n)
    assert low == pytest.approx(max(0.0, centre - half), abs=1e-12)
    assert high == pytest.approx(min(1.0, centre + half), abs=1e-12)
    assert low <= p <= high


@pytest.mark.parametrize(
    ("params", "groups", "totals"),
    [
        (AnalysisParams(unsuppressed=True, by="site", sites=("beta",)), ["beta"], [3]),
        (AnalysisParams(unsuppressed=True, by="site", countries=("pl",)), ["alpha"], [3]),
        (
            AnalysisParams(unsuppressed=True, by="site", story_kind="future"),
            ["alpha", "beta"],
            [1, 1],
        ),
        (
            AnalysisParams(unsuppressed=True, by="site", date_from=dt.date(2025, 4, 1)),
            ["beta"],
            [3],
        ),
        (
            AnalysisParams(unsuppressed=True, by="site", date_to=dt.date(2025, 3, 31)),
            ["alpha"],
            [3],
        ),
    ],
)
def test_filters_narrow_the_stories(tiny, params, groups: list[str], totals: list[int]) -> None:
    table = run("prevalence", tiny, params).unique("group", maintain_order=True)
    assert table["group"].to_list() == groups
    assert table["total"].to_list() == totals


def test_drafts_are_left_out_unless_asked_for(tiny_with, frames) -> None:
    stories = frames["stories"]
    stories["status"] = ["draft"] + ["submitted"] * 5
    snapshot = tiny_with({"stories": stories})
    default = run("prevalence", snapshot, AnalysisParams(unsuppressed=True, by="project"))
    everything = run(
        "prevalence",
        snapshot,
        AnalysisParams(unsuppressed=True, by="project", statuses=("draft", "submitted")),
    )
    assert default["total"][0] == 5
    assert everything["total"][0] == 6


def test_an_empty_scope_keeps_the_columns(tiny) -> None:
    table = run(
        "prevalence", tiny, AnalysisParams(unsuppressed=True, by="site", sites=("nowhere",))
    )
    assert table.height == 0
    assert table.columns == [
        "group",
        "theme",
        "stories",
        "total",
        "share",
        "ci_low",
        "ci_high",
        "storytellers",
        "total_storytellers",
        "suppressed",
        "total_suppressed",
        "suppressed_reason",
        "total_suppressed_reason",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        (AnalysisParams(unsuppressed=True, by="shoe_size"), "by"),
        (AnalysisParams(story_kind="past"), "story_kind"),
        (AnalysisParams(presence="loudest"), "presence"),
    ],
)
def test_bad_parameters_name_the_field(tiny, params: AnalysisParams, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        run("prevalence", tiny, params)
    assert [e.field for e in raised.value.errors] == [field]


def _counted_directly(snapshot, params: AnalysisParams) -> pl.DataFrame:
    """Prevalence by grouping every story and storyteller itself (no adding up of sites)."""
    from civicfutures.analysis import suite

    direct = prevalence(
        suite._grouped(snapshot, params, params.by),
        snapshot.codebook,
        suite._record_keys(snapshot),
    )
    return direct.collect().drop("key", "total_key").sort("group", "theme")


# Storyteller 1 also tells story 4, at the other site.
ACROSS_SITES = {"story_storytellers": {"story_id": [1, 2, 3, 3, 4, 4, 5, 6],
                                       "storyteller_id": [2, 2, 1, 3, 4, 1, 5, 6]}}  # fmt: skip


@pytest.mark.parametrize("by", ["country", "project", "age_band"])
@pytest.mark.parametrize("across", [False, True])
@pytest.mark.parametrize("sites", [(), ("beta",)])
def test_coarser_groups_count_as_grouping_directly_would(
    tiny_with, by: str, across: bool, sites: tuple[str, ...]
) -> None:
    params = AnalysisParams(by=by, sites=sites, unsuppressed=True)
    # Through the suite: added up from the sites when nobody told stories at two of them.
    planned = run("prevalence", tiny_with(ACROSS_SITES if across else None), params)
    direct = _counted_directly(tiny_with(ACROSS_SITES if across else None), params)
    assert planned.height > 0
    assert_frame_equal(planned.select(direct.columns).sort("group", "theme"), direct)


def test_a_storyteller_at_two_sites_counts_once_in_the_project(tiny_with) -> None:
    table = run(
        "prevalence", tiny_with(ACROSS_SITES), AnalysisParams(unsuppressed=True, by="project")
    )
    # Storytellers 1 to 6 (1 at both sites); adding the sites' counts up would give 7.
    assert table["total_storytellers"].unique().to_list() == [6]
    assert table["total"].unique().to_list() == [6]
