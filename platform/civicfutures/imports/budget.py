"""The time one import may spend reading and checking its file, and the imports running at once.

Reading runs in a worker thread, which cannot be stopped from outside: the reader and the row
checks call `check_budget()` between rows and between chunks of an archive, and the budget ends
the work from inside. It is a context variable so the readers deep in `sources` and `preflight`
need no extra parameter; `asyncio.to_thread` carries it into the worker thread.

The slots are counted per process in the event loop (no await between the test and the
increment), so a busy process refuses at once instead of queueing uploads in memory.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar

from civicfutures.errors import Unavailable
from civicfutures.i18n import gettext as _
from civicfutures.i18n import ngettext
from civicfutures.i18n.formatting import format_number
from civicfutures.imports.limits import get_limits
from civicfutures.imports.read_error import ReadError

# Seconds a client waits before trying again when every import slot is taken.
BUSY_RETRY_AFTER = 5


class BudgetSpent(ReadError):
    """Reading and checking the file took longer than CIVICFUTURES_IMPORT_TIME_BUDGET_SECONDS."""


class ImportsBusy(Unavailable):
    """Every import slot of this process is taken (503 with Retry-After)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            ngettext(
                "{limit} import is already running, as many as this server runs at once: "
                "try again in a moment.",
                "{limit} imports are already running, as many as this server runs at once: "
                "try again in a moment.",
                limit,
            ).format(limit=format_number(limit))
        )
        self.retry_after = BUSY_RETRY_AFTER


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise BudgetSpent(
                _(
                    "Reading and checking the file took longer than the {limit} seconds one import may take: nothing was imported. Split it into smaller files."
                ).format(limit=format_number(self.seconds))
            )


_deadline: ContextVar[_Deadline | None] = ContextVar("import_deadline", default=None)


@contextlib.contextmanager
def time_budget() -> Iterator[None]:
    """Start the clock of CIVICFUTURES_IMPORT_TIME_BUDGET_SECONDS for the work inside."""
    token = _deadline.set(_Deadline(get_limits().time_budget_seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def check_budget() -> None:
    """BudgetSpent once the current import's time is up; nothing outside an import."""
    deadline = _deadline.get()
    if deadline is not None:
        deadline.check()


class ImportSlots:
    """At most CIVICFUTURES_IMPORT_MAX_CONCURRENT imports at once in this process."""

    def __init__(self) -> None:
        self.held = 0

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        limit = get_limits().max_concurrent
        if self.held >= limit:
            raise ImportsBusy(limit)
        self.held += 1
        try:
            yield
        finally:
            self.held -= 1


IMPORT_SLOTS = ImportSlots()
