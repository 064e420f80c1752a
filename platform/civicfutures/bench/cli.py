"""The `civicfutures bench` command group; each benchmark is a subcommand.

Other areas add theirs with `from civicfutures.bench.cli import bench` and
`bench.add_command(their_command)`. Only click is imported here, so the CLI starts fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

bench = click.Group("bench", help="Measure the platform on this machine.")


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
@click.option(
    "--pg-admin-url",
    envvar="CIVICFUTURES_BENCH_PG_ADMIN",
    default="postgresql://postgres@127.0.0.1:5432/postgres",
    show_default=True,
    help="A PostgreSQL account that may create the benchmark database.",
)
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
    """Serve the API on 127.0.0.1 and measure /health, story list, story form and story POST.

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


from civicfutures.exports.cli import bench_export  # noqa: E402  (streaming exports)

bench.add_command(bench_export)
