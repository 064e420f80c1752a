"""A snapshot's kept frames: built once, shared between threads, rebuilt after a failure."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import polars as pl
import pytest

from civicfutures.analysis.dataset import snapshot_from_frames
from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.suite import KINDS, run, run_many


def _slow(value: int, calls: list[int], pause: float = 0.2):
    def build() -> pl.LazyFrame:
        calls.append(value)
        time.sleep(pause)
        return pl.LazyFrame({"value": [value]})

    return build


def test_threads_asking_for_one_frame_share_a_single_build() -> None:
    snapshot = snapshot_from_frames({})
    calls: list[int] = []
    with ThreadPoolExecutor(6) as pool:
        frames = list(pool.map(lambda _: snapshot.derived(("k",), _slow(1, calls)), range(6)))
    assert calls == [1]
    assert [f.collect()["value"].to_list() for f in frames] == [[1]] * 6


def test_different_frames_are_built_side_by_side() -> None:
    snapshot = snapshot_from_frames({})
    inside = threading.Barrier(2, timeout=5)

    def build(value: int):
        def wait_for_the_other() -> pl.LazyFrame:
            inside.wait()  # only passes when both builds run at the same time
            return pl.LazyFrame({"value": [value]})

        return wait_for_the_other

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(snapshot.derived, ("a",), build(1))
        second = pool.submit(snapshot.derived, ("b",), build(2))
        assert first.result().collect().item() == 1
        assert second.result().collect().item() == 2


def test_a_failed_build_is_not_kept_and_the_next_caller_builds_again() -> None:
    snapshot = snapshot_from_frames({})

    def broken() -> pl.LazyFrame:
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError, match="disk gone"):
        snapshot.derived(("k",), broken)
    calls: list[int] = []
    assert snapshot.derived(("k",), _slow(7, calls, pause=0)).collect().item() == 7
    assert calls == [7]


def test_run_many_answers_as_runs_one_at_a_time_do(tiny_with) -> None:
    requests = [(kind, AnalysisParams()) for kind in KINDS] + [
        ("prevalence", AnalysisParams(by="country")),
        ("prevalence", AnalysisParams(presence="majority", sites=("alpha",))),
    ]
    together = run_many(tiny_with(), requests)
    for (kind, params), table in zip(requests, together, strict=True):
        assert table.equals(run(kind, tiny_with(), params)), (kind, params)
