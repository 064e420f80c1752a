"""`civicfutures backup PATH` and `civicfutures restore PATH`."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Write a consistent backup of the database to PATH (online; the server may keep running)."""
    from civicfutures.db.backup import BackupError
    from civicfutures.db.backup import backup as make_backup
    from civicfutures.settings import get_settings

    try:
        written = make_backup(get_settings(), path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written to {written}")


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore(path: Path, yes: bool) -> None:
    """Replace the database's content with the backup at PATH."""
    from civicfutures.db.backup import BackupError
    from civicfutures.db.backup import restore as apply_backup
    from civicfutures.settings import get_settings

    if not yes:
        click.confirm("This replaces everything in the database. Continue?", abort=True)
    try:
        apply_backup(get_settings(), path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"restored from {path}")
