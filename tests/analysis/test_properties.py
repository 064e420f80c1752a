"""Properties that hold for any data: intervals contain shares, no suppressed cell can be
recovered by subtraction, and a new story changes only the groups it belongs to."""

from __future__ import annotations

from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicfutures.analysis.dataset import snapshot_from_frames
from civicfutures.analysis.disclosure import Rule, suppress
from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.suite import run

THEMES = ["t1", "t2", "t3", "t4"]
SITES = ["s1", "s2", "s3"]
PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

story = st.fixed_dictionaries(
    {
        "site": st.integers(0, len(SITES) - 1),
        "kind": st.sampled_from(["present", "future"]),
        "tellers": st.sets(st.integers(0, 5), min_size=1, max_size=2),
        "themes": st.sets(st.sampled_from(THEMES), max_size=3),
    }
)


def corpus(stories: list[dict[str, Any]]) -> dict[str, pl.DataFrame]:
    """Snapshot tables for generated stories; storyteller t of site s has id 10·s + t."""
    story_rows, links, codings = [], [], []
    for story_id, item in enumerate(stories, start=1):
        site_id = item["site"] + 1
        story_rows.append(
            {"story_id": story_id, "site_id": site_id, "workshop_id": site_id, "kind": item["kind"],
             "language": "en", "body": "text", "status": "submitted"}
        )  # fmt: skip
        links += [
            {"story_id": story_id, "storyteller_id": 10 * site_id + t} for t in item["tellers"]
        ]
        codings += [
            {"story_id": story_id, "theme": t, "coder": "a"} for t in sorted(item["themes"])
        ]
    tellers = [
        {"storyteller_id": 10 * (s + 1) + t, "site_id": s + 1} for s in range(3) for t in range(6)
    ]
    return {
        "sites": pl.DataFrame(
            {"site_id": [1, 2, 3], "site": SITES, "name": SITES, "country": ["PL", "EE", "PL"]}
        ),
        "workshops": pl.DataFrame(
            {"workshop_id": [1, 2, 3], "site_id": [1, 2, 3], "kind": ["w"] * 3}
        ),
        "storytellers": pl.DataFrame(tellers),
        "stories": pl.DataFrame(story_rows),
        "story_storytellers": pl.DataFrame(links),
        "codings": pl.DataFrame(
            codings, schema={"story_id": pl.Int64, "theme": pl.String, "coder": pl.String}
        ),
        "themes": pl.DataFrame(
            {"theme": THEMES, "kind": ["challenge"] * 4, "position": [0, 1, 2, 3]}
        ),
        "project": pl.DataFrame({"project": ["p"], "disclosure_threshold": [3]}),
    }


def snapshot(stories: list[dict[str, Any]]):
    return snapshot_from_frames(corpus(stories), {"project": "p", "disclosure_threshold": 3})


@PROPERTY
@given(
    st.lists(story, min_size=1, max_size=30),
    st.sampled_from(["site", "country", "story_kind", "project"]),
)
def test_shares_lie_in_their_intervals(stories, by) -> None:
    table = run("prevalence", snapshot(stories), AnalysisParams(by=by, unsuppressed=True))
    assert table.height == table["group"].n_unique() * len(THEMES)
    for row in table.iter_rows(named=True):
        assert 0 <= row["stories"] <= row["total"]
        assert 0.0 <= row["ci_low"] <= row["share"] <= row["ci_high"] <= 1.0
        assert row["storytellers"] <= row["total_storytellers"]


def _lines_hold_no_lone_hidden_cell(table: pl.DataFrame, keys: list[str], flag: str) -> None:
    lines = table.group_by(keys).agg(n=pl.len(), hidden=pl.col(flag).sum())
    lonely = lines.filter((pl.col("n") >= 2) & (pl.col("hidden") == 1))
    assert lonely.is_empty(), lonely


cell = st.tuples(st.integers(0, 12), st.integers(0, 3))


@PROPERTY
@given(
    st.integers(2, 5).flatmap(
        lambda groups: st.integers(2, 5).flatmap(
            lambda themes: st.lists(
                st.lists(cell, min_size=themes, max_size=themes), min_size=groups, max_size=groups
            )
        )
    ),
    st.integers(2, 6),
)
def test_no_suppressed_cell_can_be_recovered_by_subtraction(cells, k) -> None:
    rows = []
    for g, line in enumerate(cells):
        total_tellers = sum(c for c, _ in line) + 1
        for t, (count, extra) in enumerate(line):
            # A cell's storytellers never exceed its stories plus co-tellers of group stories.
            rows.append(
                {"group": f"g{g}", "theme": f"t{t}", "stories": count, "total": 3 * total_tellers,
                 "share": 0.5, "ci_low": 0.0, "ci_high": 1.0,
                 "storytellers": min(count, count + extra) if count else 0,
                 "total_storytellers": total_tellers}
            )  # fmt: skip
    table = pl.DataFrame(rows)
    result = suppress(table, Rule(), k)
    # Primary: every cell resting on 1..k-1 storytellers is hidden with all it implies.
    small = table.filter((pl.col("storytellers") > 0) & (pl.col("storytellers") < k))
    flagged = result.filter(pl.col("suppressed"))
    assert set(small.select("group", "theme").rows()) <= set(
        flagged.select("group", "theme").rows()
    )
    assert (
        flagged.select("stories", "share", "storytellers").null_count().row(0)
        == (flagged.height,) * 3
    )
    # Secondary: along every row and column, and among the group totals, never exactly one.
    _lines_hold_no_lone_hidden_cell(result, ["group"], "suppressed")
    _lines_hold_no_lone_hidden_cell(result, ["theme"], "suppressed")
    totals = result.unique("group").with_columns(everything=pl.lit(1))
    _lines_hold_no_lone_hidden_cell(totals, ["everything"], "total_suppressed")
    # Visible cells are exactly what was computed.
    visible = result.filter(~pl.col("suppressed")).join(table, on=["group", "theme"], suffix="_in")
    assert (visible["stories"] == visible["stories_in"]).all()


@PROPERTY
@given(st.lists(story, min_size=1, max_size=25), story)
def test_adding_a_story_changes_only_its_own_groups(stories, new) -> None:
    params = AnalysisParams(by="site", unsuppressed=True)
    before = run("prevalence", snapshot(stories), params)
    after = run("prevalence", snapshot([*stories, new]), params)
    own = SITES[new["site"]]
    assert before.filter(pl.col("group") != own).equals(after.filter(pl.col("group") != own))
    mine = after.filter(pl.col("group") == own)
    old = before.filter(pl.col("group") == own)
    old_stories = dict(old.select("theme", "stories").rows()) if old.height else {}
    old_total = old["total"][0] if old.height else 0
    assert (mine["total"] == old_total + 1).all()
    for theme, count in mine.select("theme", "stories").rows():
        assert count == old_stories.get(theme, 0) + (theme in new["themes"])
