"""The `civicfutures bench` command group; each benchmark is a subcommand.

The benchmarks themselves are plain functions of their areas (`bench/api.py`,
`imports/bench.py`, `exports/bench.py`, `briefings/bench.py`, `analysis/bench.py`,
`coding/bench.py`), imported
when a subcommand runs; only click is imported here, so the CLI starts fast.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click

from civicfutures.cli.shell import run_db

bench = click.Group("bench", help="Measure the platform on this machine.")

# The benchmarks that make a PostgreSQL database of their own ask for this account.
pg_admin_url = click.option(
    "--pg-admin-url",
    envvar="CIVICFUTURES_BENCH_PG_ADMIN",
    default="postgresql://postgres@127.0.0.1:5432/postgres",
    show_default=True,
    help="A PostgreSQL account that may create the benchmark database.",
)


@bench.command("api")
@click.option(
    "--engine",
    type=click.Choice(["sqlite", "postgresql"]),
    default="sqlite",
    show_default=True,
    help="Database engine; PostgreSQL gets a fresh database named civicfutures_bench.",
)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--seconds",
    default=10.0,
    show_default=True,
    type=click.FloatRange(1, 600),
    help="Per scenario.",
)
@click.option("--connections", default=32, show_default=True, type=click.IntRange(1, 1024))
@click.option(
    "--server",
    "server_kind",
    type=click.Choice(["granian", "uvicorn"]),
    default=None,
    help="HTTP server (default: granian when installed, else uvicorn).",
)
@pg_admin_url
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the figures as JSON here.",
)
def api(
    engine: str,
    workers: int,
    seconds: float,
    connections: int,
    server_kind: str | None,
    pg_admin_url: str,
    json_path: Path | None,
) -> None:
    """Serve the API on 127.0.0.1 and measure /health, story list, form, story page, search and
    story POST, and the public archive.

    Prints requests/s, p50/p99 latency and errors per scenario, then checks that every
    acknowledged story POST is in the database exactly once (exit status 1 otherwise).
    """
    from civicfutures.bench.api import render, run_benchmark
    from civicfutures.bench.server import default_server

    report = run_benchmark(
        engine,
        workers,
        seconds,
        connections,
        server_kind or default_server(),
        pg_admin_url,
        progress=lambda message: click.echo(f"... {message}", err=True),
    )
    click.echo(render(report))
    if json_path is not None:
        json_path.write_text(json.dumps(report.as_json(), indent=2), encoding="utf-8")
    if not report.ok:
        raise SystemExit(1)


@bench.command("import")
@click.option(
    "--stories",
    "sizes",
    multiple=True,
    type=click.IntRange(1, 2_000_000),
    help="Stories to import (repeat for several, each into a fresh database; default 100000).",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
)
@click.option(
    "--database-url",
    default=None,
    help="Import into this database instead of a fresh SQLite file (it gets a new project).",
)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write cProfile statistics of the commit here.",
)
def bench_import(
    sizes: tuple[int, ...], file_format: str, database_url: str | None, profile: Path | None
) -> None:
    """Time the import of N stories: dry run, commit and a re-import that changes nothing."""
    import multiprocessing

    failed = False
    # Each size in a process of its own: the database engine is chosen once per process.
    spawn = multiprocessing.get_context("spawn")
    for stories in sizes or (100_000,):
        with spawn.Pool(1) as pool:
            text, ok = pool.apply(_import_once, (stories, file_format, database_url, profile))
        click.echo(text)
        failed = failed or not ok
    if failed:
        raise SystemExit(1)


def _import_once(
    stories: int, file_format: str, database_url: str | None, profile: Path | None
) -> tuple[str, bool]:
    from civicfutures.imports.bench import configure, measure, passed, render

    workdir = configure(stories, database_url)
    try:
        figures = run_db(lambda: measure(stories, file_format, workdir, profile))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return render(figures, file_format), passed(figures)


@bench.command("exports")
@click.option(
    "--stories",
    "sizes",
    type=click.IntRange(1),
    multiple=True,
    help="Corpus size (repeat for several; default 10^4, 10^5 and 10^6).",
)
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the synthetic corpora here and reuse them in the next run.",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(["parquet", "csv"]),
    multiple=True,
    help="Only this format (repeat for several; default Parquet and CSV).",
)
def bench_exports(sizes: tuple[int, ...], keep: Path | None, formats: tuple[str, ...]) -> None:
    """The stories export to Parquet and CSV beside Polars' own writer of the same frame.

    Prints time, CPU time and peak memory of each export, the peer's write time and the
    ratio, with the load average; fails past 1.5 GiB or twice the peer's time at the largest size.
    """
    from civicfutures.exports.bench import FORMATS, SIZES, failures, load_average, render, run

    before = load_average()
    figures = run(
        list(sizes) or list(SIZES),
        keep,
        echo=lambda m: click.echo(m, err=True),
        formats=list(formats) or list(FORMATS),
    )
    click.echo(render(figures, before))
    broken = failures(figures)
    for line in broken:
        click.echo(f"FAILED {line}")
    if broken:
        raise SystemExit(1)


# The command's earlier name.
bench.add_command(bench_exports, "export")


@bench.command("briefing")
@click.option(
    "--stories",
    "sizes",
    multiple=True,
    type=click.IntRange(1000),
    help="Snapshot size (repeat for several; default 10,000, 100,000 and 1,000,000).",
)
@click.option("--sites", default=200, show_default=True, type=click.IntRange(2))
@click.option("--xlsx-rows", default=100_000, show_default=True, type=click.IntRange(1))
@click.option("--plans", is_flag=True, help="Also time each analysis alone, slowest first.")
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the output here.",
)
def bench_briefing(
    sizes: tuple[int, ...], sites: int, xlsx_rows: int, plans: bool, keep: Path | None
) -> None:
    """A cross-site briefing over synthetic snapshots of each size, and the XLSX writer alone."""
    from civicfutures.briefings.bench import SIZES, run

    run(list(sizes) or list(SIZES), sites, xlsx_rows, plans, keep, echo=click.echo)


@bench.command("analysis")
@click.option(
    "--stories",
    "sizes",
    type=click.IntRange(1_000),
    multiple=True,
    help="Corpus size (repeat for several; default 10k, 100k, 1M and 10M).",
)
@click.option("--repeat", type=click.IntRange(1, 50), default=3, show_default=True)
@click.option(
    "--engine",
    "engines",
    type=click.Choice(["polars", "duckdb"]),
    multiple=True,
    help="Run only this engine's suite (repeat for both; default both).",
)
def bench_analysis(sizes: tuple[int, ...], repeat: int, engines: tuple[str, ...]) -> None:
    """Time the analysis suite in Polars and in DuckDB SQL on a synthetic corpus."""
    from civicfutures.analysis.bench import DEFAULT_SIZES, ENGINES, run_bench

    run_bench(list(sizes) or DEFAULT_SIZES, repeat, engines or tuple(ENGINES))


@bench.command("search")
@click.option("--stories", default=100_000, show_default=True, type=click.IntRange(1, 2_000_000))
@click.option(
    "--engine",
    type=click.Choice(["sqlite", "postgresql"]),
    default="sqlite",
    show_default=True,
    help="Database engine; PostgreSQL gets a fresh database named civicfutures_bench_search.",
)
@click.option("--repeats", default=20, show_default=True, type=click.IntRange(1, 1000))
@pg_admin_url
def bench_search(stories: int, engine: str, repeats: int, pg_admin_url: str) -> None:
    """Time ranked search of N stories against a LIKE scan of the same text, per query."""
    from civicfutures.bench.database import drop_database, fresh_database
    from civicfutures.imports.bench import configure
    from civicfutures.search.bench import measure, render

    database_url = None
    if engine == "postgresql":
        database_url = fresh_database(
            engine, Path("."), pg_admin_url, name="civicfutures_bench_search"
        )
    workdir = configure(stories, database_url)
    try:
        figures = run_db(lambda: measure(stories, workdir, repeats))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if database_url:
            drop_database(database_url, pg_admin_url)
    click.echo(render(figures))


@bench.command("suggestions")
@click.option("--stories", default=600, show_default=True, type=click.IntRange(20, 200_000))
@click.option(
    "--minimum",
    default=5,
    show_default=True,
    type=click.IntRange(1),
    help="Agreed examples a theme needs to be learned.",
)
def bench_suggestions(stories: int, minimum: int) -> None:
    """Held-out kappa of the theme classifier on a synthetic coded corpus, beside two peers."""
    from civicfutures.coding.bench import render, run

    click.echo(render(stories, minimum, run(stories, minimum)))


@bench.command("jobs")
@click.option("--stories", default=100_000, show_default=True, type=click.IntRange(100, 2_000_000))
@click.option(
    "--engine",
    type=click.Choice(["sqlite", "postgresql"]),
    default="postgresql",
    show_default=True,
    help="PostgreSQL runs the job in a worker process; SQLite in the server itself.",
)
@click.option(
    "--baseline",
    default=10.0,
    show_default=True,
    type=click.FloatRange(1, 600),
    help="Seconds of API load measured before the briefing is requested.",
)
@click.option("--connections", default=4, show_default=True, type=click.IntRange(1, 256))
@click.option(
    "--rate",
    default=20.0,
    show_default=True,
    type=click.FloatRange(0.1, 10_000),
    help="Requests per second the clients send in all.",
)
@pg_admin_url
def bench_jobs(
    stories: int, engine: str, baseline: float, connections: int, rate: float, pg_admin_url: str
) -> None:
    """A briefing over N stories built by a job while the API keeps answering.

    Prints the job's times and the API's latency before and during the build, with the load
    average; fails when the job does not finish or a request fails.
    """
    from civicfutures.jobs.bench import render, run

    figures = run(
        stories,
        engine,
        pg_admin_url,
        baseline,
        connections,
        rate,
        echo=lambda m: click.echo(m, err=True),
    )
    click.echo(render(figures))
    if (
        figures["job"]["status"] != "done"
        or figures["request"]["errors"]
        or figures["build"]["errors"]
    ):
        raise SystemExit(1)
