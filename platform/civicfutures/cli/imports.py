"""`civicfutures import FILE --project SLUG [--site SLUG] [--dry-run]`, with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from civicfutures.cli.shell import fail_on_problem


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", required=True, help="The project's slug.")
@click.option("--site", default=None, help="Import every row into this site (slug).")
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@click.option("--lang", default="en", show_default=True, help="Language of the report.")
@click.option(
    "--as",
    "as_email",
    default=None,
    help="Import as this user (their sites and name); default: the system, on every site.",
)
def import_command(
    file: Path, project: str, site: str | None, dry_run: bool, lang: str, as_email: str | None
) -> None:
    """Import a spreadsheet of stories (CSV, XLSX or ODS): all rows, or none if any has a problem."""
    from rich.console import Console

    from civicfutures.i18n import use_locale
    from civicfutures.imports.service import ImportRejected, ImportService
    from civicfutures.imports.sources import SourceFile

    errors = Console(stderr=True)

    async def work() -> Any:
        actor = await _actor(as_email)
        with ProgressBar(errors) as progress:
            try:
                return await ImportService().run(
                    actor,
                    SourceFile.from_path(file),
                    project,
                    site,
                    dry_run=dry_run,
                    progress=progress,
                )
            except ImportRejected as rejected:
                return rejected.report

    with use_locale(lang):
        report = fail_on_problem(work)
        _print_report(report)
    if report.problems_total:
        raise SystemExit(1)


async def _actor(email: str | None) -> Any:
    from civicfutures.auth.accounts import actor_for_user
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.db.tables import User

    if email is None:
        return SYSTEM
    row = await User.select(User.id).where(User.email == email.strip().lower()).first()
    actor = await actor_for_user(row["id"]) if row else None
    if actor is None:
        raise click.ClickException(f"no active user {email}")
    return actor


class ProgressBar:
    """A rich progress bar on stderr with one task per stage of the import."""

    def __init__(self, console: Any) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> ProgressBar:
        self.bar.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.bar.stop()

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        names = {"read": "reading", "check": "matching", "write": "writing"}
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(names.get(stage, stage), total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)


def _print_report(report: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    info = report.file
    described = ", ".join(
        part
        for part in (info.format, info.encoding, repr(info.delimiter) if info.delimiter else None)
        if part
    )
    console.print(f"{info.name} ({described}): {report.rows} rows")
    if report.problems:
        table = Table("row", "column", "problem", show_lines=False)
        for problem in report.problems:
            table.add_row(
                "" if problem.row is None else str(problem.row),
                problem.column or "",
                problem.message,
            )
        console.print(table)
        if report.problems_total > len(report.problems):
            console.print(f"… {report.problems_total - len(report.problems)} more")
    else:
        created, existing = report.created, report.existing
        console.print(
            f"workshops +{created.workshops} (={existing.workshops}), "
            f"storytellers +{created.storytellers} (={existing.storytellers}), "
            f"stories +{created.stories} (={existing.stories}), "
            f"translations +{created.translations}, codings +{created.codings}"
        )
    click.echo(report.detail)
