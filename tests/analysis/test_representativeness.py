"""Representativeness: storytellers' demographics against a site's reference shares."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from civicfutures.analysis.disclosure import FLAGS_AND_REASONS
from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.suite import run


def test_shares_distance_and_scores(tiny) -> None:
    table = run("representativeness", tiny, AnalysisParams(unsuppressed=True))
    # alpha: storytellers 1, 2 (16-24) and 3 (65+) against 50/50 → TVD 1/6.
    # beta: 4 (16-24), 5 (65+) and 6 (no age, left out) against 2:2 → TVD 0.
    expected = pl.DataFrame(
        {
            "site": ["alpha", "alpha", "beta", "beta"],
            "attribute": ["age_band"] * 4,
            "value": ["16-24", "65+", "16-24", "65+"],
            "storytellers": [2, 1, 1, 1],
            "total": [3, 3, 2, 2],
            "left_out": [0, 0, 1, 1],
            "share": [2 / 3, 1 / 3, 0.5, 0.5],
            "reference_share": [0.5, 0.5, 0.5, 0.5],
            "difference": [1 / 6, -1 / 6, 0.0, 0.0],
            "tvd": [1 / 6, 1 / 6, 0.0, 0.0],
            "score": [5 / 6, 5 / 6, 1.0, 1.0],
            "site_score": [5 / 6, 5 / 6, 1.0, 1.0],
        }
    )
    assert_frame_equal(table.drop(*FLAGS_AND_REASONS), expected)


def test_scores_are_withheld_where_cells_are_hidden(tiny) -> None:
    # With k = 2 alpha's single 65+ storyteller is hidden; alpha's two 16-24 storytellers are
    # published (2 stays 2: a count of k moves by at most its distance to k). The distance
    # would give the hidden cell's published value back, so it goes. beta's cells all rest
    # on one person, and so does its left-out count.
    table = run("representativeness", tiny, AnalysisParams(k=2))
    assert table["suppressed"].to_list() == [False, True, True, True]
    assert table["storytellers"].to_list() == [2, None, None, None]
    assert table["tvd"].is_null().all()
    assert table["site_score"].is_null().all()
    assert table["left_out"].to_list() == [None, None, None, None]


def test_published_shares_and_scores_come_from_published_counts(tiny_with) -> None:
    table = run("representativeness", tiny_with(disclosure_threshold=1), AnalysisParams())
    for _, line in table.group_by("site"):
        total = line["storytellers"].sum()
        assert line["total"].to_list() == [total] * line.height
        shares = [n / total for n in line["storytellers"]]
        assert line["share"].to_list() == pytest.approx(shares)
        tvd = 0.5 * sum(abs(s - 0.5) for s in shares)
        assert line["score"].to_list() == pytest.approx([1 - tvd] * line.height)


def test_only_storytellers_of_stories_in_scope_count(tiny) -> None:
    table = run("representativeness", tiny, AnalysisParams(story_kind="future", unsuppressed=True))
    alpha = table.filter(pl.col("site") == "alpha")
    # Future stories: story 3 (storytellers 1 and 3) at alpha.
    assert alpha["storytellers"].to_list() == [1, 1]
    assert alpha["score"][0] == pytest.approx(1.0)
