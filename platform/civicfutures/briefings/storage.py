"""Where briefings live: `exports/briefings/<id>/` (the files) and `<id>.status.json` beside it.

The directory holds only the briefing's content, hashed in its manifest. What changes with
time — whether it is building, when it was built, who asked — is kept in the status file
next to it, so rebuilding the same briefing never changes a byte of the briefing itself.
A briefing is written into a hidden staging directory and renamed into place when complete:
readers never see half a briefing, and two builds of the same id agree.

The status also names the storytellers the briefing drew on. When one of them withdraws or is
erased the briefing is withdrawn (`withdraw_with`): its directory is deleted and its status
says `withdrawn`, keeping the record that it was built but nothing of what it said.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec

from civicfutures.briefings.manifest import MANIFEST

FOLDER = "briefings"
STATUS_SUFFIX = ".status.json"
ID_PATTERN = re.compile(r"^[0-9a-f]{24}$")


class Status(msgspec.Struct, kw_only=True):
    """The state of one briefing, kept beside its directory."""

    id: str
    status: str
    """`building`, `ready`, `failed` or `withdrawn`."""
    project: str
    site: str | None
    site_id: int | None
    language: str
    date_from: str | None = None
    date_to: str | None = None
    suppression: int
    snapshot: str
    requested_at: str
    built_at: str | None = None
    requested_by: str = ""
    error: str | None = None
    pid: int | None = None
    storytellers: list[int] | None = None
    """Ids of the storytellers it drew on; None for a briefing built before they were kept."""
    withdrawn_at: str | None = None
    step: str | None = None
    """The build step under way while `building` (`progress.steps`); None before the first."""
    job: str | None = None
    """The id of the build's job, filled in when the status is read with it (the job's row, not
    this file, names the briefing it builds)."""


def root(exports_dir: Path) -> Path:
    return Path(exports_dir) / FOLDER


def valid_id(briefing_id: str) -> bool:
    return bool(ID_PATTERN.match(briefing_id))


def directory(exports_dir: Path, briefing_id: str) -> Path:
    return root(exports_dir) / briefing_id


def status_path(exports_dir: Path, briefing_id: str) -> Path:
    return root(exports_dir) / f"{briefing_id}{STATUS_SUFFIX}"


def read_status(exports_dir: Path, briefing_id: str) -> Status | None:
    if not valid_id(briefing_id):
        return None
    path = status_path(exports_dir, briefing_id)
    try:
        return msgspec.json.decode(path.read_bytes(), type=Status)
    except (FileNotFoundError, msgspec.DecodeError):
        return None


def write_status(exports_dir: Path, status: Status) -> None:
    """Replace the status file atomically (write aside, then rename)."""
    folder = root(exports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{status.id}-", suffix=".tmp", dir=folder)
    with os.fdopen(handle, "wb") as stream:
        stream.write(msgspec.json.encode(status))
    os.replace(temporary, status_path(exports_dir, status.id))


def list_statuses(exports_dir: Path) -> list[Status]:
    """Every briefing with a status file, newest request first."""
    found = []
    folder = root(exports_dir)
    if folder.is_dir():
        for path in folder.glob(f"*{STATUS_SUFFIX}"):
            status = read_status(exports_dir, path.name.removesuffix(STATUS_SUFFIX))
            if status is not None:
                found.append(status)
    return sorted(found, key=lambda s: (s.requested_at, s.id), reverse=True)


def read_manifest(briefing_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((briefing_dir / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


@contextmanager
def staging(final: Path, *, replace: bool = False) -> Iterator[Path]:
    """A fresh directory to build into; on success it becomes `final` in one rename.

    When `final` already holds a complete briefing it is kept (same id, same bytes) unless
    `replace` is set (an explicit output directory being rebuilt).
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    try:
        yield work
        if replace and final.exists():
            shutil.rmtree(final)
        try:
            os.rename(work, final)
        except OSError:
            if read_manifest(final) is None:
                raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


def withdraw_with(exports_dir: Path, project: str, storytellers: set[int], at: str) -> list[str]:
    """Withdraw every briefing drawing on any of these storytellers; their ids.

    A briefing that does not name its storytellers is withdrawn when it is of the project.
    Staging directories of builds under way are deleted too (the build then fails).
    """
    withdrawn = []
    folder = root(exports_dir)
    for status in list_statuses(exports_dir):
        if status.status == "withdrawn":
            continue
        if status.storytellers is None:
            hit = status.project == project
        else:
            hit = bool(storytellers.intersection(status.storytellers))
        if not hit:
            continue
        shutil.rmtree(directory(exports_dir, status.id), ignore_errors=True)
        for staged in folder.glob(f".{status.id}-*"):
            if staged.is_dir():
                shutil.rmtree(staged, ignore_errors=True)
        status.status, status.withdrawn_at, status.error, status.pid = "withdrawn", at, None, None
        status.storytellers = []
        write_status(exports_dir, status)
        withdrawn.append(status.id)
    return withdrawn
