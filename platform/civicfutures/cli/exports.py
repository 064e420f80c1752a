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
    help=(
        "Folder to write into, created if missing, or a file name with an extension (default: "
        "the current folder). An existing export is never overwritten: in a folder the new "
        "file gets a numbered name; a named file that exists is refused."
    ),
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
        target = export_target(out, result.filename)
        notes_path = target.with_name(target.name + ".notes.json")
        shutil.move(str(result.path), target)
        notes_path.write_text(
            json.dumps(result.notes.as_dict(), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
    finally:
        result.discard()
    for line in result.notes.sentences():
        click.echo(line)
    click.echo(str(target))


def export_target(out: Path | None, filename: str) -> Path:
    """Where the export goes: a free name in the folder `out` (made if missing), or the file
    `out` itself when it names a file that is not there yet.

    A missing path with an extension names a file; without one, a folder: written as a file,
    a folder name would be overwritten by every later export.
    """
    folder = Path(".") if out is None else out
    if out is not None and not out.is_dir():
        if out.exists():
            raise click.ClickException(
                f"{out} exists already; choose another file name or a folder, so that it is "
                "not overwritten."
            )
        if out.suffix:
            _make_folder(out.parent)
            return out
    _make_folder(folder)
    target = folder / filename
    number = 1
    while target.exists() or target.with_name(target.name + ".notes.json").exists():
        number += 1
        target = folder / f"{Path(filename).stem}-{number}{Path(filename).suffix}"
    return target


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise click.ClickException(
            f"Cannot create the folder {folder}: a file is in the way."
        ) from None
    except PermissionError:
        raise click.ClickException(
            f"Cannot create the folder {folder}: permission denied."
        ) from None
