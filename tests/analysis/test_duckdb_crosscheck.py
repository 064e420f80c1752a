"""The Polars suite against the same computations in DuckDB SQL over the same Parquet snapshot."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from civicfutures.analysis import duckdb_suite
from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.snapshot import load_snapshot, write_snapshot
from civicfutures.analysis.suite import plan
from civicfutures.analysis.synthetic import MANIFEST, corpus

CASES = [(name, kind, by) for name, kind, by, _ in duckdb_suite.SUITE]
# Every table's counts are perturbed by the cell key method: DuckDB computes no cell keys, so
# the tables are compared as exact working tables (the perturbation has its own tests).
PERTURBED = {
    "prevalence", "comparison", "breakdown", "distinctive", "cooccurrence", "links", "agreement",
    "quality", "representativeness",
}  # fmt: skip


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 synthetic stories over 12 sites, written with the snapshot writer."""
    root = tmp_path_factory.mktemp("synthetic")
    return write_snapshot(corpus(3_000, sites=12, seed=3), root, dict(MANIFEST)).path


@pytest.fixture(scope="module")
def duckdb_tables(synthetic_dir: Path) -> dict[str, pl.DataFrame]:
    return duckdb_suite.run_suite(synthetic_dir, k=5)


@pytest.fixture(scope="module")
def duckdb_exact(synthetic_dir: Path) -> dict[str, pl.DataFrame]:
    con = duckdb_suite.connect(synthetic_dir)
    try:
        return {
            name: duckdb_suite.finish(kind, run(con), k=5, disclose=True)
            for name, kind, _, run in duckdb_suite.SUITE
            if kind in PERTURBED
        }
    finally:
        con.close()


@pytest.mark.parametrize(("name", "kind", "by"), CASES, ids=[c[0] for c in CASES])
def test_both_engines_give_the_same_table(
    synthetic_dir, duckdb_tables, duckdb_exact, name, kind, by
) -> None:
    exact = kind in PERTURBED
    params = AnalysisParams(by=by, detect_language=False, near_duplicates=False, unsuppressed=exact)
    ours = plan(kind, load_snapshot(synthetic_dir), params).collect()
    theirs = (duckdb_exact if exact else duckdb_tables)[name]
    theirs = theirs.select(ours.columns).cast(dict(ours.schema))
    assert ours.height > 0
    assert_frame_equal(ours, theirs, rel_tol=1e-9, abs_tol=1e-12)


def test_the_synthetic_suite_suppresses_something(duckdb_tables) -> None:
    # The cross-check is only worth something if disclosure control had work to do.
    assert duckdb_tables["breakdown by age band"]["suppressed"].any()


@pytest.mark.parametrize(
    "by", ["site", "country", "story_kind", "workshop_kind", "age_band", "project"]
)
def test_prevalence_of_the_tiny_project_in_duckdb(tmp_path, tiny, by) -> None:
    frames = {name: table.collect() for name, table in tiny.tables.items()}
    directory = write_snapshot(frames, tmp_path, dict(tiny.manifest)).path
    params = replace(AnalysisParams(), by=by, unsuppressed=True)
    ours = plan("prevalence", load_snapshot(directory), params).collect()
    con = duckdb_suite.connect(directory)
    theirs = duckdb_suite.finish("prevalence", duckdb_suite.prevalence(con, by), k=1, disclose=True)
    assert_frame_equal(ours, theirs.select(ours.columns).cast(dict(ours.schema)))
