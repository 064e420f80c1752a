"""The files of import jobs on the storage layer, between the request and the job's end.

Under `imports/queued/site-<id>/user-<id>/<key>.bin` (`site-any` when the request named no
site: its rows name theirs), beside a note `<key>.json` of the file's name and SHA-256. Apart
from the job code so that a storyteller's withdrawal (`civicfutures.derived`) deletes them
without importing the import itself.
"""

from __future__ import annotations

import hashlib
import json

from civicfutures.errors import Gone
from civicfutures.i18n import gettext as _
from civicfutures.storage.objects import MissingObject, Storage, get_storage

QUEUED = "imports/queued"
_DATA, _NOTE = ".bin", ".json"


def _site_folder(site_id: int | None) -> str:
    return f"{QUEUED}/site-{int(site_id)}" if site_id is not None else f"{QUEUED}/site-any"


def _folder(user_id: int, site_id: int | None) -> str:
    return f"{_site_folder(site_id)}/user-{int(user_id)}"


class QueuedFiles:
    """Keeps, reads and deletes the file of an import job, named by the job's key."""

    def __init__(self, store: Storage | None = None) -> None:
        self.store = store or get_storage()

    async def keep(
        self, user_id: int, site_id: int | None, key: str, name: str, data: bytes
    ) -> None:
        folder = _folder(user_id, site_id)
        await self.store.put(f"{folder}/{key}{_DATA}", data)
        # The note last: bytes without it are no queued file.
        note = {"name": name, "sha256": hashlib.sha256(data).hexdigest()}
        await self.store.put(f"{folder}/{key}{_NOTE}", json.dumps(note).encode())

    async def read(
        self, user_id: int, site_id: int | None, key: str, sha256: str
    ) -> tuple[str, bytes]:
        """The file's name and bytes; Gone when it was deleted or is not the job's file."""
        folder = _folder(user_id, site_id)
        gone = Gone(_("The file of this import is no longer kept: import it again."))
        try:
            note = json.loads(await self.store.read(f"{folder}/{key}{_NOTE}"))
            data = await self.store.read(f"{folder}/{key}{_DATA}")
        except (MissingObject, ValueError) as error:
            raise gone from error
        if hashlib.sha256(data).hexdigest() != sha256:
            raise gone
        return str(note.get("name") or "upload"), data

    async def discard(self, user_id: int, site_id: int | None, key: str) -> None:
        folder = _folder(user_id, site_id)
        # The note first, as for checked files: bytes without a note are no queued file.
        for suffix in (_NOTE, _DATA):
            await self.store.delete(f"{folder}/{key}{suffix}")

    async def listed(self) -> list[str]:
        """The keys of every file waiting for its job."""
        return [info.key for info in await self.store.list(QUEUED)]


async def purge_site(site_id: int, store: Storage | None = None) -> int:
    """Delete the files of the import jobs that may hold rows of this site (its own, and
    those naming no site); how many there were."""
    store = store or get_storage()
    count = 0
    for prefix in (_site_folder(site_id), _site_folder(None)):
        count += sum(1 for info in await store.list(prefix) if info.key.endswith(_NOTE))
        await store.delete_prefix(prefix)
    return count
