"""Where briefings live: on the storage layer (`storage/`: a local folder or an S3 bucket),
the files under `briefings/<id>/` and the status record beside them, `briefings/<id>.status.json`.

The folder holds only the briefing's content, hashed in its manifest. What changes with
time — whether it is building, when it was built, who asked — is kept in the status record,
so rebuilding the same briefing never changes a byte of the briefing itself.

A briefing is built into a hidden local staging folder (`<exports>/briefings/.<id>-…`), then
published: every file uploaded, the manifest last, and only then the status says `ready`.
An object store has no rename: readers go by the status and the manifest, so they never see
half a briefing, and two builds of the same id upload the same bytes.

The status also names the storytellers the briefing drew on. When one of them withdraws or is
erased the briefing is withdrawn (`withdraw_with`): its files are deleted and its status
says `withdrawn`, keeping the record that it was built but nothing of what it said.

Every function here blocks on the store: call them from a worker thread.
"""

from __future__ import annotations

import hashlib
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

from civicfutures.briefings.manifest import MANIFEST, sha256
from civicfutures.briefings.renderers.to_zip import ARCHIVE
from civicfutures.storage.objects import MissingObject, ObjectInfo, Storage

FOLDER = "briefings"
STATUS_SUFFIX = ".status.json"
ID_PATTERN = re.compile(r"^[0-9a-f]{24}$")


class Status(msgspec.Struct, kw_only=True):
    """The state of one briefing, kept beside its folder."""

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
    archive: dict[str, Any] | None = None
    """The zip's `bytes` and `sha256` once published (the manifest cannot list the file that
    holds it); None for a briefing published before they were kept."""
    job: str | None = None
    """The id of the build's job, filled in when the status is read with it (the job's row, not
    this file, names the briefing it builds)."""


def valid_id(briefing_id: str) -> bool:
    return bool(ID_PATTERN.match(briefing_id))


def prefix(briefing_id: str) -> str:
    """The folder of the briefing's files in the store."""
    return f"{FOLDER}/{briefing_id}"


def file_key(briefing_id: str, name: str) -> str:
    return f"{prefix(briefing_id)}/{name}"


def status_key(briefing_id: str) -> str:
    return f"{FOLDER}/{briefing_id}{STATUS_SUFFIX}"


def read_status(store: Storage, briefing_id: str) -> Status | None:
    if not valid_id(briefing_id):
        return None
    try:
        return msgspec.json.decode(store.read_sync(status_key(briefing_id)), type=Status)
    except (MissingObject, msgspec.DecodeError):
        return None


def write_status(store: Storage, status: Status) -> None:
    """Replace the status record (a put is atomic on every backend)."""
    store.put_sync(status_key(status.id), msgspec.json.encode(status))


def list_statuses(store: Storage) -> list[Status]:
    """Every briefing with a status record, newest request first."""
    found = []
    for info in store.folder_sync(FOLDER)[1]:
        name = info.key.removeprefix(f"{FOLDER}/")
        if not name.endswith(STATUS_SUFFIX):
            continue
        status = read_status(store, name.removesuffix(STATUS_SUFFIX))
        if status is not None:
            found.append(status)
    return sorted(found, key=lambda s: (s.requested_at, s.id), reverse=True)


def read_manifest(briefing_dir: Path) -> dict[str, Any] | None:
    """The manifest of a briefing in a local folder (an explicit output folder, staging)."""
    try:
        return json.loads((briefing_dir / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
        return None


def stored_manifest(store: Storage, briefing_id: str) -> dict[str, Any] | None:
    """The manifest of a published briefing; None while it is not (completely) there."""
    try:
        return json.loads(store.read_sync(file_key(briefing_id, MANIFEST)))
    except (MissingObject, ValueError):
        return None


def file_info(store: Storage, briefing_id: str, name: str) -> ObjectInfo:
    """A published file of the briefing (MissingObject when it is gone)."""
    return store.head_sync(file_key(briefing_id, name))


def archive_of(store: Storage, status: Status) -> dict[str, Any] | None:
    """The zip's size and hash: from the status, or read from the store for a briefing
    published before the status kept them."""
    if status.archive is not None:
        return status.archive
    try:
        data = store.read_sync(file_key(status.id, ARCHIVE))
    except MissingObject:
        return None
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def location(store: Storage, briefing_id: str) -> Path | str:
    """Where the briefing is: its local folder, or the URL of its prefix in a bucket."""
    where = store.location(prefix(briefing_id))
    return Path(where) if store.root is not None else where


@contextmanager
def staging(final: Path, *, replace: bool = False) -> Iterator[Path]:
    """A fresh local folder to build into; on success it becomes `final` in one rename.

    When `final` already holds a complete briefing it is kept (same id, same bytes) unless
    `replace` is set (an explicit output folder being rebuilt).
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


@contextmanager
def building(exports_dir: Path, briefing_id: str) -> Iterator[Path]:
    """A fresh local folder to build the briefing into before it is published; deleted after."""
    root = Path(exports_dir) / FOLDER
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{briefing_id}-", dir=root))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


class Withdrawn(RuntimeError):
    """The briefing was withdrawn while it was being built: nothing of it is published."""


def publish(store: Storage, work: Path, briefing_id: str) -> dict[str, Any]:
    """Upload a built briefing: every file, the manifest last; the zip's size and hash.

    A briefing withdrawn meanwhile (a storyteller withdrew during the build) is deleted again
    rather than left behind.
    """
    files = sorted(path for path in work.rglob("*") if path.is_file())
    manifest = work / MANIFEST
    for path in files:
        if path != manifest:
            store.put_sync(file_key(briefing_id, path.relative_to(work).as_posix()), path)
    store.put_sync(file_key(briefing_id, MANIFEST), manifest)
    current = read_status(store, briefing_id)
    if current is not None and current.status == "withdrawn":
        remove(store, briefing_id)
        raise Withdrawn(briefing_id)
    archive = work / ARCHIVE
    if not archive.is_file():
        return {}
    return {"bytes": archive.stat().st_size, "sha256": sha256(archive)}


def remove(store: Storage, briefing_id: str) -> None:
    """Delete the briefing's files, the manifest first (then it is no briefing)."""
    store.delete_sync(file_key(briefing_id, MANIFEST))
    store.delete_prefix_sync(prefix(briefing_id))


def withdraw_with(
    store: Storage,
    project: str,
    storytellers: set[int],
    at: str,
    exports_dir: Path | None = None,
) -> list[str]:
    """Withdraw every briefing drawing on any of these storytellers; their ids.

    A briefing that does not name its storytellers is withdrawn when it is of the project.
    Local staging folders of this machine's builds under way are deleted too (the build then
    fails); a build elsewhere finds the withdrawn status when it publishes, and deletes
    what it uploaded.
    """
    withdrawn = []
    for status in list_statuses(store):
        if status.status == "withdrawn":
            continue
        if status.storytellers is None:
            hit = status.project == project
        else:
            hit = bool(storytellers.intersection(status.storytellers))
        if not hit:
            continue
        status.status, status.withdrawn_at, status.error, status.pid = "withdrawn", at, None, None
        status.storytellers, status.archive = [], None
        # The status first: a build publishing now sees it and takes its files back.
        write_status(store, status)
        remove(store, status.id)
        if exports_dir is not None:
            for staged in (Path(exports_dir) / FOLDER).glob(f".{status.id}-*"):
                if staged.is_dir():
                    shutil.rmtree(staged, ignore_errors=True)
        withdrawn.append(status.id)
    return withdrawn
