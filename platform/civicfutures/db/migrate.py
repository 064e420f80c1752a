"""Apply pending migrations from the top-level migrations/ folder."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import run_forwards


class MigrationError(RuntimeError):
    """A migration failed; the message carries Piccolo's report."""


async def migrate(quiet: bool = True) -> None:
    """Run every pending migration of the civicfutures app, in order."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="civicfutures", migration_id="all")
    if not result.success:
        raise MigrationError(result.message or output.getvalue())
