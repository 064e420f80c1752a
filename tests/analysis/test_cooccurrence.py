"""Theme pairs within stories, worked out by hand on the tiny project."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.suite import run


def test_cooccurrence(tiny) -> None:
    # Themes per story: 1 {ch1, ch2}, 2 {ch1}, 3 {vi1}, 4 {ch2}, 5 {ch1, vi1}, 6 {}; N = 6.
    table = run("cooccurrence", tiny, AnalysisParams())
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
    assert_frame_equal(table.drop("total_suppressed"), expected)


def test_pairs_resting_on_too_few_storytellers_are_suppressed(tiny) -> None:
    table = run("cooccurrence", tiny, AnalysisParams(k=2))
    assert table["suppressed"].to_list() == [True, True]
    assert table.select("stories", "stories_a", "jaccard", "lift").null_count().row(0) == (
        2,
        2,
        2,
        2,
    )
