"""`civicfutures snapshot` and `civicfutures analyse`: the analysis area from the shell.

Plain click commands; the main `civicfutures` command registers them. They act as the system
(an operator at the shell already holds the database), so `--unsuppressed` is theirs to use;
the output records which.
"""

from __future__ import annotations

from pathlib import Path

import click

from civicfutures.analysis.suite import KINDS
from civicfutures.analysis.writers import FORMATS
from civicfutures.cli.shell import fail_on_problem


@click.command("snapshot")
@click.option("--project", required=True, help="Project slug.")
def snapshot(project: str) -> None:
    """Snapshot a project (consent-filtered) to Parquet; print the snapshot id last."""
    from civicfutures.analysis.service import AnalysisService

    info = fail_on_problem(lambda: AnalysisService().snapshot(project))
    rows = ", ".join(f"{name} {t['rows']}" for name, t in info.manifest["tables"].items())
    left_out = info.manifest.get("left_out_for_consent", {})
    click.echo(f"{'written' if info.created else 'unchanged'}: {info.location}")
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
@click.option("--lang", default="en", show_default=True, help="Language of error messages.")
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
    lang: str,
) -> None:
    """Run one analysis on a fresh or reused snapshot; write the table to --out or stdout."""
    from civicfutures.analysis.service import AnalysisRequest, AnalysisService
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.i18n import use_locale

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

    with use_locale(lang):
        result = fail_on_problem(work)
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
