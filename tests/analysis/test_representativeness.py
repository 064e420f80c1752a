"""Representativeness: storytellers' demographics against a site's reference shares."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.suite import run


def test_shares_distance_and_scores(tiny) -> None:
    table = run("representativeness", tiny, AnalysisParams())
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
    assert_frame_equal(table.drop("suppressed", "total_suppressed"), expected)


def test_scores_are_withheld_where_cells_are_suppressed(tiny) -> None:
    # With k = 2 alpha's single 65+ storyteller is suppressed (and 16-24 with it, secondarily);
    # the distance would give both back, so it goes too. beta's cells all rest on one person.
    table = run("representativeness", tiny, AnalysisParams(k=2))
    assert table["suppressed"].to_list() == [True, True, True, True]
    assert table["tvd"].is_null().all()
    assert table["site_score"].is_null().all()
    assert table["left_out"].to_list() == [0, 0, None, None]


def test_only_storytellers_of_stories_in_scope_count(tiny) -> None:
    table = run("representativeness", tiny, AnalysisParams(story_kind="future"))
    alpha = table.filter(pl.col("site") == "alpha")
    # Future stories: story 3 (storytellers 1 and 3) at alpha.
    assert alpha["storytellers"].to_list() == [1, 1]
    assert alpha["score"][0] == pytest.approx(1.0)
