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
    table = run("links", tiny, AnalysisParams(via=via, unsuppressed=True))
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
    table = run(
        "links", tiny, AnalysisParams(via="storyteller", sites=("beta",), unsuppressed=True)
    )
    assert table.height == 0


def test_small_links_are_hidden(tiny) -> None:
    table = run("links", tiny, AnalysisParams(via="workshop", k=4))
    # Every challenge × vision pair is listed: an absent pair would say a hidden one was
    # linked at least once. ch1 → vi1 links one workshop, ch2 → vi1 two: both below k.
    assert table.select("challenge", "vision").rows() == [("ch1", "vi1"), ("ch2", "vi1")]
    assert table["suppressed"].to_list() == [True, True]
    assert table["total_suppressed"].to_list() == [True, True]
    assert table.select("links", "units_challenge", "units_vision", "share").null_count().row(
        0
    ) == (2, 2, 2, 2)


@pytest.mark.parametrize("via", ["storyteller", "workshop"])
def test_published_links_are_the_sums_of_perturbed_cells_within_sites(tiny_with, via) -> None:
    snapshot = tiny_with(disclosure_threshold=1)
    published = run("links", snapshot, AnalysisParams(via=via))
    exact = run("links", snapshot, AnalysisParams(via=via, unsuppressed=True))
    both = published.join(exact, on=["challenge", "vision"], suffix="_exact")
    # Each published count lies within the largest change of each site's cell it adds up.
    for row in both.iter_rows(named=True):
        assert abs(row["links"] - row["links_exact"]) <= 2
        assert row["share"] == pytest.approx(
            min(row["links"], row["units_challenge"]) / row["units_challenge"]
        )
    # The same request publishes the same values.
    assert_frame_equal(published, run("links", snapshot, AnalysisParams(via=via)))
