"""Links from present challenges to future visions, worked out by hand on the tiny project."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.suite import run

COLUMNS = [
    "challenge",
    "vision",
    "via",
    "links",
    "units_challenge",
    "units_vision",
    "share",
    "storytellers",
]


@pytest.mark.parametrize(
    ("via", "rows"),
    [
        # Storyteller 1 told story 1 (present: ch1, ch2) and story 3 (future: vi1).
        # ch1 in present stories: storytellers 1, 2; ch2: 1, 4; vi1 in future stories: 1, 3, 5.
        ("storyteller", [("ch1", "vi1", 1, 2, 3, 0.5, 1), ("ch2", "vi1", 1, 2, 3, 0.5, 1)]),
        # Workshop 1: ch1, ch2 → vi1 (story 3); workshop 2: ch2 (story 4) → vi1 (story 5).
        # Storytellers behind ch2 → vi1: 1 (stories 1, 3), 3 (story 3), 4 (story 4), 5 (story 5).
        ("workshop", [("ch1", "vi1", 1, 1, 2, 1.0, 3), ("ch2", "vi1", 2, 2, 2, 1.0, 4)]),
    ],
)
def test_links(tiny, via: str, rows: list[tuple]) -> None:
    table = run("links", tiny, AnalysisParams(via=via))
    expected = pl.DataFrame(
        [(c, v, via, *rest) for c, v, *rest in rows], schema=COLUMNS, orient="row"
    ).cast(
        {
            "links": pl.Int64,
            "units_challenge": pl.Int64,
            "units_vision": pl.Int64,
            "storytellers": pl.Int64,
        }
    )
    assert_frame_equal(table.select(COLUMNS), expected)


def test_a_challenge_in_a_future_story_is_not_a_link(tiny) -> None:
    # Story 5 is a future story coded ch1 (a challenge theme) and vi1: no link from it.
    table = run("links", tiny, AnalysisParams(via="storyteller", sites=("beta",)))
    assert table.height == 0


def test_small_links_are_suppressed(tiny) -> None:
    table = run("links", tiny, AnalysisParams(via="workshop", k=4))
    assert table["suppressed"].to_list() == [True, False]
    assert table.row(0, named=True)["links"] is None
    assert table.row(0, named=True)["share"] is None
    assert table.row(1, named=True)["links"] == 2
