"""The synthetic corpus written part by part (the benchmark's) is a snapshot like any other."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from civicfutures.analysis import duckdb_suite
from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.schema import SCHEMA_VERSION, SORT_KEYS, TABLES
from civicfutures.analysis.snapshot import load_snapshot, read_manifest
from civicfutures.analysis.suite import plan
from civicfutures.analysis.synthetic import write_corpus


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,500 stories over 12 sites, written 1,000 stories at a time (three parts)."""
    return write_corpus(2_500, tmp_path_factory.mktemp("corpus"), sites=12, seed=3, chunk=1_000)


def test_every_table_is_sorted_complete_and_hashed(written) -> None:
    manifest = read_manifest(written)
    digest = hashlib.sha256(f"civicfutures-snapshot:{SCHEMA_VERSION}".encode())
    for name in sorted(TABLES):
        path = written / manifest["tables"][name]["file"]
        table = pl.read_parquet(path)
        assert table.schema == TABLES[name]
        assert table.height == manifest["tables"][name]["rows"]
        assert_frame_equal(table, table.sort(SORT_KEYS[name], nulls_last=True))
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        assert sha == manifest["tables"][name]["sha256"]
        digest.update(name.encode() + b"\0" + bytes.fromhex(sha))
    assert manifest["content_hash"] == digest.hexdigest()
    assert written.name == manifest["snapshot_id"] == manifest["content_hash"][:16]


def test_the_parts_add_up_to_one_corpus(written) -> None:
    snapshot = load_snapshot(written)
    stories = snapshot["stories"].collect()
    assert stories["story_id"].to_list() == list(range(1, 2_501))
    assert snapshot["codings"].collect().select("story_id", "theme", "coder").is_unique().all()
    # Every story is told by storytellers of its own site, at one of its site's workshops.
    tellers = snapshot["story_storytellers"].join(snapshot["storytellers"], on="storyteller_id")
    assert (
        tellers.join(snapshot["stories"], on="story_id")
        .filter(pl.col("site_id") != pl.col("site_id_right"))
        .collect()
        .is_empty()
    )
    workshops = snapshot["stories"].join(snapshot["workshops"], on="workshop_id")
    mismatched = workshops.filter(
        (pl.col("site_id") != pl.col("site_id_right")) | (pl.col("date") != pl.col("date_right"))
    )
    assert mismatched.collect().is_empty()
    assert set(stories["site_id"].unique()) == set(range(1, 13))


def test_the_same_size_and_seed_give_the_same_snapshot(tmp_path, written) -> None:
    again = write_corpus(2_500, tmp_path, sites=12, seed=3, chunk=1_000)
    assert again.name == written.name
    assert write_corpus(2_500, tmp_path, sites=12, seed=4, chunk=1_000).name != written.name


def test_both_engines_read_it_alike(written) -> None:
    params = AnalysisParams(by="site", unsuppressed=True)
    ours = plan("prevalence", load_snapshot(written), params).collect()
    con = duckdb_suite.connect(written)
    try:
        theirs = duckdb_suite.finish(
            "prevalence", duckdb_suite.prevalence(con, "site"), k=5, disclose=True
        )
    finally:
        con.close()
    assert ours.height == 12 * 60
    assert_frame_equal(ours, theirs.select(ours.columns).cast(dict(ours.schema)))
