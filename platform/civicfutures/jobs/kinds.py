"""The function of each kind of job, named by its module path so this package imports none
of the areas that run jobs (they import it to enqueue theirs).

A job function is a plain async function `(params: dict, progress: Progress) -> dict`: it is
given the parameters the job was enqueued with, reports its steps, and returns the job's
result. It must be idempotent: after a worker dies the job runs again from the start.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any, Protocol


class Progress(Protocol):
    async def __call__(self, step: str, fraction: float) -> None: ...


JobFunction = Callable[[dict[str, Any], Progress], Awaitable[dict[str, Any]]]

KINDS: dict[str, str] = {
    "briefing": "civicfutures.briefings.jobs:build_briefing",
    "snapshot": "civicfutures.analysis.jobs:build_snapshot",
    "export": "civicfutures.exports.jobs:write_export",
    "import": "civicfutures.imports.jobs:commit_import",
}


def function_for(kind: str) -> JobFunction:
    """The function that runs jobs of this kind (KeyError for an unknown kind)."""
    module, _sep, name = KINDS[kind].partition(":")
    return getattr(importlib.import_module(module), name)
