"""Benchmark (not a test): a cross-site briefing over synthetic snapshots of 10^4, 10^5 and
10^6 stories, end to end, and the XLSX writer on 100,000 rows. Targets on a 2-core machine:
≤ 5 s at 10^6 stories and ≤ 5 s for the XLSX.

The snapshot is the analysis package's synthetic corpus (200 sites, 30 countries, 60 themes)
held in memory, so the figure is the briefing's own work: every analysis, the sections, the
two charts and all the writers with the manifest. Its generation is timed apart. Each phase
is given in wall seconds and in CPU seconds of this process and its children (charts and the
PDF are drawn in a child), so a reader can tell the work from the machine's load; the growth
from one size to the next shows what grows with the stories and what does not.
"""

from __future__ import annotations

import itertools
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BRIEFING_TARGET_S = 5.0
XLSX_TARGET_S = 5.0
SIZES = (10_000, 100_000, 1_000_000)
PHASES = ("analyses", "sections", "write", "total")


def _timed(work: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def cpu_seconds() -> float:
    """User and system time of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _metered(work: Callable[[], Any]) -> tuple[Any, float, float]:
    """The result, wall seconds and CPU seconds of `work`."""
    cpu = cpu_seconds()
    result, wall = _timed(work)
    return result, wall, cpu_seconds() - cpu


def load() -> str:
    try:
        return " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def synthetic(stories: int, sites: int) -> tuple[Any, float]:
    """The analysis package's synthetic corpus, held in memory as a loaded snapshot would be."""
    from civicfutures.analysis.dataset import Snapshot
    from civicfutures.analysis.synthetic import synthetic_snapshot

    def make() -> Snapshot:
        snapshot = synthetic_snapshot(stories, sites=sites)
        tables = {name: frame.collect().lazy() for name, frame in snapshot.tables.items()}
        return Snapshot(tables=tables, manifest={**snapshot.manifest, "snapshot_id": "synthetic"})

    return _timed(make)


def bench_briefing(snapshot: Any, directory: Path) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds of one cross-site briefing: analyses, then sections and charts,
    then the writers, and their sum."""
    from civicfutures.briefings.build import assemble, manifest_facts, write_briefing
    from civicfutures.briefings.compute import compute
    from civicfutures.briefings.drawing import DrawingProcess
    from civicfutures.briefings.inputs import Inputs
    from civicfutures.briefings.params import BriefingParams, briefing_id

    params = BriefingParams(
        project="synthetic", site=None, language="en", date_from=None, date_to=None, k=5
    )
    inputs = Inputs(
        project_name="Synthetic project",
        project_default="en",
        site_languages=[],
        attributes=[],
        insights=[],
        theory=[],
    )
    identifier = briefing_id(snapshot.id, params, inputs.digest())

    def analyse() -> tuple[Any, Any]:
        # As the service builds: the drawing process gets ready while the analyses run.
        drawing = DrawingProcess()
        return drawing, compute(snapshot, params)

    (drawing, results), *analysed = _metered(analyse)
    briefing, *laid_out = _metered(
        lambda: assemble(snapshot, params, inputs, identifier, results, drawing=drawing)
    )
    _manifest, *written = _metered(
        lambda: write_briefing(
            briefing, directory, manifest_facts(briefing, snapshot, inputs), drawing=drawing
        )
    )
    times = {"analyses": analysed, "sections": laid_out, "write": written}
    times["total"] = [sum(phase[i] for phase in times.values()) for i in (0, 1)]
    return {name: (wall, cpu) for name, (wall, cpu) in times.items()}


def bench_plans(snapshot: Any) -> list[tuple[str, float]]:
    """Each table of the briefing collected alone, slowest first (where the time goes).

    The frames the analyses share (scope, theme sets, prevalence cells) are built while the
    tables are planned, so these times are what each table adds on top of them.
    """
    from civicfutures.briefings.compute import QUALITY_DETAIL_LIMIT, _plans
    from civicfutures.briefings.params import BriefingParams

    params = BriefingParams(
        project="synthetic", site=None, language="en", date_from=None, date_to=None, k=5
    )
    import polars as pl

    size = snapshot["stories"].select(pl.len()).collect().item()
    plans = _plans(snapshot, params, size <= QUALITY_DETAIL_LIMIT)
    times = [(name, _timed(lambda plan=plan: plan().collect())[1]) for name, plan in plans.items()]
    return sorted(times, key=lambda item: item[1], reverse=True)


def bench_xlsx(rows: int, directory: Path) -> float:
    """Seconds to write a 100,000-row table (text, counts, shares, flags) as XLSX."""
    import polars as pl

    from civicfutures.briefings.document import Briefing
    from civicfutures.briefings.renderers.to_xlsx import render_xlsx
    from civicfutures.briefings.tables import COUNT, FLAG, SHARE, Column, Table
    from civicfutures.i18n import use_locale

    frame = pl.DataFrame(
        {
            "theme": [f"t{i % 60:02d}" for i in range(rows)],
            "theme_label": [
                ("=HYPERLINK(x)" if i % 997 == 0 else f"Theme {i % 60}") for i in range(rows)
            ],
            "site": [f"Site {i % 200}" for i in range(rows)],
            "stories": [i % 500 for i in range(rows)],
            "total": [500 + i % 97 for i in range(rows)],
            "share": [(i % 500) / 597 for i in range(rows)],
            "suppressed": [i % 13 == 0 for i in range(rows)],
        }
    )
    guard = ("suppressed",)
    table = Table(
        name="large",
        title="Large table",
        columns=[
            Column("theme", "Theme key", people=False),
            Column("theme_label", "Theme"),
            Column("site", "Site"),
            Column("stories", "Stories", COUNT, guard),
            Column("total", "All stories", COUNT),
            Column("share", "Share", SHARE, guard),
            Column("suppressed", "Suppressed", FLAG, people=False),
        ],
        frame=frame,
    )
    briefing = Briefing(
        id="0" * 24,
        language="en",
        direction="ltr",
        title="XLSX benchmark",
        subtitle="100,000 rows",
        k=5,
        sections=[],
        tables={"large": table},
        labels={
            "about": "About",
            "briefing_id": "Briefing",
            "snapshot": "Snapshot",
            "suppression": "Disclosure control",
            "suppression_note": "k = 5",
            "sheet": "Sheet",
            "contents": "Contents",
        },
    )
    with use_locale("en"):
        _none, seconds = _timed(lambda: render_xlsx(briefing, directory / "bench.xlsx"))
    return seconds


def _growth(times: dict[int, dict[str, tuple[float, float]]], phase: str) -> str:
    """Each size's CPU seconds over the previous size's, beside the ratio of stories."""
    sizes = sorted(times)
    steps = [
        f"x{times[b][phase][1] / times[a][phase][1]:.1f} for x{b / a:g} stories"
        for a, b in itertools.pairwise(sizes)
        if times[a][phase][1] > 0
    ]
    return ", ".join(steps) or "–"


def run(
    sizes: list[int],
    sites: int,
    xlsx_rows: int,
    plans: bool = False,
    keep: Path | None = None,
    echo: Callable[[str], Any] = print,
) -> None:
    """A cross-site briefing over synthetic snapshots of each size, and the XLSX writer alone;
    `echo` tells."""
    directory = keep or Path(tempfile.mkdtemp(prefix="civicfutures-bench-briefing-"))
    directory.mkdir(parents=True, exist_ok=True)
    labels = {
        "analyses": "analyses (civicfutures.analysis)",
        "sections": "sections, labels and the two charts",
        "write": "writers, manifest and zip (PDF laid out in a child process meanwhile)",
        "total": "briefing end to end",
    }
    times: dict[int, dict[str, tuple[float, float]]] = {}
    try:
        echo(f"load average before: {load()}  (2 cores: figures are noisy above ~1.5)")
        snapshot = None
        for stories in sorted(sizes):
            snapshot = None  # the previous size's frames are let go before the next is made
            snapshot, generated = synthetic(stories, sites)
            echo(
                f"{stories:,} stories over {sites} sites (snapshot made in {generated:.2f} s, "
                f"not counted), load {load()}:"
            )
            times[stories] = bench_briefing(snapshot, directory / f"briefing-{stories}")
            for phase in PHASES:
                wall, cpu = times[stories][phase]
                echo(f"  {labels[phase]:70s} {wall:7.2f} s wall {cpu:7.2f} s CPU")
            wall = times[stories]["total"][0]
            if stories == 1_000_000:
                verdict = "ok" if wall <= BRIEFING_TARGET_S else "over target"
                echo(f"  target at 1,000,000 stories ≤ {BRIEFING_TARGET_S:.0f} s: {verdict}")
            echo(f"  load average after this size: {load()}")
        if len(times) > 1:
            echo("growth of the CPU seconds from one size to the next:")
            for phase in PHASES:
                echo(f"  {phase:10s} {_growth(times, phase)}")
        seconds = bench_xlsx(xlsx_rows, directory)
        verdict = "ok" if seconds <= XLSX_TARGET_S else "over target"
        echo(
            f"XLSX writer, {xlsx_rows:,} rows: {seconds:.2f} s (target ≤ {XLSX_TARGET_S:.0f} s: {verdict})"
        )
        if plans and snapshot is not None:
            echo("each table alone at the largest size, once the shared frames are built:")
            for name, took in bench_plans(snapshot):
                echo(f"  {name:30s} {took:7.2f} s")
        echo(f"load average after: {load()}")
    finally:
        if keep is None:
            shutil.rmtree(directory, ignore_errors=True)
