"""The `civicfutures` command: serve, migrate, demo, users, tokens and the areas' own commands."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

T = TypeVar("T")

DEMO_PASSWORD = "civicfutures-demo"
DEMO_USERS = (
    ("admin@demo.civicfutures.eu", "admin", ()),
    ("gdansk@demo.civicfutures.eu", "partner", ("gdansk",)),
    ("voru@demo.civicfutures.eu", "partner", ("voru",)),
    ("reggio@demo.civicfutures.eu", "partner", ("reggio-emilia",)),
    ("research@demo.civicfutures.eu", "researcher", ()),
    ("author@demo.civicfutures.eu", "author", ()),
)


def run_db(work: Callable[[], Awaitable[T]]) -> T:
    """Run async database work from the shell, with the pool opened and closed around it."""
    import civicfutures.db  # noqa: F401
    from civicfutures.db.lifecycle import close_database, open_database

    async def wrapped() -> T:
        await open_database()
        try:
            return await work()
        finally:
            await close_database()

    return asyncio.run(wrapped())


def fail_on_problem(work: Callable[[], Awaitable[T]]) -> T:
    """Show a platform error as a clean message and exit status 1, not a traceback."""
    from civicfutures.errors import Problem

    try:
        return run_db(work)
    except Problem as problem:
        details = "; ".join(f"{e.field}: {e.message}" for e in problem.errors)
        raise click.ClickException(f"{problem.detail} {details}".strip()) from problem


@click.group()
@click.version_option(package_name="civicfutures")
def main() -> None:
    """civicfutures: citizen futures workshop data platform."""


@main.command()
def migrate() -> None:
    """Apply pending database migrations."""
    from civicfutures.db.migrate import migrate as apply

    run_db(lambda: apply(quiet=False))
    click.echo("migrations applied")


async def _load_demo_with_users() -> Any:
    from civicfutures.auth.accounts import create_user
    from civicfutures.curation.demo import load_demo_insights
    from civicfutures.db.tables import User
    from civicfutures.demo import load_demo

    summary = await load_demo()
    await load_demo_insights()
    for email, role, sites in DEMO_USERS:
        if not await User.exists().where(User.email == email):
            await create_user(email, role, sites, password=DEMO_PASSWORD)
    return summary


@main.command()
def demo() -> None:
    """Load the demo project (four sites, 40+ stories in pl, et, it, en) and demo accounts."""
    from civicfutures.db.migrate import migrate as apply

    async def work() -> Any:
        await apply()
        return await _load_demo_with_users()

    summary = run_db(work)
    state = "loaded" if summary.created else "already present"
    click.echo(
        f"demo project {summary.project} {state}: {summary.sites} sites, {summary.themes} themes, "
        f"{summary.workshops} workshops, {summary.storytellers} storytellers, {summary.stories} stories"
    )
    click.echo(
        f"demo accounts (password {DEMO_PASSWORD!r}): " + ", ".join(e for e, _, _ in DEMO_USERS)
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--demo", "with_demo", is_flag=True, help="Load the demo project first.")
def serve(host: str, port: int, workers: int, with_demo: bool) -> None:
    """Apply pending migrations and serve the HTML pages and the API."""
    import uvicorn

    from civicfutures.db.migrate import migrate as apply

    async def prepare() -> Any:
        await apply()
        return await _load_demo_with_users() if with_demo else None

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
    )


@main.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.argument("email")
@click.option(
    "--role", required=True, type=click.Choice(["admin", "partner", "researcher", "author"])
)
@click.option(
    "--site", "sites", multiple=True, help="Site slug (repeat for several; required for partners)."
)
@click.option(
    "--password",
    default=None,
    help="Password for the HTML pages (prompted when omitted on a terminal).",
)
@click.option(
    "--unsuppressed", is_flag=True, help="Researchers only: may request unsuppressed tables."
)
def users_create(
    email: str, role: str, sites: tuple[str, ...], password: str | None, unsuppressed: bool
) -> None:
    """Create a user with a role (partners on their sites)."""
    from civicfutures.auth.accounts import create_user

    user_id = fail_on_problem(
        lambda: create_user(email, role, sites, password=password, unsuppressed=unsuppressed)
    )
    click.echo(f"user {user_id} created: {email} ({role})")


@main.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("email")
@click.option(
    "--expires-days", type=int, default=None, help="Days until the token expires (default: never)."
)
@click.option("--name", default="", help="A note to recognise the token by.")
def tokens_create(email: str, expires_days: int | None, name: str) -> None:
    """Create an API token; the token alone is printed on the last line."""
    from civicfutures.auth.accounts import create_token

    token = fail_on_problem(lambda: create_token(email, expires_days, name))
    click.echo(
        f"token for {email}" + (f", expires in {expires_days} days" if expires_days else "") + ":"
    )
    click.echo(token)


@tokens.command("revoke")
@click.argument("token")
def tokens_revoke(token: str) -> None:
    """Revoke an API token."""
    from civicfutures.auth.accounts import revoke_token

    revoked = fail_on_problem(lambda: revoke_token(token))
    click.echo("revoked" if revoked else "no such active token")


@main.command()
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


@main.command()
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


from civicfutures.i18n.cli import translations  # noqa: E402  (the area's own command group)

main.add_command(translations)

from civicfutures.imports.cli import import_command  # noqa: E402  (spreadsheet import)

main.add_command(import_command)

from civicfutures.bench.cli import bench  # noqa: E402  (benchmarks; areas add subcommands)

main.add_command(bench)

from civicfutures.imports.bench import bench_import  # noqa: E402  (spreadsheet import)

bench.add_command(bench_import)


from civicfutures.exports.cli import export  # noqa: E402  (researcher exports)

main.add_command(export)

from civicfutures.briefings.bench import bench_briefing_command  # noqa: E402
from civicfutures.briefings.cli import briefing  # noqa: E402  (insight briefings)

main.add_command(briefing)
bench.add_command(bench_briefing_command)


from civicfutures.analysis.cli import analyse, snapshot  # noqa: E402  (analysis)

main.add_command(snapshot)
main.add_command(analyse)


from civicfutures.analysis.cli import bench_analysis  # noqa: E402  (analysis benchmark)

bench.add_command(bench_analysis)

if __name__ == "__main__":
    main()
