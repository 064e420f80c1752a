"""The JSON shapes of the briefing routes (API.md: POST and GET /api/v1/briefings)."""

from __future__ import annotations

from typing import Any

import msgspec


class BriefingFile(msgspec.Struct, kw_only=True):
    name: str
    bytes: int
    sha256: str
    url: str


class BriefingOut(msgspec.Struct, kw_only=True, rename={"date_from": "from", "date_to": "to"}):
    """A briefing's status; once `ready`, its files and manifest."""

    id: str
    status: str
    project: str
    site: str | None
    language: str
    date_from: str | None
    date_to: str | None
    suppression: int
    snapshot: str
    requested_at: str
    built_at: str | None = None
    error: str | None = None
    job: str | None = None
    """The build's job (`GET /api/v1/jobs/{id}`), while it is queued or being built."""
    files: list[BriefingFile] = []
    manifest: dict[str, Any] | None = None
