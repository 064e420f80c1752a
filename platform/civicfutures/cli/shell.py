"""What every command shares: async database work run from the shell, problems as clean messages.

Imports no command module (they import this one), and only the standard library and click at
the top, so `civicfutures --help` stays fast.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

T = TypeVar("T")


def run_db(work: Callable[[], Awaitable[T]]) -> T:
    """Run async database work from the shell, with the pool opened and closed around it."""
    import civicfutures.db  # noqa: F401  (names the Piccolo configuration before tables load)
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
