"""The `civicfutures` command: serve, worker, migrate, demo, users, tokens and the areas' own commands.

Each module here holds one command or group and imports its area lazily, inside the command,
so `civicfutures --help` stays fast; `shell.py` holds what they share. The areas never import
this package.
"""

from __future__ import annotations

import click

from civicfutures.cli.accounts import tokens, users
from civicfutures.cli.analysis import analyse, snapshot
from civicfutures.cli.backups import backup, restore
from civicfutures.cli.bench import bench
from civicfutures.cli.briefings import briefing
from civicfutures.cli.exports import export
from civicfutures.cli.imports import import_command
from civicfutures.cli.server import demo, migrate, serve
from civicfutures.cli.translations import translations
from civicfutures.cli.worker import worker


@click.group()
@click.version_option(package_name="civicfutures")
def main() -> None:
    """civicfutures: citizen futures workshop data platform."""


for command in (
    migrate,
    demo,
    serve,
    worker,
    users,
    tokens,
    backup,
    restore,
    translations,
    import_command,
    export,
    briefing,
    snapshot,
    analyse,
    bench,
):
    main.add_command(command)
