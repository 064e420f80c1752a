"""The briefing benchmark's breakdown by table (`bench briefing --plans`) runs every table."""

from __future__ import annotations

from civicfutures.briefings.bench import bench_plans, synthetic
from civicfutures.briefings.compute import _plans
from civicfutures.briefings.params import BriefingParams


def test_each_table_of_the_briefing_is_collected_and_timed_once() -> None:
    snapshot, _generated = synthetic(2_000, sites=4)
    timed = bench_plans(snapshot)
    params = BriefingParams(
        project="synthetic", site=None, language="en", date_from=None, date_to=None, k=5
    )
    names = list(_plans(snapshot, params, quality_detail=True))
    assert sorted(name for name, _ in timed) == sorted(names)
    assert "breakdown:age_band" in names
    assert all(seconds >= 0 for _, seconds in timed)
