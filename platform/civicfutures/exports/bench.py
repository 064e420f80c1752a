"""Benchmark of streaming exports: N synthetic stories to Parquet and to CSV, time and peak memory.

Not a test. `civicfutures bench export --stories 1000000` (or `python -m
civicfutures.exports.bench --stories 1000000`):
1. a child process writes a synthetic snapshot of N stories (the analysis corpus: 200 sites,
   60 themes, 1–6 codings per story, a translation for half of them) with story and
   translation texts of realistic length (~0.6–1.5 kB, Polish and Italian letters included);
2. for each format, a small meter process runs the export in its own child and reads that
   child's peak resident memory with `resource.getrusage(RUSAGE_CHILDREN)` once it has
   ended, so each figure belongs to one export alone. The export runs with two Polars threads
   (the 2-core budget) and is read lazily from the snapshot's Parquet files;
3. the figures are printed; the command fails when an export passes the memory budget.
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

BUDGET_BYTES = 4 * 1024**3
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


def export_snapshot(snapshot_dir: Path, extras: Path, fmt: str, out: Path) -> int:
    """The stories export of a snapshot on disk, as the service runs it; returns the rows."""
    import polars as pl

    from civicfutures.analysis.snapshot import load_snapshot
    from civicfutures.exports.dataset import open_dataset
    from civicfutures.exports.notes import ExportNotes
    from civicfutures.exports.registry import EXPORTS
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
    data = open_dataset(inputs, scope, notes)
    work = out.parent / f"work-{fmt}"
    work.mkdir(exist_ok=True)
    EXPORTS["stories"][fmt].writer(data, out, notes, work)
    return notes.stories_exported


METER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:])
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak_bytes": peak, "status": done.returncode}))
"""


def measured(argv: list[str], env: dict[str, str]) -> dict:
    """Run `argv` under a fresh meter process: wall time and the peak RSS of `argv` alone."""
    result = subprocess.run(
        [sys.executable, "-c", METER, *argv], capture_output=True, text=True, env=env, check=True
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    if figures["status"] != 0:
        raise RuntimeError(f"{argv} failed with status {figures['status']}")
    return figures


def run(stories: int, keep: Path | None = None, echo=print) -> list[dict]:
    """Prepare the corpus, run each export measured, and return the figures."""
    root = Path(tempfile.mkdtemp(prefix="civicfutures-bench-export-")) if keep is None else keep
    env = {**os.environ, "POLARS_MAX_THREADS": "2"}
    me = [sys.executable, "-m", "civicfutures.exports.bench"]
    try:
        figures = []
        if not (root / "snapshot.txt").exists():
            echo(f"... writing a synthetic snapshot of {stories:,} stories")
            prepared = measured([*me, "--prepare", str(stories), "--root", str(root)], env)
            figures.append(
                {"step": "prepare snapshot", "rows": stories, "size_bytes": 0, **prepared}
            )
        snapshot = (root / "snapshot.txt").read_text().strip()
        for fmt in FORMATS:
            out = root / f"stories.{fmt}"
            echo(f"... exporting to {fmt}")
            run_figures = measured(
                [
                    *me,
                    "--worker",
                    fmt,
                    "--snapshot",
                    snapshot,
                    "--root",
                    str(root),
                    "--out",
                    str(out),
                ],
                env,
            )
            rows = int(out.with_name(out.name + ".rows").read_text())
            size = out.stat().st_size
            figures.append(
                {"step": f"export {fmt}", "rows": rows, "size_bytes": size, **run_figures}
            )
        return figures
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


def render(stories: int, figures: list[dict]) -> str:
    load = os.getloadavg()
    lines = [
        f"stories export benchmark: {stories:,} stories, 2 Polars threads, budget {BUDGET_BYTES / 1024**3:.0f} GiB",
        f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores",
        f"{'step':<18} {'rows':>10} {'seconds':>9} {'peak RSS MiB':>13} {'file MiB':>9}",
    ]
    for f in figures:
        lines.append(
            f"{f['step']:<18} {f['rows']:>10,} {f['seconds']:>9.1f} {f['peak_bytes'] / 1024**2:>13.0f} {f['size_bytes'] / 1024**2:>9.0f}"
        )
    return "\n".join(lines)


def within_budget(figures: list[dict]) -> bool:
    return all(f["peak_bytes"] <= BUDGET_BYTES for f in figures if f["step"].startswith("export"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1_000_000)
    parser.add_argument(
        "--keep", type=Path, default=None, help="Keep the corpus in this folder (and reuse it)."
    )
    parser.add_argument("--prepare", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--worker", choices=FORMATS, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--snapshot", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare is not None:
        path = prepare(args.prepare, args.root)
        (args.root / "snapshot.txt").write_text(str(path))
        return 0
    if args.worker is not None:
        rows = export_snapshot(args.snapshot, args.root / "extras", args.worker, args.out)
        args.out.with_name(args.out.name + ".rows").write_text(str(rows))
        return 0
    figures = run(args.stories, args.keep)
    print(render(args.stories, figures))
    return 0 if within_budget(figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
