"""The site comparison: tests of independence cross-checked against SciPy, residuals by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

from civicfutures.analysis.comparison import comparison
from civicfutures.analysis.disclosure import unsuppressed
from civicfutures.analysis.distinctive import distinctive
from civicfutures.analysis.inference import permutation_p_value, simulated_tables, theme_seed
from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.suite import run


def cells(table: dict[str, list[tuple[str, int, int]]]) -> pl.LazyFrame:
    """Prevalence cells by site from {theme: [(site, stories with theme, stories)]}."""
    rows = [
        {
            "group": site,
            "theme": theme,
            "stories": x,
            "total": n,
            "share": x / n,
            "ci_low": None,
            "ci_high": None,
            "storytellers": x,
            "total_storytellers": n,
        }
        for theme, sites in table.items()
        for site, x, n in sites
    ]
    return pl.LazyFrame(rows, schema_overrides={"ci_low": pl.Float64, "ci_high": pl.Float64})


def compare(table: dict[str, list[tuple[str, int, int]]], **options) -> pl.DataFrame:
    return comparison(cells(table), **options).sort("theme", "site").collect()


LARGE = {"ch1": [("a", 40, 100), ("b", 20, 100), ("c", 35, 90)]}


def test_chi_square_matches_scipy_with_residuals_by_hand() -> None:
    table = compare(LARGE)
    observed = np.array([[x, n - x] for _, x, n in LARGE["ch1"]])
    statistic, p, dof, expected = stats.chi2_contingency(observed, correction=False)
    assert set(table["test"]) == {"chi_square"}
    assert table["statistic"][0] == pytest.approx(statistic, rel=1e-12)
    assert table["p_value"][0] == pytest.approx(p, rel=1e-9)
    assert table["dof"][0] == dof == 2
    assert table["expected"].to_list() == pytest.approx(expected[:, 0].tolist(), rel=1e-12)
    n_all, x_all = observed.sum(), observed[:, 0].sum()
    for row, (x, absent) in zip(table.iter_rows(named=True), observed, strict=True):
        n = x + absent
        e = n * x_all / n_all
        by_hand = (x - e) / math.sqrt(e * (1 - n / n_all) * (1 - x_all / n_all))
        assert row["residual"] == pytest.approx(by_hand, rel=1e-12)
    # b (20%) lies far below the pooled 32.8%: a negative residual is never "distinctive".
    assert table.filter(pl.col("site") == "b")["residual"][0] < -1.96
    assert table.filter(pl.col("site") == "b")["distinctive"][0] is False


def test_distinctive_needs_a_large_residual_and_a_significant_test() -> None:
    table = compare({"ch1": [("a", 50, 100), ("b", 10, 100), ("c", 12, 100)]})
    flagged = table.filter(pl.col("distinctive"))
    assert flagged["site"].to_list() == ["a"]
    assert flagged["residual"][0] > 1.96
    quiet = compare({"ch1": [("a", 12, 100), ("b", 10, 100), ("c", 11, 100)]})
    assert not quiet["distinctive"].any()


def test_two_sites_with_small_expected_counts_use_fishers_exact_test() -> None:
    table = compare({"ch1": [("a", 3, 4), ("b", 0, 5)]})
    assert set(table["test"]) == {"fisher_exact"}
    expected = stats.fisher_exact([[3, 1], [0, 5]]).pvalue
    assert table["p_value"][0] == pytest.approx(expected, rel=1e-12)


def _exact_permutation_p(present: list[int], totals: list[int]) -> float:
    """Exact p-value of the chi-square statistic over every table with these margins."""
    x_all, n_all = sum(present), sum(totals)

    def chi(xs: tuple[int, ...]) -> float:
        value = 0.0
        for x, n in zip(xs, totals, strict=True):
            e1 = n * x_all / n_all
            e0 = n - e1
            value += (x - e1) ** 2 / e1 + (x - e1) ** 2 / e0
        return value

    observed = chi(tuple(present))
    total_ways = math.comb(n_all, x_all)
    extreme = 0.0
    for xs in itertools.product(*(range(n + 1) for n in totals)):
        if sum(xs) != x_all:
            continue
        ways = math.prod(math.comb(n, x) for x, n in zip(xs, totals, strict=True))
        if chi(xs) >= observed * (1 - 1e-9):
            extreme += ways
    return extreme / total_ways


def test_more_sites_with_small_counts_use_a_seeded_permutation_test() -> None:
    small = {"ch1": [("a", 4, 5), ("b", 1, 6), ("c", 0, 4)]}
    table = compare(small, permutations=19_999, seed=11)
    assert set(table["test"]) == {"permutation"}
    exact = _exact_permutation_p([4, 1, 0], [5, 6, 4])
    # Monte-Carlo error with B = 19,999 is about sqrt(p(1-p)/B) < 0.004.
    assert table["p_value"][0] == pytest.approx(exact, abs=0.015)
    again = compare(small, permutations=19_999, seed=11)
    assert again["p_value"][0] == table["p_value"][0]


@pytest.mark.parametrize(
    ("present", "totals"),
    [
        # 5 stories of 15 dealt one by one among three sites.
        ([4, 1, 0], [5, 6, 4]),
        # 16 of 20: the 4 other stories are dealt instead.
        ([9, 5, 2], [10, 6, 4]),
        # 14 stories, two sites: one hypergeometric draw per site.
        ([10, 4], [20, 20]),
    ],
)
def test_each_way_of_dealing_the_tables_gives_the_exact_p_value(
    present: list[int], totals: list[int]
) -> None:
    simulated = permutation_p_value(present, totals, permutations=19_999, seed=5)
    assert simulated == pytest.approx(_exact_permutation_p(present, totals), abs=0.015)


@pytest.mark.parametrize("drawn", [3, 37, 40, 77])
def test_simulated_tables_keep_both_margins_and_the_expected_counts(drawn: int) -> None:
    totals = np.array([10, 20, 30, 20])
    tables = simulated_tables(totals, drawn, 20_000, np.random.default_rng(3))
    assert tables.shape == (20_000, 4)
    assert (tables.sum(axis=1) == drawn).all()
    assert ((tables >= 0) & (tables <= totals)).all()
    # The mean of 20,000 tables lies within 0.1 story of n·x/N at every site.
    assert tables.mean(axis=0) == pytest.approx(totals * drawn / totals.sum(), abs=0.1)


def test_themes_tested_side_by_side_keep_their_own_seeded_p_values() -> None:
    themes = {
        f"t{i}": [("a", 1 + i % 3, 6), ("b", i % 2, 5), ("c", 4 - i % 4, 7)] for i in range(8)
    }
    table = compare(themes, permutations=999, seed=21)
    assert set(table["test"]) == {"permutation"}
    for theme, sites in themes.items():
        alone = permutation_p_value(
            [x for _, x, _ in sites], [n for _, _, n in sites], 999, theme_seed(21, theme)
        )
        assert table.filter(pl.col("theme") == theme)["p_value"].unique().to_list() == [alone]


def test_permutation_p_value_is_never_zero() -> None:
    assert permutation_p_value([10, 0], [10, 10], permutations=99, seed=1) >= 1 / 100


@pytest.mark.parametrize(
    "table",
    [
        {"ch1": [("a", 0, 10), ("b", 0, 12)]},  # absent everywhere
        {"ch1": [("a", 10, 10), ("b", 12, 12)]},  # present in every story
        {"ch1": [("a", 3, 10)]},  # one site only
    ],
)
def test_no_test_where_none_is_meaningful(table) -> None:
    result = compare(table)
    assert result["too_few_to_compare"].all()
    assert set(result["test"]) == {"none"}
    assert result["p_value"].is_null().all()
    assert result["residual"].is_null().all()
    assert not result["distinctive"].any()


def test_comparison_through_the_suite_and_distinctive_themes(tiny) -> None:
    table = run("comparison", tiny, AnalysisParams(unsuppressed=True))
    assert table.columns[:4] == ["site", "theme", "stories", "total"]
    assert table.filter(pl.col("theme") == "ch1")["stories"].to_list() == [2, 1]
    # Six stories over two sites: every theme falls back to Fisher's exact test.
    assert set(table["test"]) == {"fisher_exact"}
    expected = stats.fisher_exact([[2, 1], [1, 2]]).pvalue
    assert table.filter(pl.col("theme") == "ch1")["p_value"][0] == pytest.approx(expected)


def test_distinctive_lists_flagged_cells_strongest_first() -> None:
    compared = comparison(
        cells(
            {
                "ch1": [("a", 50, 100), ("b", 10, 100), ("c", 12, 100)],
                "ch2": [("a", 10, 100), ("b", 45, 100), ("c", 11, 100)],
                "vi1": [("a", 30, 100), ("b", 5, 100), ("c", 9, 100)],
            }
        )
    )
    listed = distinctive(unsuppressed(compared)).collect()
    assert listed.select("site", "theme").rows() == [("a", "ch1"), ("a", "vi1"), ("b", "ch2")]
    residuals = listed.filter(pl.col("site") == "a")["residual"].to_list()
    assert residuals == sorted(residuals, reverse=True)


def test_the_statistic_does_not_depend_on_the_order_of_the_cells() -> None:
    # A sum of floats depends on its order in the last bits; a group-by hands the cells by
    # site over in any order, and a briefing must give the same bytes each time it is built.
    rng = np.random.default_rng(5)
    table = {}
    for theme in range(60):
        rows = []
        for site in range(200):
            n = int(rng.integers(2000, 8000))
            rows.append((f"site-{site:03d}", int(rng.integers(n // 10, n // 2)), n))
        table[f"t{theme:02d}"] = rows
    frame = cells(table).collect()
    statistics = [
        comparison(frame.sample(fraction=1.0, shuffle=True, seed=seed).lazy())
        .collect()
        .sort("theme", "site")
        .select("theme", "site", "statistic", "p_value")
        for seed in range(6)
    ]
    assert statistics[0]["statistic"].null_count() == 0
    for other in statistics[1:]:
        assert other.equals(statistics[0])
