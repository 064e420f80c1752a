"""Coder agreement: Cohen's kappa from its definition, Krippendorff's alpha against `krippendorff`."""

from __future__ import annotations

import krippendorff
import numpy as np
import polars as pl
import pytest

from civicfutures.analysis.agreement import agreement
from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.suite import run
from civicfutures.analysis.themesets import Codebook

THEMES = Codebook(("ch1", "ch2", "vi1"), ("challenge", "challenge", "vision"))


def codings(ratings: dict[str, dict[int, set[str]]]) -> pl.LazyFrame:
    """Codings from {coder: {story: {themes}}}; a coder with an empty set did not code the story."""
    rows = [
        {"story_id": story, "theme": theme, "coder": coder}
        for coder, stories in ratings.items()
        for story, themes in stories.items()
        for theme in themes
    ]
    return pl.LazyFrame(rows, schema={"story_id": pl.Int64, "theme": pl.String, "coder": pl.String})


TWO_CODERS = {
    "ana": {
        1: {"ch1"},
        2: {"ch1", "ch2"},
        3: {"ch2"},
        4: {"ch1"},
        5: {"vi1"},
        6: {"ch1"},
        7: {"vi1"},
    },
    "ben": {
        1: {"ch1"},
        2: {"ch2"},
        3: {"ch2", "ch1"},
        4: {"ch1"},
        5: {"vi1"},
        6: {"ch2"},
        8: {"ch1"},
    },
}


def kappa_by_hand(first: dict[int, set[str]], second: dict[int, set[str]], theme: str) -> float:
    units = sorted(set(first) & set(second))
    a = np.array([theme in first[u] for u in units], dtype=float)
    b = np.array([theme in second[u] for u in units], dtype=float)
    observed = np.mean(a == b)
    chance = a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean())
    return (observed - chance) / (1 - chance)


def test_cohen_kappa_per_theme() -> None:
    table = agreement(codings(TWO_CODERS), THEMES).sort("theme").collect()
    assert table["method"].to_list() == ["cohen_kappa"] * 3
    assert table["coders"].to_list() == [2, 2, 2]
    # Stories 1–6 were coded by both; 7 and 8 by one coder only.
    assert table["units"].to_list() == [6, 6, 6]
    for row in table.iter_rows(named=True):
        expected = kappa_by_hand(TWO_CODERS["ana"], TWO_CODERS["ben"], row["theme"])
        assert row["value"] == pytest.approx(expected, abs=1e-12)
    # ch1 by hand: ana 1,2,4,6; ben 1,3,4 → both 1,4; neither 5 → p_o = 3/6,
    # p_e = (4/6)(3/6) + (2/6)(3/6) = 1/2 → kappa 0.
    assert table.filter(pl.col("theme") == "ch1")["value"][0] == pytest.approx(0.0, abs=1e-12)
    assert table.filter(pl.col("theme") == "vi1")["value"][0] == pytest.approx(1.0)


def test_kappa_is_null_when_chance_agreement_is_certain() -> None:
    never = {"ana": {1: {"ch1"}, 2: {"ch1"}}, "ben": {1: {"ch1"}, 2: {"ch1"}}}
    table = agreement(codings(never), THEMES).sort("theme").collect()
    assert table["value"].to_list() == [None, None, None]
    assert table["observed_agreement"].to_list() == [1.0, 1.0, 1.0]


THREE_CODERS = {
    "ana": {1: {"ch1"}, 2: {"ch1", "ch2"}, 3: {"ch2"}, 4: {"ch1"}, 5: {"vi1"}, 6: {"ch1"}},
    "ben": {1: {"ch1"}, 2: {"ch2"}, 3: {"ch2", "ch1"}, 5: {"vi1", "ch1"}, 6: {"ch2"}},
    "eva": {1: {"ch1", "vi1"}, 2: {"ch2"}, 4: {"ch1"}, 5: {"vi1"}, 7: {"ch1"}},
}


@pytest.mark.parametrize("theme", ["ch1", "ch2", "vi1"])
def test_krippendorff_alpha_matches_the_library(theme: str) -> None:
    table = agreement(codings(THREE_CODERS), THEMES).collect()
    row = table.filter(pl.col("theme") == theme).row(0, named=True)
    assert row["method"] == "krippendorff_alpha"
    assert row["coders"] == 3
    stories = sorted({s for stories in THREE_CODERS.values() for s in stories})
    data = [
        [float(theme in THREE_CODERS[c][s]) if s in THREE_CODERS[c] else np.nan for s in stories]
        for c in sorted(THREE_CODERS)
    ]
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert row["value"] == pytest.approx(expected, abs=1e-12)


def test_agreement_through_the_suite_restricted_to_chosen_coders(tiny) -> None:
    # In the tiny project only story 5 has two coders, who disagree on both themes.
    table = run("agreement", tiny, AnalysisParams(coders=("a", "b")))
    assert table["units"].to_list() == [1, 1, 1]
    assert table.filter(pl.col("theme") == "ch1")["observed_agreement"][0] == 0.0
    alone = run("agreement", tiny, AnalysisParams(coders=("a",), unsuppressed=True))
    assert alone["units"].to_list() == [0, 0, 0]
    assert alone["value"].is_null().all()
    # Published, a count of 0 is hidden like any count below k.
    hidden = run("agreement", tiny, AnalysisParams(coders=("a",)))
    assert hidden["units"].to_list() == [None, None, None]
    assert hidden["total_suppressed"].all()


def test_published_agreement_hides_statistics_resting_on_small_counts(tiny_with) -> None:
    # Story 5 alone is rated by both coders: one unit, below k = 2. Nothing is published.
    table = run("agreement", tiny_with(disclosure_threshold=2), AnalysisParams(coders=("a", "b")))
    assert table["statistic_suppressed"].all()
    assert table.select("units", "positive", "value", "observed_agreement").null_count().row(0) == (
        3,
        3,
        3,
        3,
    )
    # With k = 1 the one unit passes; ch1 (b alone) and vi1 (a alone) rest on one
    # disagreeing unit each, ch2 on none: the statistics are published, rounded.
    table = run("agreement", tiny_with(disclosure_threshold=1), AnalysisParams(coders=("a", "b")))
    assert not table["statistic_suppressed"].any()
    assert table["units"].to_list() == [1, 1, 1]
    assert table["observed_agreement"].to_list() == [0.0, 1.0, 0.0]


@pytest.mark.parametrize("across", [False, True])
def test_published_agreement_counts_a_storyteller_at_two_sites_once(tiny_with, across) -> None:
    # Four units, both coders applying ch1 to each; with `across` storyteller 1 told the
    # units at both sites, so the units rest on three storytellers, fewer than k = 4.
    tellers = {
        "story_id": [1, 2, 3, 4, 5, 6],
        "storyteller_id": [1, 2, 3, 1 if across else 4, 5, 6],
    }
    codings = {
        "story_id": [1, 1, 4, 4, 2, 2, 6, 6],
        "theme": ["ch1"] * 8,
        "coder": ["a", "b"] * 4,
        "start": [None] * 8,
        "end": [None] * 8,
    }
    snapshot = tiny_with(
        {"story_storytellers": tellers, "codings": codings}, disclosure_threshold=4
    )
    table = run("agreement", snapshot, AnalysisParams(coders=("a", "b")))
    reasons = set(table["total_suppressed_reason"].to_list())
    assert reasons == ({"few_storytellers"} if across else {"protects"})
