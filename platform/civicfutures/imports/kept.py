"""Spreadsheets kept on the server between their check and their import.

A partner who checked a file cleanly on the import page imports it with one button, without
choosing the file again: the checked bytes are kept under their SHA-256, beside a note of who
checked them, for which site and project, under which name and format. Kept files hold
personal data (storytellers' codes, demographics, their words), so:

- they live in the platform's storage (`civicfutures.storage`) under
  `imports/checked/site-<id>/user-<id>/` (a local store's folder is the server user's only); a
  file is found only by the user who checked it, at the site it was checked for: another
  partner's or another site's fingerprint is simply not there (404);
- the fingerprint is checked to be 64 hexadecimal characters before any key is built;
- a file lives CIVICFUTURES_IMPORT_KEEP_MINUTES after its check (its note's time in the store),
  and expired files are removed on every check, every import by fingerprint and at start-up;
- a file is deleted once imported (by its fingerprint, or by its checker choosing it again),
  and when its import finds problems (the database changed since the check): a fixed file is
  checked again anyway;
- a storyteller's withdrawal or erasure deletes every kept file of their site
  (`civicfutures.derived`): the file was read before, so which rows it holds is not known
  without reading it again, and deleting them all is the rule that cannot miss one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass

from civicfutures.auth.actor import Actor
from civicfutures.errors import FieldError, Gone, InvalidInput, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.i18n import ngettext
from civicfutures.i18n.formatting import format_number
from civicfutures.imports.report import ImportReport
from civicfutures.imports.sources import SourceFile
from civicfutures.settings import get_settings
from civicfutures.storage.objects import MissingObject, ObjectInfo, Storage, get_storage

FIELD = "sha256"
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
_DATA, _NOTE = ".bin", ".json"


@dataclass(frozen=True)
class KeptFile:
    """A checked file's note; `minutes` is how long it is kept after its check."""

    sha256: str
    project: str
    site: str
    site_id: int
    user_id: int
    checked_by: str
    name: str
    format: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    size: int
    stories: int
    checked_at: str
    minutes: float


CHECKED = "imports/checked"


def keep_seconds() -> float:
    return max(get_settings().import_keep_minutes, 0.0) * 60


def fingerprint(value: object) -> str:
    """The fingerprint as sent, or InvalidInput naming the field: nothing else reaches a key."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if not text:
        raise InvalidInput(
            _("The request has invalid fields."), [FieldError(FIELD, _("This field is required."))]
        )
    if not _FINGERPRINT.fullmatch(text):
        raise InvalidInput(
            _("The request has invalid fields."),
            [
                FieldError(
                    FIELD,
                    _(
                        "A checked file is named by its SHA-256 fingerprint: 64 characters, digits and the letters a to f."
                    ),
                )
            ],
        )
    return text


def _folder(site_id: int, user_id: int) -> str:
    return f"{CHECKED}/site-{int(site_id)}/user-{int(user_id)}"


def _expired(info: ObjectInfo, now: dt.datetime, seconds: float) -> bool:
    return (now - info.modified).total_seconds() >= seconds


async def _remove(storage: Storage, folder: str, sha256: str) -> None:
    # The note first: without it the bytes are no kept file, whatever happens next.
    for suffix in (_NOTE, _DATA):
        await storage.delete(f"{folder}/{sha256}{suffix}")


async def sweep(storage: Storage | None = None) -> int:
    """Remove every expired kept file (and bytes left without a note by an interrupted
    keep); how many kept files went."""
    storage = storage or get_storage()
    found = await storage.list(CHECKED)
    keys = {info.key for info in found}
    now, seconds = dt.datetime.now(dt.UTC), keep_seconds()
    removed = 0
    for info in found:
        if not _expired(info, now, seconds):
            continue
        folder, _slash, name = info.key.rpartition("/")
        if name.endswith(_NOTE):
            await _remove(storage, folder, name.removesuffix(_NOTE))
            removed += 1
        elif info.key.removesuffix(_DATA) + _NOTE not in keys:
            await storage.delete(info.key)
    return removed


async def sweep_at_startup() -> None:
    """Files left expired by a stopped server go before the first request (an app hook)."""
    await sweep()


async def purge_site(site_id: int, storage: Storage | None = None) -> int:
    """Delete every file kept for a site, expired or not; how many there were."""
    storage = storage or get_storage()
    prefix = f"{CHECKED}/site-{int(site_id)}"
    count = sum(1 for info in await storage.list(prefix) if info.key.endswith(_NOTE))
    await storage.delete_prefix(prefix)
    return count


class KeptImports:
    """Keeps, finds and deletes checked files in the storage."""

    def __init__(self, storage: Storage | None = None) -> None:
        self.storage = storage or get_storage()

    async def keep(
        self, actor: Actor, site_id: int, site: str, source: SourceFile, report: ImportReport
    ) -> KeptFile | None:
        """Keep a cleanly checked file for its checker and site; None when nothing is kept
        (keeping is off, the report has problems or nothing new, or the caller is no user)."""
        seconds = keep_seconds()
        if (
            seconds <= 0
            or actor.user_id is None
            or report.problems_total
            or not report.dry_run
            or report.created.stories == 0
        ):
            return None
        data = source.data if source.data is not None else source.path.read_bytes()  # type: ignore[union-attr]
        sha256 = hashlib.sha256(data).hexdigest()
        info = report.file
        kept = KeptFile(
            sha256=sha256,
            project=report.project,
            site=site,
            site_id=site_id,
            user_id=actor.user_id,
            checked_by=actor.label,
            name=info.name,
            format=info.format,
            encoding=info.encoding,
            delimiter=info.delimiter,
            sheet=info.sheet,
            size=len(data),
            stories=report.created.stories,
            checked_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            minutes=seconds / 60,
        )
        await sweep(self.storage)
        folder = _folder(kept.site_id, kept.user_id)
        await self.storage.put(f"{folder}/{sha256}{_DATA}", data)
        # The note last: a file counts as kept (and its time starts) once its note is there.
        await self.storage.put(f"{folder}/{sha256}{_NOTE}", json.dumps(asdict(kept)).encode())
        return kept

    async def take(self, actor: Actor, site_id: int, value: object) -> tuple[KeptFile, bytes]:
        """The caller's kept file for this site and its bytes; InvalidInput (422), NotFound
        (404) or Gone (410, expired and now removed), each naming the field."""
        sha256 = fingerprint(value)
        missing = NotFound(
            _("No such checked file."),
            [
                FieldError(
                    FIELD,
                    _(
                        "No checked file with this fingerprint is kept for you at this site: choose the file and check it again."
                    ),
                )
            ],
        )
        if actor.user_id is None:
            raise missing
        folder = _folder(site_id, actor.user_id)
        seconds = keep_seconds()
        try:
            note_info = await self.storage.head(f"{folder}/{sha256}{_NOTE}")
        except MissingObject as error:
            raise missing from error
        if _expired(note_info, dt.datetime.now(dt.UTC), seconds):
            await _remove(self.storage, folder, sha256)
            raise Gone(
                _("The checked file is no longer kept."),
                [
                    FieldError(
                        FIELD,
                        ngettext(
                            "A checked file is kept for {minutes} minute and this one has been removed: choose the file and check it again.",
                            "A checked file is kept for {minutes} minutes and this one has been removed: choose the file and check it again.",
                            round(seconds / 60),
                        ).format(minutes=format_number(round(seconds / 60))),
                    )
                ],
            )
        await sweep(self.storage)
        try:
            note = json.loads(await self.storage.read(f"{folder}/{sha256}{_NOTE}"))
            data = await self.storage.read(f"{folder}/{sha256}{_DATA}")
            kept = KeptFile(**note)
        except (MissingObject, ValueError, TypeError) as error:
            raise missing from error
        # The note and the bytes must agree with the request: anything else is not this file.
        if (
            kept.sha256 != sha256
            or kept.user_id != actor.user_id
            or kept.site_id != site_id
            or hashlib.sha256(data).hexdigest() != sha256
        ):
            await _remove(self.storage, folder, sha256)
            raise missing
        return kept, data

    async def forget(self, actor: Actor, site_id: int, source: SourceFile) -> None:
        """Delete the caller's kept copy of a file just imported by choosing it again."""
        if actor.user_id is None or source.data is None:
            return
        sha256 = hashlib.sha256(source.data).hexdigest()
        await _remove(self.storage, _folder(site_id, actor.user_id), sha256)

    async def discard(self, kept: KeptFile) -> None:
        """Delete a kept file (after its import, or when its import found problems)."""
        await _remove(self.storage, _folder(kept.site_id, kept.user_id), kept.sha256)
