"""Benchmark of the analysis suite: Polars against the same computations in DuckDB SQL.

For each size N it generates the synthetic corpus (`synthetic.py`: 200 sites in 30 countries,
60 themes, 1–6 codings per story, demographics) and writes it as a snapshot a million stories
at a time (`synthetic.write_corpus`), then runs the suite `repeat` times per engine, each engine in its own process so its
peak memory (max RSS of that process, from `wait4`) is its own. Polars plans and collects each
analysis once, as a request does, two at a time (`suite.run_many`, as a briefing runs
them); DuckDB reads each Parquet file once per run into temporary tables (`duckdb_suite.connect`),
then runs one query per analysis over them, with two threads. The suite is the ten tables of
`duckdb_suite.SUITE`: prevalence by site, country and age band, the site comparison with
its tests, the breakdown by age band, co-occurrence, links, coder agreement,
representativeness and the quick quality checks, each with disclosure control. Both engines
read the same Parquet files and share the Python code for p-values and suppression.

Not a test: run it with `civicfutures bench analysis --stories 1000000` or
`python -m civicfutures.analysis.bench --stories 100000`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

# Powers of ten, so that a reader sees how the cost grows with the corpus.
DEFAULT_SIZES = [10_000, 100_000, 1_000_000, 10_000_000]


def _polars_suite(directory: Path) -> list:
    from civicfutures.analysis.duckdb_suite import SUITE
    from civicfutures.analysis.params import AnalysisParams
    from civicfutures.analysis.snapshot import load_snapshot
    from civicfutures.analysis.suite import run_many

    snapshot = load_snapshot(directory)
    base = AnalysisParams(detect_language=False, near_duplicates=False)
    # One plan and one collect per analysis, as a request runs it; several at once, as a
    # briefing runs them. (`pl.collect_all` shares the common sub-plans but was no faster
    # here and held twice the memory.)
    return run_many(snapshot, [(kind, replace(base, by=by)) for _, kind, by, _ in SUITE])


def _duckdb_suite(directory: Path) -> list:
    from civicfutures.analysis.duckdb_suite import run_suite
    from civicfutures.analysis.snapshot import read_manifest

    k = int(read_manifest(directory).get("disclosure_threshold", 5))
    return list(run_suite(directory, k).values())


ENGINES = {"polars": _polars_suite, "duckdb": _duckdb_suite}


def _child(engine: str, directory: Path, repeat: int) -> None:
    """Run one engine's suite `repeat` times and print the timings as JSON."""
    run = ENGINES[engine]
    # Both engines' modules load before the clock starts: import time is not analysis time.
    for module in ("duckdb_suite", "snapshot", "suite"):
        importlib.import_module(f"civicfutures.analysis.{module}")

    times = []
    cpu = []
    rows = 0
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        tables = run(directory)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        rows = sum(t.height for t in tables)
    print(json.dumps({"engine": engine, "times": times, "cpu": cpu, "rows": rows}))


def _measure(engine: str, directory: Path, repeat: int) -> dict:
    """Start a process for one engine; its timings, and its own peak memory."""
    command = [sys.executable, "-m", "civicfutures.analysis.bench", "--child", engine]
    command += ["--snapshot", str(directory), "--repeat", str(repeat)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{engine} benchmark failed with exit code {process.returncode}")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_mib"] = usage.ru_maxrss / 1024  # Linux reports KiB
    return result


def _write_corpus(stories: int, root: Path) -> Path:
    """Generate and snapshot the corpus in a child process, so this process stays small.

    (On Linux a child's peak RSS starts from its parent's size at fork time: a driver holding
    the corpus would inflate every engine's figure.)
    """
    command = [sys.executable, "-m", "civicfutures.analysis.bench", "--generate", str(stories)]
    command += ["--snapshot", str(root)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return Path(output.strip().splitlines()[-1])


def _generate(stories: int, root: Path) -> None:
    from civicfutures.analysis.synthetic import write_corpus

    print(write_corpus(stories, root))


def _load() -> str:
    return "/".join(f"{load:.1f}" for load in os.getloadavg())


def _cell(figures: dict[str, dict], engine: str, key: str, spec: str) -> str:
    """One engine's figure (the median of its runs, or its peak), blank when not run."""
    if engine not in figures:
        return "-"
    value = figures[engine][key]
    return format(statistics.median(value) if isinstance(value, list) else value, spec)


def run_bench(sizes: list[int], repeat: int = 3, engines: tuple[str, ...] = tuple(ENGINES)) -> None:
    """Generate, snapshot and time the suite for each size; print one line per size.

    Each line gives both engines' wall and CPU seconds (medians), their ratio, each one's
    peak memory, the load average before and after, and the growth of the Polars time
    over the previous size divided by the growth of the corpus (1.00: linear).
    """
    header = (
        f"{'stories':>10}  {'codings':>10}  {'polars s':>9}  {'cpu s':>7}  {'duckdb s':>9}  "
        f"{'cpu s':>7}  {'ratio':>6}  {'polars MiB':>10}  {'duckdb MiB':>10}  {'growth':>6}  "
        "load before -> after"
    )
    print(f"analysis suite, median of {repeat} runs, {os.cpu_count()} cores")
    print(header)
    previous: tuple[int, float] | None = None
    for stories in sizes:
        root = Path(tempfile.mkdtemp(prefix="civicfutures-bench-"))
        try:
            directory = _write_corpus(stories, root)
            manifest = json.loads((directory / "manifest.json").read_text())
            codings = manifest["tables"]["codings"]["rows"]
            before = _load()
            figures = {engine: _measure(engine, directory, repeat) for engine in engines}
            after = _load()
        finally:
            shutil.rmtree(root, ignore_errors=True)
        ratio = growth = "-"
        if "polars" in figures and "duckdb" in figures:
            polars_s = statistics.median(figures["polars"]["times"])
            ratio = f"{polars_s / statistics.median(figures['duckdb']['times']):.2f}"
        if "polars" in figures:
            polars_s = statistics.median(figures["polars"]["times"])
            if previous is not None:
                growth = f"{polars_s / previous[1] / (stories / previous[0]):.2f}"
            previous = (stories, polars_s)
        print(
            f"{stories:>10,}  {codings:>10,}  {_cell(figures, 'polars', 'times', '>9.3f')}  "
            f"{_cell(figures, 'polars', 'cpu', '>7.2f')}  "
            f"{_cell(figures, 'duckdb', 'times', '>9.3f')}  "
            f"{_cell(figures, 'duckdb', 'cpu', '>7.2f')}  {ratio:>6}  "
            f"{_cell(figures, 'polars', 'peak_mib', '>10.0f')}  "
            f"{_cell(figures, 'duckdb', 'peak_mib', '>10.0f')}  {growth:>6}  {before} -> {after}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, action="append")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=sorted(ENGINES))
    parser.add_argument("--snapshot", type=Path)
    parser.add_argument("--generate", type=int)
    parser.add_argument("--engine", choices=sorted(ENGINES), action="append")
    args = parser.parse_args(argv)
    if args.generate:
        _generate(args.generate, args.snapshot)
    elif args.child:
        _child(args.child, args.snapshot, args.repeat)
    else:
        run_bench(args.stories or DEFAULT_SIZES, args.repeat, tuple(args.engine or ENGINES))


if __name__ == "__main__":
    main()
