"""`civicfutures translations ...`: the gettext catalogs and the codebook's PO files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from civicfutures.cli.shell import fail_on_problem
from civicfutures.i18n import catalogs
from civicfutures.i18n.runtime import SUPPORTED_LOCALES
from civicfutures.settings import get_settings


def _root() -> Path:
    """The checkout the catalogs are extracted from: where babel.cfg is (the working directory)."""
    root = Path.cwd()
    if not (root / "babel.cfg").exists():
        raise click.ClickException("run this in the project's checkout (no babel.cfg here)")
    return root


def _locales() -> Path:
    return get_settings().locales_dir


@click.group()
def translations() -> None:
    """Extract, update, compile and check the interface's catalogs; export and import codebooks."""


@translations.command()
def extract() -> None:
    """Write locales/messages.pot from the package's code and templates (babel.cfg)."""
    changed = catalogs.extract(_root(), _locales())
    count = len(catalogs.read_catalog(catalogs.pot_path(_locales())))
    click.echo(
        f"{catalogs.pot_path(_locales())}: {count} messages" + ("" if changed else " (unchanged)")
    )


@translations.command()
@click.option(
    "--lang", "languages", multiple=True, help="Only these languages (default: all shipped)."
)
def update(languages: tuple[str, ...]) -> None:
    """Bring every language's messages.po in line with messages.pot (new catalogs are created)."""
    pending = catalogs.update(_locales(), languages or SUPPORTED_LOCALES)
    for language, count in pending.items():
        click.echo(f"{language}: {count} to translate" if count else f"{language}: complete")


@translations.command("compile")
def compile_() -> None:
    """Write messages.mo beside each messages.po (optional: .po files are compiled in memory)."""
    for language, path in catalogs.compile_catalogs(_locales()).items():
        click.echo(f"{language}: {path}")


@translations.command()
@click.option(
    "--codebook",
    is_flag=True,
    help="Check the codebooks instead: every theme and outcome labelled and described in every "
    "language the project's sites declare.",
)
@click.option("--project", "projects", multiple=True, help="Only these projects (with --codebook).")
def check(codebook: bool, projects: tuple[str, ...]) -> None:
    """Fail when a catalog is incomplete, fuzzy or broken, or the template is out of date."""
    if codebook:
        _check_codebooks(projects)
        return
    added, removed = catalogs.stale_template(_root(), _locales())
    problems = [str(p) for p in catalogs.check(_locales())]
    problems += [
        f"messages.pot lacks {msgid!r} (run translations extract)"
        for msgid, _ctx in sorted(added, key=str)
    ]
    problems += [
        f"messages.pot still has {msgid!r} (run translations extract)"
        for msgid, _ctx in sorted(removed, key=str)
    ]
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo("catalogs complete")


@translations.command("codebook-export")
@click.option("--project", required=True, help="Project slug.")
@click.option(
    "--lang", "language", required=True, help="Language to translate into (BCP 47, e.g. et, vro)."
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
def codebook_export(project: str, language: str, out: Path | None) -> None:
    """Write a PO file of the project's codebook for translators into LANG."""
    from civicfutures.i18n.codebook import export_codebook

    data = fail_on_problem(lambda: export_codebook(project, language))
    if out is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        out.write_bytes(data)
        click.echo(f"{out}")


@translations.command("codebook-import")
@click.argument("po_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", required=True, help="Project slug.")
@click.option(
    "--lang", "language", default=None, help="Language of the file (default: its Language header)."
)
def codebook_import(po_file: Path, project: str, language: str | None) -> None:
    """Store the labels and descriptions of a translated codebook PO file."""
    from civicfutures.i18n.codebook import import_codebook

    summary = fail_on_problem(lambda: import_codebook(project, po_file.read_bytes(), language))
    click.echo(
        f"{summary.project} [{summary.language}]: {summary.labels} labels and "
        f"{summary.descriptions} descriptions stored"
    )
    if summary.unknown_keys:
        click.echo("not in the codebook, skipped: " + ", ".join(summary.unknown_keys), err=True)


def _check_codebooks(projects: tuple[str, ...]) -> None:
    """Report each language's missing theme and outcome texts; exit 1 when any is missing."""
    from civicfutures.i18n.codebook import codebook_gaps

    gaps = fail_on_problem(lambda: codebook_gaps(list(projects)))
    for line in gaps:
        click.echo(line, err=True)
    if gaps:
        sys.exit(1)
    click.echo("codebooks complete")
