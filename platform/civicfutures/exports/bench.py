"""Benchmark of the stories export beside its peer: Parquet and CSV, time, CPU and peak memory.

Not a test. `civicfutures bench exports` (or `python -m civicfutures.exports.bench`), at 10^4,
10^5 and 10^6 stories unless `--stories` says otherwise:
1. a child process writes a synthetic snapshot of N stories (the analysis corpus: 200 sites,
   60 themes, 1–6 codings per story, a translation for half of them) with story and
   translation texts of realistic length (~0.6–1.5 kB, Polish and Italian letters included);
2. for each format, a small meter process runs the export in its own child and reads that
   child's peak resident memory and CPU time with `resource.getrusage(RUSAGE_CHILDREN)` once
   it has ended, so each figure belongs to one export alone. The export runs with two Polars
   threads (the 2-core budget) and is read lazily from the snapshot's Parquet files;
3. the peer, in another metered child: the exact frame the export writes (the same plan,
   collected beforehand and not timed), then Polars' own `write_parquet` / `write_csv` with
   the export's options, timed alone;
4. the figures are printed with the load average before and after; the command fails when an
   export passes the memory budget or takes more than twice its peer's time at the largest size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BUDGET_BYTES = int(1.5 * 1024**3)
PEER_RATIO = 2.0
SIZES = (10_000, 100_000, 1_000_000)
FORMATS = ("parquet", "csv")
SENTENCES = [
    "Na zebraniu rady dzielnicy zabrakło miejsca dla młodzieży, więc wyszliśmy przed końcem.",
    "Chcemy decydować o budżecie szkoły, a nie tylko słuchać, co postanowiono za nas.",
    "In piazza abbiamo discusso per ore del nuovo parcheggio, ma la decisione era già presa.",
    "La consulta di quartiere funziona solo quando qualcuno risponde davvero alle proposte.",
    "Vallamaja võiks tulla bussiga külla, et vanemad inimesed saaksid kaasa rääkida.",
    "The consultation closed before anyone in our street had even heard that it existed.",
    "Everyone in the room spoke a different first language, and still we agreed on a plan.",
    "In 2040 every district has an assembly drawn by lot, and its advice is answered in writing.",
    "The forms were only online, and the library that used to help us had closed its doors.",
    "Our petition waited eight months in the system before anyone read it at the town hall.",
    "Młodzi ludzie wracają do miasta, bo wreszcie mają wpływ na to, jak ono wygląda.",
    "Il voto elettronico era sicuro, ma nessuno aveva spiegato come usarlo agli anziani.",
]


def _texts(ids, sentences: int, salt: int):
    """A text per id of `sentences` sentences from the pool, chosen by the id."""
    import polars as pl

    pool = pl.Series(SENTENCES)
    picks = [
        pool.gather((ids * (2 * i + 3) + salt * 5 + i * 7) % len(SENTENCES))
        for i in range(sentences)
    ]
    return pl.concat_str(picks, separator=" ")


def prepare(stories: int, root: Path) -> Path:
    """Write the synthetic snapshot and the translation texts under `root`; returns the snapshot."""
    import polars as pl

    from civicfutures.analysis.snapshot import write_snapshot
    from civicfutures.analysis.synthetic import MANIFEST, corpus

    tables = corpus(stories)
    story_ids = tables["stories"]["story_id"]
    body = pl.select(
        pl.when(story_ids % 3 == 0)
        .then(_texts(story_ids, 16, 1))
        .when(story_ids % 3 == 1)
        .then(_texts(story_ids, 10, 2))
        .otherwise(_texts(story_ids, 7, 3))
    ).to_series()
    tables["stories"] = tables["stories"].with_columns(
        title=pl.lit("Opowieść ") + story_ids.cast(pl.String), body=body
    )
    info = write_snapshot(tables, root, dict(MANIFEST))
    del tables, body
    translated = pl.read_parquet(info.path / "translations.parquet")
    ids = translated["story_id"]
    extras = root / "extras"
    extras.mkdir(parents=True, exist_ok=True)
    translated.with_columns(
        title=pl.lit("Story ") + ids.cast(pl.String), body=_texts(ids, 9, 4)
    ).select("story_id", "language", "title", "body", "origin", "reviewed").write_parquet(
        extras / "translations.parquet"
    )
    pl.DataFrame(schema={"storyteller_id": pl.Int64, "code": pl.String}).write_parquet(
        extras / "codes.parquet"
    )
    return info.path


def open_synthetic(snapshot_dir: Path, extras: Path, fmt: str):
    """The export's data and notes for a synthetic snapshot on disk, as the service opens them."""
    import polars as pl

    from civicfutures.analysis.snapshot import load_snapshot
    from civicfutures.exports.dataset import open_dataset
    from civicfutures.exports.notes import ExportNotes
    from civicfutures.exports.scope import ExportScope
    from civicfutures.exports.source import ExportInputs

    snapshot = load_snapshot(snapshot_dir)
    sites = snapshot["sites"].collect()
    labels = snapshot["theme_labels"].collect()
    themes = [
        {
            "key": row["theme"],
            "kind": row["kind"],
            "parent": row["parent"],
            "labels": {
                r["language"]: r["label"]
                for r in labels.filter(pl.col("theme") == row["theme"]).iter_rows(named=True)
            }
            or {"en": row["label_en"]},
            "descriptions": {},
        }
        for row in snapshot["themes"].collect().iter_rows(named=True)
    ]
    project = {
        "id": 1,
        "slug": snapshot.project,
        "name": "Synthetic project",
        "default_language": "en",
        "demographics": [{"name": n, "choices": []} for n in snapshot.demographic_attributes],
    }
    scope = ExportScope(
        project=project,
        sites=[
            {
                "id": s["site_id"],
                "slug": s["site"],
                "name": s["name"],
                "country": s["country"],
                "languages": s["languages"],
            }
            for s in sites.iter_rows(named=True)
        ],
        lang="en",
        codes=False,
        codes_requested=False,
    )
    counts = snapshot["stories"].select(pl.len()).collect().item()
    tellers = snapshot["storytellers"].select(pl.len()).collect().item()
    inputs = ExportInputs(
        snapshot=snapshot,
        paths={"translations": extras / "translations.parquet", "codes": extras / "codes.parquet"},
        themes=themes,
        stories_in_scope=counts,
        storytellers_in_scope=tellers,
    )
    notes = ExportNotes(project=snapshot.project, kind="stories", format=fmt, lang="en", sites=[])
    return open_dataset(inputs, scope, notes), notes


def export_snapshot(snapshot_dir: Path, extras: Path, fmt: str, out: Path) -> dict:
    """The stories export of a snapshot on disk, as the service runs it, timed from opening the
    snapshot to the closed file (the process's start-up left out, as for the peer)."""
    import time

    from civicfutures.exports.registry import EXPORTS

    wall, cpu = time.perf_counter(), time.process_time()
    data, notes = open_synthetic(snapshot_dir, extras, fmt)
    work = out.parent / f"work-{fmt}"
    work.mkdir(exist_ok=True)
    EXPORTS["stories"][fmt].writer(data, out, notes, work)
    return {
        "export_seconds": time.perf_counter() - wall,
        "export_cpu_seconds": time.process_time() - cpu,
        "rows": notes.stories_exported,
    }


def peer_snapshot(snapshot_dir: Path, extras: Path, fmt: str, out: Path) -> dict:
    """Polars' own writer on the exact frame the export writes, built beforehand and untimed."""
    import time

    from civicfutures.exports.categories import categorical_stories
    from civicfutures.exports.stories import stories_table
    from civicfutures.exports.tabular import (
        CSV_DATE_FORMAT,
        PARQUET_COMPRESSION,
        PARQUET_ROW_GROUP_ROWS,
    )

    data, _notes = open_synthetic(snapshot_dir, extras, fmt)
    plan = categorical_stories(data) if fmt == "parquet" else stories_table(data, text=True)
    frame = plan.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    if fmt == "parquet":
        frame.write_parquet(
            out, compression=PARQUET_COMPRESSION, row_group_size=PARQUET_ROW_GROUP_ROWS
        )
    else:
        frame.write_csv(out, date_format=CSV_DATE_FORMAT)
    return {
        "write_seconds": time.perf_counter() - wall,
        "write_cpu_seconds": time.process_time() - cpu,
        "rows": frame.height,
    }


METER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:])
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "seconds": seconds,
    "cpu_seconds": usage.ru_utime + usage.ru_stime,
    "peak_bytes": usage.ru_maxrss * 1024,
    "status": done.returncode,
}))
"""


def measured(argv: list[str], env: dict[str, str]) -> dict:
    """Run `argv` under a fresh meter process: wall and CPU time, and the peak RSS of `argv` alone."""
    result = subprocess.run(
        [sys.executable, "-c", METER, *argv], capture_output=True, text=True, env=env, check=True
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    if figures["status"] != 0:
        raise RuntimeError(f"{argv} failed with status {figures['status']}")
    return figures


def run_size(
    stories: int, root: Path, env: dict[str, str], echo=print, formats=FORMATS
) -> list[dict]:
    """Prepare (or reuse) the corpus of `stories` under `root`; each format's export and peer."""
    me = [sys.executable, "-m", "civicfutures.exports.bench"]
    figures = []
    if not (root / "snapshot.txt").exists():
        echo(f"... writing a synthetic snapshot of {stories:,} stories")
        root.mkdir(parents=True, exist_ok=True)
        measured([*me, "--prepare", str(stories), "--root", str(root)], env)
    snapshot = (root / "snapshot.txt").read_text().strip()
    for fmt in formats:
        out = root / f"stories.{fmt}"
        echo(f"... {stories:,} stories: exporting to {fmt}")
        common = ["--snapshot", snapshot, "--root", str(root)]
        ours = measured([*me, "--worker", fmt, *common, "--out", str(out)], env)
        exported = json.loads(out.with_name(out.name + ".json").read_text())
        size = out.stat().st_size
        echo(f"... {stories:,} stories: Polars' own {fmt} writer on the same frame")
        peer_out = root / f"peer.{fmt}"
        peer = measured([*me, "--peer", fmt, *common, "--out", str(peer_out)], env)
        written = json.loads(peer_out.with_name(peer_out.name + ".json").read_text())
        figures.append(
            {
                "stories": stories,
                "format": fmt,
                "rows": exported["rows"],
                "size_bytes": size,
                "seconds": exported["export_seconds"],
                "cpu_seconds": exported["export_cpu_seconds"],
                "process_seconds": ours["seconds"],
                "peak_bytes": ours["peak_bytes"],
                "peer_seconds": written["write_seconds"],
                "peer_cpu_seconds": written["write_cpu_seconds"],
                "peer_rows": written["rows"],
                "peer_peak_bytes": peer["peak_bytes"],
                "peer_size_bytes": peer_out.stat().st_size,
            }
        )
        for path in (out, peer_out):
            path.unlink()
    return figures


def run(sizes: list[int], keep: Path | None = None, echo=print, formats=FORMATS) -> list[dict]:
    """Run every size measured, smallest first, and return the figures."""
    root = Path(tempfile.mkdtemp(prefix="civicfutures-bench-export-")) if keep is None else keep
    env = {**os.environ, "POLARS_MAX_THREADS": "2"}
    try:
        figures = []
        for stories in sorted(sizes):
            figures += run_size(stories, root / str(stories), env, echo, formats)
            if keep is None:
                shutil.rmtree(root / str(stories), ignore_errors=True)
        return figures
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def render(figures: list[dict], load_before: str) -> str:
    mib = 1024**2
    lines = [
        f"stories export beside Polars' own writer on the same frame: 2 Polars threads, "
        f"{os.cpu_count()} cores, memory budget {BUDGET_BYTES / 1024**3:.1f} GiB",
        f"load average before: {load_before}; after: {load_average()}",
        f"{'stories':>9} {'format':<8} {'export s':>9} {'cpu s':>7} {'peak MiB':>9} "
        f"{'peer s':>7} {'cpu s':>7} {'ratio':>6} {'cpu ratio':>9} {'file MiB':>9} {'peer MiB':>9}",
    ]
    for f in figures:
        lines.append(
            f"{f['stories']:>9,} {f['format']:<8} {f['seconds']:>9.2f} {f['cpu_seconds']:>7.2f} "
            f"{f['peak_bytes'] / mib:>9.0f} {f['peer_seconds']:>7.2f} {f['peer_cpu_seconds']:>7.2f} "
            f"{f['seconds'] / f['peer_seconds']:>6.1f} "
            f"{f['cpu_seconds'] / max(f['peer_cpu_seconds'], 1e-9):>9.1f} "
            f"{f['size_bytes'] / mib:>9.1f} {f['peer_size_bytes'] / mib:>9.1f}"
        )
    lines.append(
        "export s: the export from opening the snapshot to the closed file, in its own process "
        "(start-up left out); peer s: the write alone of the same frame, materialised "
        "beforehand; ratio = export s / peer s; peak: the export's whole process."
    )
    return "\n".join(lines)


def failures(figures: list[dict]) -> list[str]:
    """What the largest size breaks: the memory budget, twice the peer's time, the row count."""
    largest = max(f["stories"] for f in figures)
    out = []
    for f in figures:
        name = f"{f['stories']:,} {f['format']}"
        if f["rows"] != f["peer_rows"]:
            out.append(f"{name}: {f['rows']} rows exported, the peer wrote {f['peer_rows']}")
        if f["peak_bytes"] > BUDGET_BYTES:
            out.append(f"{name}: peak {f['peak_bytes'] / 1024**2:.0f} MiB over the budget")
        if f["stories"] == largest and f["seconds"] > PEER_RATIO * f["peer_seconds"]:
            out.append(f"{name}: {f['seconds'] / f['peer_seconds']:.1f}x the peer's time")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, action="append", default=None)
    parser.add_argument(
        "--keep", type=Path, default=None, help="Keep the corpora in this folder (and reuse them)."
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        action="append",
        default=None,
        help="Only this format (repeatable; default: every one).",
    )
    parser.add_argument("--prepare", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--worker", choices=FORMATS, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--peer", choices=FORMATS, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--snapshot", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare is not None:
        path = prepare(args.prepare, args.root)
        (args.root / "snapshot.txt").write_text(str(path))
        return 0
    if args.worker is not None:
        exported = export_snapshot(args.snapshot, args.root / "extras", args.worker, args.out)
        args.out.with_name(args.out.name + ".json").write_text(json.dumps(exported))
        return 0
    if args.peer is not None:
        written = peer_snapshot(args.snapshot, args.root / "extras", args.peer, args.out)
        args.out.with_name(args.out.name + ".json").write_text(json.dumps(written))
        return 0
    before = load_average()
    figures = run(args.stories or list(SIZES), args.keep, formats=args.format or FORMATS)
    print(render(figures, before))
    broken = failures(figures)
    for line in broken:
        print(f"FAILED {line}")
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
