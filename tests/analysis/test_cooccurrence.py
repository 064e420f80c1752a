"""Theme pairs within stories, worked out by hand on the tiny project."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.suite import run


def test_cooccurrence(tiny) -> None:
    # Themes per story: 1 {ch1, ch2}, 2 {ch1}, 3 {vi1}, 4 {ch2}, 5 {ch1, vi1}, 6 {}; N = 6.
    table = run("cooccurrence", tiny, AnalysisParams(unsuppressed=True))
    expected = pl.DataFrame(
        {
            "theme_a": ["ch1", "ch1"],
            "theme_b": ["ch2", "vi1"],
            "stories": [1, 1],
            "stories_a": [3, 3],
            "stories_b": [2, 2],
            "jaccard": [1 / (3 + 2 - 1), 1 / (3 + 2 - 1)],
            "lift": [1 * 6 / (3 * 2), 1 * 6 / (3 * 2)],
            "storytellers": [1, 1],
            "suppressed": [False, False],
        }
    )
    assert_frame_equal(
        table.drop("total_suppressed", "suppressed_reason", "total_suppressed_reason"), expected
    )


def test_pairs_resting_on_too_few_storytellers_are_hidden(tiny) -> None:
    table = run("cooccurrence", tiny, AnalysisParams(k=2))
    # Every pair is listed (an absent pair would say a hidden one never met); each rests on
    # fewer than two storytellers.
    assert table.select("theme_a", "theme_b").rows() == [
        ("ch1", "ch2"), ("ch1", "vi1"), ("ch2", "vi1")
    ]  # fmt: skip
    assert table["suppressed"].to_list() == [True, True, True]
    assert table.select("stories", "jaccard", "lift", "storytellers").null_count().row(0) == (
        3, 3, 3, 3
    )  # fmt: skip


def test_single_themes_read_as_the_published_prevalence_does(tiny_with) -> None:
    snapshot = tiny_with(disclosure_threshold=1)
    table = run("cooccurrence", snapshot, AnalysisParams())
    prevalence = run("prevalence", snapshot, AnalysisParams(by="project"))
    stories = dict(prevalence.select("theme", "stories").rows())
    for row in table.iter_rows(named=True):
        assert (row["stories_a"], row["stories_b"]) == (
            stories[row["theme_a"]],
            stories[row["theme_b"]],
        )
        if row["suppressed"]:
            # ch2 and vi1 never meet: a published 0 is hidden like any count below k.
            assert (row["theme_a"], row["theme_b"], row["lift"]) == ("ch2", "vi1", None)
            continue
        shown = min(row["stories"], row["stories_a"], row["stories_b"])
        assert row["lift"] == pytest.approx(
            shown * prevalence["total"][0] / (row["stories_a"] * row["stories_b"])
        )
