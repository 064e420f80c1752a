"""`civicfutures worker`: run background jobs (briefing builds) from the queue."""

from __future__ import annotations

import click

from civicfutures.cli.shell import run_db


@click.command()
def worker() -> None:
    """Run background jobs from the PostgreSQL queue until stopped (Ctrl-C).

    On SQLite there is no queue to serve: the server runs its own jobs.
    """
    from civicfutures.settings import get_settings

    if get_settings().engine != "postgresql":
        click.echo("No worker is needed on SQLite: `civicfutures serve` runs the jobs it is given.")
        return
    from civicfutures.jobs.runners import run_worker

    click.echo("civicfutures worker: running jobs (Ctrl-C stops it)")
    run_db(run_worker)
