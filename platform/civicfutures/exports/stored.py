"""Exports written by jobs, kept in the store for the account that asked (no Litestar here).

An export above the synchronous limit is written by a job (`exports/jobs.py`) to
`exports/jobs/<job id>/<file name>`, with its note `exports/jobs/<job id>.json` written last
(without its note a file is no stored export). The note names the owner, the file, its notes
and the storytellers it drew on: the job's row keeps none of them, so a withdrawal or erasure
finds here every stored export holding the storyteller and deletes it (`remove_stored_with`).
Stored exports older than `CIVICFUTURES_EXPORT_KEEP_DAYS` are deleted when another is written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from civicfutures.settings import get_settings
from civicfutures.storage.objects import MissingObject, Storage, get_storage

PREFIX = "exports/jobs"
# A job id (`jobs.service.enqueue`): nothing else names a stored export.
JOB_ID = re.compile(r"^[0-9a-f]{24}$")


@dataclass(frozen=True)
class StoredExport:
    """What the store holds of one job's export."""

    job: str
    owner: int
    created_at: str
    filename: str
    media_type: str
    size: int
    snapshot: str
    notes: dict[str, Any] = field(default_factory=dict)
    storytellers: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{PREFIX}/{self.job}/{self.filename}"

    @property
    def download(self) -> str:
        return download_url(self.job)

    def result(self) -> dict[str, Any]:
        """The job's result: where to download and what the file is (no storyteller ids)."""
        return {
            "download": self.download,
            "filename": self.filename,
            "media_type": self.media_type,
            "size": self.size,
            "snapshot": self.snapshot,
            "notes": self.notes,
        }


def download_url(job_id: str) -> str:
    return f"/api/v1/exports/files/{job_id}"


def _note_key(job_id: str) -> str:
    return f"{PREFIX}/{job_id}.json"


async def read(job_id: str, storage: Storage | None = None) -> StoredExport | None:
    """The stored export of this job, if its note is there."""
    if not JOB_ID.match(job_id):
        return None
    storage = storage or get_storage()
    try:
        return StoredExport(**json.loads(await storage.read(_note_key(job_id))))
    except (MissingObject, ValueError, TypeError):
        return None


async def forget(job_id: str, storage: Storage | None = None) -> None:
    """The note first: without it the file is no stored export, whatever happens next."""
    storage = storage or get_storage()
    await storage.delete(_note_key(job_id))
    await storage.delete_prefix(f"{PREFIX}/{job_id}")


async def _notes(storage: Storage) -> list[StoredExport | str]:
    """Every stored export, or the job id of a note that cannot be read."""
    found: list[StoredExport | str] = []
    for info in await storage.list(PREFIX):
        name = info.key.removeprefix(f"{PREFIX}/")
        if "/" in name or not name.endswith(".json"):
            continue
        job_id = name.removesuffix(".json")
        found.append(await read(job_id, storage) or job_id)
    return found


async def store(
    storage: Storage,
    job_id: str,
    owner: int,
    path: Any,
    filename: str,
    media_type: str,
    snapshot: str,
    notes: dict[str, Any],
    storytellers: list[int],
) -> StoredExport:
    """Store a job's finished export file (`path`), its note last; then delete the stored
    exports past their days."""
    stored = StoredExport(
        job=job_id,
        owner=owner,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        filename=filename,
        media_type=media_type,
        size=path.stat().st_size,
        snapshot=snapshot,
        notes=notes,
        storytellers=sorted(storytellers),
    )
    await storage.put(stored.key, path)
    await storage.put(_note_key(job_id), json.dumps(asdict(stored)).encode())
    await prune(storage)
    return stored


async def prune(storage: Storage | None = None) -> int:
    """Delete the stored exports older than `CIVICFUTURES_EXPORT_KEEP_DAYS`; how many."""
    storage = storage or get_storage()
    days = get_settings().export_keep_days
    oldest = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat()
    removed = 0
    for stored in await _notes(storage):
        if isinstance(stored, StoredExport) and stored.created_at < oldest:
            await forget(stored.job, storage)
            removed += 1
    return removed


async def remove_stored_with(storytellers: set[int], storage: Storage | None = None) -> int:
    """Delete every stored export drawing on any of these storytellers; how many. One whose
    note cannot be read (or names no one) is deleted too: nothing vouches for it."""
    storage = storage or get_storage()
    removed = 0
    for stored in await _notes(storage):
        if isinstance(stored, str):
            await forget(stored, storage)
            removed += 1
        elif not stored.storytellers or set(stored.storytellers) & storytellers:
            await forget(stored.job, storage)
            removed += 1
    return removed
