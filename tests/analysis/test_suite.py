"""The suite's registry and writers: every kind runs, answers keep their columns, bytes are stable."""

from __future__ import annotations

import datetime as dt
import io
import json

import polars as pl
import pytest

from civicfutures.analysis.dataset import snapshot_from_frames
from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.suite import INSIGHTS, KINDS, plan, run
from civicfutures.analysis.writers import FORMATS
from civicfutures.errors import NotFound


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_runs_on_an_empty_snapshot_and_keeps_its_columns(kind: str) -> None:
    empty = snapshot_from_frames({}, {"project": "p", "demographic_attributes": ["age_band"]})
    expected = plan(kind, empty, AnalysisParams()).collect_schema()
    table = run(kind, empty, AnalysisParams())
    assert table.schema == expected
    assert {"suppressed", "total_suppressed"} <= set(table.columns)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_runs_on_the_tiny_project_in_a_stable_order(tiny, kind: str) -> None:
    first = run(kind, tiny, AnalysisParams())
    again = run(kind, tiny, AnalysisParams())
    # Six stories make no theme distinctive; every other table has rows.
    assert first.height > 0 or kind == "distinctive"
    assert first.equals(again)
    order = list(INSIGHTS[kind].order)
    descending = list(INSIGHTS[kind].descending) or False
    assert first.equals(first.sort(order, descending=descending, nulls_last=True))


def test_an_unknown_kind_is_not_found(tiny) -> None:
    with pytest.raises(NotFound):
        run("horoscope", tiny, AnalysisParams())


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_writers_give_the_same_bytes_for_the_same_table(tiny, fmt: str) -> None:
    table = run("prevalence", tiny, AnalysisParams(by="site"))
    meta = {
        "kind": "prevalence",
        "snapshot": "abc",
        "disclosure": {"k": 1, "suppression": "applied"},
    }
    body = FORMATS[fmt].write(table, meta)
    assert body == FORMATS[fmt].write(table.clone(), dict(meta))
    readers = {
        "json": lambda b: pl.DataFrame(json.loads(b)["rows"], schema=table.schema),
        "csv": lambda b: pl.read_csv(io.BytesIO(b), schema=table.schema),
        "parquet": lambda b: pl.read_parquet(io.BytesIO(b)),
    }
    assert readers[fmt](body).equals(table)


def test_json_answers_carry_what_makes_them_citable(tiny) -> None:
    table = run("prevalence", tiny, AnalysisParams(by="site"))
    meta = {"kind": "prevalence", "snapshot": "abc", "disclosure": {"k": 1, "suppression": "none"}}
    document = json.loads(FORMATS["json"].write(table, meta))
    assert document["snapshot"] == "abc"
    assert document["disclosure"]["suppression"] == "none"
    assert document["columns"] == table.columns


def test_parquet_answers_carry_metadata(tiny) -> None:
    table = run("prevalence", tiny, AnalysisParams(by="site"))
    body = FORMATS["parquet"].write(table, {"snapshot": "abc"})
    metadata = pl.read_parquet_metadata(io.BytesIO(body))
    assert json.loads(metadata["civicfutures.snapshot"]) == "abc"


# Requests that differ in scope, presence rule or grouping, run one after the other on the
# same snapshot object, which keeps the frames they share.
SHARED_SNAPSHOT_REQUESTS = [
    AnalysisParams(),
    AnalysisParams(sites=("alpha",)),
    AnalysisParams(by="country"),
    AnalysisParams(story_kind="present"),
    AnalysisParams(presence="majority"),
    AnalysisParams(presence="coder:b"),
    AnalysisParams(by="story_kind", sites=("beta",)),
    AnalysisParams(date_to=dt.date(2025, 3, 20)),
    AnalysisParams(via="workshop"),
]


@pytest.mark.parametrize("kind", KINDS)
def test_a_held_snapshot_answers_each_request_as_a_fresh_one_would(tiny_with, kind: str) -> None:
    held = tiny_with()
    for params in SHARED_SNAPSHOT_REQUESTS:
        if kind == "breakdown" and params.by is not None:
            continue
        fresh = tiny_with()
        assert run(kind, held, params).equals(run(kind, fresh, params)), params
    # The shared frames were kept (the quality checks read the story texts from the files).
    assert held._derived or kind == "quality"


def canonical_pairs(frame: pl.DataFrame) -> pl.DataFrame:
    turned = pl.col("theme_a") > pl.col("theme_b")
    swaps = {"theme_a": "theme_b", "theme_b": "theme_a", "stories_a": "stories_b",
             "stories_b": "stories_a"}  # fmt: skip
    return frame.with_columns(
        pl.when(turned).then(pl.col(other)).otherwise(pl.col(name)).alias(name)
        for name, other in swaps.items()
    )


# Theme keys that are also the names of columns the insights compute with.
CLASHING_KEYS = {"ch1": "links", "ch2": "total", "vi1": "theme"}


@pytest.mark.parametrize("kind", KINDS)
def test_theme_keys_that_name_columns_are_only_theme_keys(frames, tiny_with, kind: str) -> None:
    renamed = {
        "codings": {
            **frames["codings"],
            "theme": [CLASHING_KEYS[t] for t in frames["codings"]["theme"]],
        },
        "themes": {
            **frames["themes"],
            "theme": [CLASHING_KEYS[t] for t in frames["themes"]["theme"]],
        },
    }
    clashing = run(kind, tiny_with(renamed), AnalysisParams())
    plain = run(kind, tiny_with(), AnalysisParams())
    for column in ("theme", "theme_a", "theme_b", "challenge", "vision"):
        if column in plain.columns:
            plain = plain.with_columns(pl.col(column).replace(CLASHING_KEYS))
    if kind == "cooccurrence":
        # Pairs are named in the order of their keys: renamed, some pairs turn round.
        clashing, plain = (canonical_pairs(frame) for frame in (clashing, plain))
    order = list(INSIGHTS[kind].order)
    descending = list(INSIGHTS[kind].descending) or False
    assert clashing.equals(plain.sort(order, descending=descending, nulls_last=True))
