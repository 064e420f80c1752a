"""Breakdowns: prevalence by a demographic attribute within each site."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.suite import run
from civicfutures.errors import InvalidInput

COLUMNS = ["site", "group", "theme", "stories", "total", "storytellers", "total_storytellers"]


def test_breakdown_by_age_within_sites(tiny) -> None:
    table = run("breakdown", tiny, AnalysisParams(unsuppressed=True, by="age_band"))
    rows = [
        # alpha: stories 1, 2, 3 by 16-24 (tellers 1, 2); story 3 also by 65+ (teller 3).
        ("alpha", "16-24", "ch1", 2, 3, 2, 2),
        ("alpha", "16-24", "ch2", 1, 3, 1, 2),
        ("alpha", "16-24", "vi1", 1, 3, 1, 2),
        ("alpha", "65+", "ch1", 0, 1, 0, 1),
        ("alpha", "65+", "ch2", 0, 1, 0, 1),
        ("alpha", "65+", "vi1", 1, 1, 1, 1),
        # beta: story 4 by 16-24, 5 by 65+, 6 by someone who recorded no age.
        ("beta", "16-24", "ch1", 0, 1, 0, 1),
        ("beta", "16-24", "ch2", 1, 1, 1, 1),
        ("beta", "16-24", "vi1", 0, 1, 0, 1),
        ("beta", "65+", "ch1", 1, 1, 1, 1),
        ("beta", "65+", "ch2", 0, 1, 0, 1),
        ("beta", "65+", "vi1", 1, 1, 1, 1),
        ("beta", "not_recorded", "ch1", 0, 1, 0, 1),
        ("beta", "not_recorded", "ch2", 0, 1, 0, 1),
        ("beta", "not_recorded", "vi1", 0, 1, 0, 1),
    ]
    expected = pl.DataFrame(rows, schema=COLUMNS, orient="row").cast(
        {c: pl.Int64 for c in COLUMNS[3:]}
    )
    assert_frame_equal(table.select(COLUMNS), expected)


def test_breakdown_defaults_to_the_projects_first_attribute(tiny) -> None:
    assert run("breakdown", tiny, AnalysisParams()).height == 15


def test_breakdown_needs_a_demographic_attribute(tiny) -> None:
    with pytest.raises(InvalidInput):
        run("breakdown", tiny, AnalysisParams(unsuppressed=True, by="site"))
