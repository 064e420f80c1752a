"""`civicfutures backup PATH` and `civicfutures restore PATH`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Write a backup of the whole deployment to PATH: the database, every object of the
    storage and the exports folder's files (online; the server may keep running)."""
    from civicfutures.backups.service import backup as make_backup
    from civicfutures.db.backup import BackupError
    from civicfutures.settings import get_settings
    from civicfutures.storage.objects import get_storage

    try:
        summary = asyncio.run(make_backup(get_settings(), get_storage(), path))
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"backup written to {path.resolve()}: the database, {summary.objects} stored objects, "
        f"{summary.files} files of the exports folder"
    )


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore(path: Path, yes: bool) -> None:
    """Replace the database's content with the backup at PATH and put its stored objects and
    exports files back (into an empty deployment, or over the same one)."""
    from civicfutures.backups.service import restore as apply_backup
    from civicfutures.db.backup import BackupError
    from civicfutures.settings import get_settings
    from civicfutures.storage.objects import get_storage

    if not yes:
        click.confirm(
            "This replaces everything in the database and writes the backup's files into the "
            "storage and the exports folder. Continue?",
            abort=True,
        )
    try:
        summary = asyncio.run(apply_backup(get_settings(), get_storage(), path))
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"restored from {path}: the database, {summary.objects} stored objects, "
        f"{summary.files} files of the exports folder"
    )
