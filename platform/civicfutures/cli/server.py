"""`civicfutures migrate`, `civicfutures demo` and `civicfutures serve`."""

from __future__ import annotations

import os
import shutil
from typing import Any

import click

from civicfutures.cli.shell import run_db


@click.command()
def migrate() -> None:
    """Apply pending database migrations."""
    from civicfutures.db.migrate import migrate as apply

    run_db(lambda: apply(quiet=False))
    click.echo("migrations applied")


@click.command()
def demo() -> None:
    """Load the demo project (four sites, 40+ stories in pl, et, it, en) and demo accounts."""
    from civicfutures.db.migrate import migrate as apply
    from civicfutures.demo.accounts import DEMO_PASSWORD, DEMO_USERS, load_demo_with_users

    async def work() -> Any:
        await apply()
        return await load_demo_with_users()

    summary = run_db(work)
    state = "loaded" if summary.created else "already present"
    click.echo(
        f"demo project {summary.project} {state}: {summary.sites} sites, {summary.themes} themes, "
        f"{summary.workshops} workshops, {summary.storytellers} storytellers, {summary.stories} stories"
    )
    click.echo(
        f"demo accounts (password {DEMO_PASSWORD!r}): " + ", ".join(e for e, _, _ in DEMO_USERS)
    )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--demo", "with_demo", is_flag=True, help="Load the demo project first.")
@click.option(
    "--worker",
    "with_worker",
    is_flag=True,
    help="Also run background jobs from the queue in each server process (PostgreSQL).",
)
def serve(host: str, port: int, workers: int, with_demo: bool, with_worker: bool) -> None:
    """Apply pending migrations and serve the HTML pages and the API."""
    import uvicorn

    _share_metrics_between_workers()
    if with_worker:
        # Read by the settings of every server process uvicorn starts.
        os.environ["CIVICFUTURES_SERVE_WORKER"] = "1"

    from civicfutures.db.migrate import migrate as apply
    from civicfutures.demo.accounts import DEMO_PASSWORD, load_demo_with_users

    async def prepare() -> Any:
        await apply()
        return await load_demo_with_users() if with_demo else None

    summary = run_db(prepare)
    if summary is not None:
        click.echo(
            f"demo project {summary.project}: {summary.stories} stories; sign in with a demo account, password {DEMO_PASSWORD!r}"
        )
    click.echo(f"civicfutures on http://{host}:{port}/  (API docs: http://{host}:{port}/schema)")
    uvicorn.run(
        "civicfutures.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=os.environ.get("CIVICFUTURES_LOG_LEVEL", "warning"),
        # The app logs one line per request itself (`web/observability.py`), without personal data.
        access_log=False,
    )


def _share_metrics_between_workers() -> None:
    """Point prometheus_client's multiprocess mode at an empty folder before any worker starts
    (it reads PROMETHEUS_MULTIPROC_DIR when first imported), so `/metrics` sums every worker."""
    from civicfutures.settings import get_settings

    folder = get_settings().metrics_dir
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
