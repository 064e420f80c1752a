"""The JSON shape of a job (API.md: `GET /api/v1/jobs/{id}`)."""

from __future__ import annotations

from typing import Any

import msgspec


class JobOut(msgspec.Struct, kw_only=True):
    """A background job: where it is, how far it has gone, and what it gave."""

    id: str
    kind: str
    status: str
    """`queued`, `running`, `done` or `failed`."""
    progress: float
    """From 0 to 1."""
    step: str | None
    attempts: int
    result: dict[str, Any] | None = None
    error: str | None = None
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
