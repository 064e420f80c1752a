"""Commands of the analysis area: `snapshot`, `analyse` and the `analysis` benchmark.

Plain click commands; the main `civicfutures` command registers them. They act as the system
(an operator at the shell already holds the database), so `--unsuppressed` is theirs to use;
the output records which.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from civicfutures.analysis.suite import KINDS
from civicfutures.analysis.writers import FORMATS

T = TypeVar("T")


def _run(work: Callable[[], Awaitable[T]]) -> T:
    """Run database work from the shell, showing platform errors as clean messages."""
    import civicfutures.db  # noqa: F401  (names the Piccolo configuration before tables load)
    from civicfutures.db.lifecycle import close_database, open_database
    from civicfutures.errors import Problem

    async def wrapped() -> T:
        await open_database()
        try:
            return await work()
        finally:
            await close_database()

    try:
        return asyncio.run(wrapped())
    except Problem as problem:
        details = "; ".join(f"{e.field}: {e.message}" for e in problem.errors)
        raise click.ClickException(f"{problem.detail} {details}".strip()) from problem


@click.command("snapshot")
@click.option("--project", required=True, help="Project slug.")
def snapshot(project: str) -> None:
    """Snapshot a project (consent-filtered) to Parquet; print the snapshot id last."""
    from civicfutures.analysis.service import AnalysisService

    info = _run(lambda: AnalysisService().snapshot(project))
    rows = ", ".join(f"{name} {t['rows']}" for name, t in info.manifest["tables"].items())
    left_out = info.manifest.get("left_out_for_consent", {})
    click.echo(f"{'written' if info.created else 'unchanged'}: {info.path}")
    click.echo(f"rows: {rows}")
    click.echo(
        f"left out for consent: {left_out.get('stories', 0)} stories, "
        f"{left_out.get('storytellers', 0)} storytellers"
    )
    click.echo(info.id)


@click.command("analyse")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--project", required=True, help="Project slug.")
@click.option("--by", default=None, help="site, country, project, story_kind, workshop_kind "
              "or a demographic attribute.")  # fmt: skip
@click.option("--sites", multiple=True, help="Site slugs (repeat or comma-separate).")
@click.option("--countries", multiple=True, help="ISO country codes (repeat or comma-separate).")
@click.option("--story-kind", type=click.Choice(["present", "future"]), default=None)
@click.option("--from", "date_from", default=None, help="Earliest workshop date, YYYY-MM-DD.")
@click.option("--to", "date_to", default=None, help="Latest workshop date, YYYY-MM-DD.")
@click.option("--format", "file_format", type=click.Choice(list(FORMATS)), default="json")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write."
)
@click.option("--unsuppressed", is_flag=True, help="Publish small cells as they are.")
def analyse(
    kind: str,
    project: str,
    by: str | None,
    sites: tuple[str, ...],
    countries: tuple[str, ...],
    story_kind: str | None,
    date_from: str | None,
    date_to: str | None,
    file_format: str,
    out: Path | None,
    unsuppressed: bool,
) -> None:
    """Run one analysis on a fresh or reused snapshot; write the table to --out or stdout."""
    from civicfutures.analysis.service import AnalysisRequest, AnalysisService
    from civicfutures.auth.actor import SYSTEM

    async def work():
        request = AnalysisRequest.parse(
            kind,
            project,
            by=by,
            sites=sites,
            countries=countries,
            story_kind=story_kind,
            date_from=date_from,
            date_to=date_to,
            file_format=file_format,
            unsuppressed=unsuppressed,
        )
        return await AnalysisService().analyse(SYSTEM, request)

    result = _run(work)
    body = result.render(file_format)
    if out is None:
        click.get_binary_stream("stdout").write(body)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    click.echo(
        f"{kind}: {result.table.height} rows from snapshot {result.snapshot.id}, "
        f"suppression {result.suppression}"
    )
    click.echo(str(out))


@click.command("analysis")
@click.option(
    "--stories",
    "sizes",
    type=click.IntRange(1_000),
    multiple=True,
    help="Corpus size (repeat for several; default 100k, 1M and 5M).",
)
@click.option("--repeat", type=click.IntRange(1, 50), default=3, show_default=True)
def bench_analysis(sizes: tuple[int, ...], repeat: int) -> None:
    """Time the analysis suite in Polars and in DuckDB SQL on a synthetic corpus."""
    from civicfutures.analysis.bench import DEFAULT_SIZES, run_bench

    run_bench(list(sizes) or DEFAULT_SIZES, repeat)
