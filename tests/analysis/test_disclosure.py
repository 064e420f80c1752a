"""Disclosure control: primary and secondary suppression on tables small enough to check by eye."""

from __future__ import annotations

import polars as pl

from civicfutures.analysis.disclosure import Rule, protect, suppress
from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.suite import run


def grid(counts: dict[str, list[int]], totals: dict[str, int], themes: str = "xyz") -> pl.DataFrame:
    """A prevalence-like table; every count rests on as many storytellers as it has stories."""
    rows = [
        {
            "group": group,
            "theme": theme,
            "stories": value,
            "total": totals[group],
            "share": value / totals[group],
            "ci_low": 0.0,
            "ci_high": 1.0,
            "storytellers": value,
            "total_storytellers": totals[group],
        }
        for group, values in counts.items()
        for theme, value in zip(themes, values, strict=True)
    ]
    return pl.DataFrame(rows)


def hidden(table: pl.DataFrame) -> set[tuple[str, str]]:
    return set(table.filter(pl.col("suppressed")).select("group", "theme").rows())


def test_a_single_small_cell_takes_a_rectangle_with_it() -> None:
    table = grid({"a": [1, 5, 9], "b": [6, 0, 7], "c": [8, 9, 10]}, {"a": 12, "b": 10, "c": 20})
    result = suppress(table, Rule(), k=5)
    # a/x is small; a/y protects row a, b/x protects column x, b/y closes both lines at once.
    assert hidden(result) == {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}
    closed = result.filter(pl.col("suppressed"))
    assert (
        closed.select("stories", "share", "ci_low", "ci_high", "storytellers").null_count().row(0)
        == (4,) * 5
    )
    assert result.filter(~pl.col("suppressed"))["stories"].null_count() == 0


def test_nothing_is_suppressed_when_every_cell_is_large_or_zero() -> None:
    table = grid({"a": [0, 5, 9], "b": [6, 0, 7]}, {"a": 12, "b": 10})
    result = suppress(table, Rule(), k=5)
    assert hidden(result) == set()
    assert not result["total_suppressed"].any()


def test_small_group_totals_are_suppressed_with_a_partner() -> None:
    # Group c rests on 3 storytellers: its total goes, and so does the next-smallest total (b),
    # or c's total would be the project total minus the others.
    table = grid({"a": [5, 6, 7], "b": [5, 5, 5], "c": [0, 0, 0]}, {"a": 30, "b": 8, "c": 3})
    result = suppress(table, Rule(), k=5)
    totals = result.unique("group", maintain_order=True).sort("group")
    assert totals["total_suppressed"].to_list() == [False, True, True]
    assert totals["total"].to_list() == [30, None, None]
    assert result.filter(pl.col("group") == "b")["share"].is_null().all()
    # b's cells rest on five storytellers each: their counts stay.
    assert result.filter(pl.col("group") == "b")["stories"].to_list() == [5, 5, 5]


def test_lines_of_a_breakdown_are_taken_within_each_site() -> None:
    rule = Rule(rows=("site", "group"), columns=("site", "theme"), total_partition=("site",))
    table = pl.concat(
        [
            grid(
                {"old": [2, 8], "young": [9, 9]}, {"old": 10, "young": 20}, themes="xy"
            ).with_columns(site=pl.lit("s1")),
            grid(
                {"old": [9, 8], "young": [9, 9]}, {"old": 10, "young": 20}, themes="xy"
            ).with_columns(site=pl.lit("s2")),
        ]
    )
    result = suppress(table, rule, k=5)
    assert set(result.filter(pl.col("suppressed")).select("site", "group", "theme").rows()) == {
        ("s1", "old", "x"),
        ("s1", "old", "y"),
        ("s1", "young", "x"),
        ("s1", "young", "y"),
    }
    assert not result.filter(pl.col("site") == "s2")["suppressed"].any()


def test_the_explicit_flag_publishes_everything() -> None:
    table = grid({"a": [1, 5, 9], "b": [6, 0, 7]}, {"a": 12, "b": 10})
    result = protect(table.lazy(), Rule(), k=5, disclose=True).collect()
    assert result["stories"].to_list() == table["stories"].to_list()
    assert not result["suppressed"].any()


def test_the_same_table_in_any_row_order_gets_the_same_suppression() -> None:
    table = grid({"a": [1, 5, 9], "b": [6, 3, 7], "c": [8, 9, 10]}, {"a": 12, "b": 10, "c": 20})
    first = suppress(table, Rule(), k=5)
    second = suppress(table.reverse(), Rule(), k=5)
    assert hidden(first) == hidden(second)


def test_published_prevalence_uses_the_projects_threshold(tiny_with) -> None:
    snapshot = tiny_with(disclosure_threshold=2)
    table = run("prevalence", snapshot, AnalysisParams(by="site"))
    # alpha/ch1 (2 stories, 2 storytellers) is published; every other cell counts one story
    # or rests on one storyteller (below k = 2), and nothing is hidden only to protect it.
    assert table.filter(~pl.col("suppressed")).select("group", "theme").rows() == [("alpha", "ch1")]
    assert table.filter(pl.col("suppressed"))["stories"].null_count() == 5
    # The totals (3 stories each) are published, perturbed by at most 3 − k = 1.
    assert not table["total_suppressed"].any()
    assert all(abs(total - 3) <= 1 for total in table["total"])
    opened = run("prevalence", snapshot, AnalysisParams(by="site", unsuppressed=True))
    assert not opened["suppressed"].any()
    assert opened["stories"].null_count() == 0
