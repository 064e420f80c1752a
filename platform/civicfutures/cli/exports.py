"""`civicfutures export KIND --project SLUG ...`: the same exports as the API, as the system."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click

from civicfutures.cli.shell import fail_on_problem


@click.command("export")
@click.argument("kind", type=click.Choice(["stories", "qdpx", "qdc", "sav", "dta", "dictionary"]))
@click.option("--project", required=True, help="Project slug.")
@click.option("--lang", default=None, help="Language of labels (BCP 47); default the project's.")
@click.option("--sites", "sites", multiple=True, help="Site slugs (repeat or comma-separate).")
@click.option("--format", "file_format", default=None, help="Format; default the kind's first.")
@click.option("--include-codes", is_flag=True, help="Add storytellers' pseudonymous codes.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="File or folder to write to (default: the download's name in the current folder).",
)
def export(
    kind: str,
    project: str,
    lang: str | None,
    sites: tuple[str, ...],
    file_format: str | None,
    include_codes: bool,
    out: Path | None,
) -> None:
    """Write an export; the notes go beside it as `<file>.notes.json`; prints the file's path last."""
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.exports.request import ExportRequest, parse_sites
    from civicfutures.exports.service import ExportService

    request = ExportRequest(kind, project, lang, parse_sites(sites), file_format, include_codes)
    result = fail_on_problem(lambda: ExportService().export(SYSTEM, request))
    try:
        target = out or Path(result.filename)
        if target.is_dir():
            target = target / result.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(result.path), target)
        notes_path = target.with_name(target.name + ".notes.json")
        notes_path.write_text(
            json.dumps(result.notes.as_dict(), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
    finally:
        result.discard()
    for line in result.notes.sentences():
        click.echo(line)
    click.echo(str(target))
