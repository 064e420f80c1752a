"""`civicfutures briefing build`: a briefing from the shell, acting as the system (admin)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from civicfutures.cli.progress import StepBar
from civicfutures.cli.shell import fail_on_problem

briefing = click.Group("briefing", help="Insight briefings: local and cross-site syntheses.")


@briefing.command("build")
@click.option("--project", required=True, help="Project slug.")
@click.option("--site", default=None, help="Site slug for a local briefing (default: cross-site).")
@click.option(
    "--lang", "language", default=None, help="Language tag (default: the site's or project's)."
)
@click.option(
    "--from",
    "date_from",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First workshop date kept.",
)
@click.option(
    "--to",
    "date_to",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Last workshop date kept.",
)
@click.option(
    "--suppression",
    type=click.IntRange(min=0, max=1000),
    default=None,
    help="Disclosure threshold k (default: the project's; 0 publishes every figure).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=(
        "Write the briefing into this directory, created if missing (default: "
        "exports/briefings/<id>/); a folder holding anything but this briefing is refused."
    ),
)
@click.option(
    "--summary",
    "summary_file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="A UTF-8 text file with the summary (default: drafted from the agreed insights).",
)
@click.option(
    "--recommendations",
    "recommendations_file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="A UTF-8 text file with the recommendations (default: none).",
)
def build(
    project: str,
    site: str | None,
    language: str | None,
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    suppression: int | None,
    out: Path | None,
    summary_file,
    recommendations_file,
) -> None:
    """Build a briefing in every format; the briefing's directory is printed on the last line."""
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.briefings.params import BriefingIn
    from civicfutures.briefings.service import BriefingService
    from civicfutures.i18n.formatting import format_number

    data = BriefingIn(
        project=project,
        site=site,
        language=language,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
        suppression=suppression,
        summary=summary_file.read() if summary_file else None,
        recommendations=recommendations_file.read() if recommendations_file else None,
    )
    with StepBar() as bar:
        directory = fail_on_problem(
            lambda: BriefingService().build_into(SYSTEM, data, out, progress=bar.step)
        )
    if isinstance(directory, Path):
        files = [p for p in directory.rglob("*") if p.is_file()]
        click.echo(f"briefing built: {format_number(len(files), 'en')} files")
    else:
        click.echo("briefing built")
    click.echo(str(directory))
