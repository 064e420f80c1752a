"""Spreadsheets kept on the server between their check and their import.

A partner who checked a file cleanly on the import page imports it with one button, without
choosing the file again: the checked bytes are kept under their SHA-256, beside a note of who
checked them, for which site and project, under which name and format. Kept files hold
personal data (storytellers' codes, demographics, their words), so:

- they live under `CIVICFUTURES_VAR_DIR/imports/checked/site-<id>/user-<id>/`, readable by the
  server's user only; a file is found only by the user who checked it, at the site it was
  checked for: another partner's or another site's fingerprint is simply not there (404);
- the fingerprint is checked to be 64 hexadecimal characters before any path is built;
- a file lives CIVICFUTURES_IMPORT_KEEP_MINUTES after its check (its note's modification time),
  and expired files are removed on every check, every import by fingerprint and at start-up;
- a file is deleted once imported (by its fingerprint, or by its checker choosing it again),
  and when its import finds problems (the database changed since the check): a fixed file is
  checked again anyway;
- a storyteller's withdrawal or erasure deletes every kept file of their site
  (`civicfutures.derived`): the file was read before, so which rows it holds is not known
  without reading it again, and deleting them all is the rule that cannot miss one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import anyio.to_thread

from civicfutures.auth.actor import Actor
from civicfutures.errors import FieldError, Gone, InvalidInput, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.i18n import ngettext
from civicfutures.i18n.formatting import format_number
from civicfutures.imports.report import ImportReport
from civicfutures.imports.sources import SourceFile
from civicfutures.settings import get_settings

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


def kept_root() -> Path:
    return get_settings().var_dir / "imports" / "checked"


def keep_seconds() -> float:
    return max(get_settings().import_keep_minutes, 0.0) * 60


def fingerprint(value: object) -> str:
    """The fingerprint as sent, or InvalidInput naming the field: nothing else reaches a path."""
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


def _folder(root: Path, site_id: int, user_id: int) -> Path:
    return root / f"site-{int(site_id)}" / f"user-{int(user_id)}"


def _expired(path: Path, now: float, seconds: float) -> bool:
    try:
        return now - path.stat().st_mtime >= seconds
    except FileNotFoundError:
        return False


def _write(path: Path, data: bytes) -> None:
    """Written whole under a temporary name, then renamed: a reader never sees half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _remove(folder: Path, sha256: str) -> None:
    for suffix in (_NOTE, _DATA):
        with contextlib.suppress(FileNotFoundError):
            (folder / f"{sha256}{suffix}").unlink()


def sweep(root: Path | None = None) -> int:
    """Remove every expired kept file (and leftovers of an interrupted write); their number."""
    root = root or kept_root()
    if not root.is_dir():
        return 0
    now, seconds = time.time(), keep_seconds()
    removed = 0
    for path in sorted(root.glob("site-*/user-*/*")):
        if not path.is_file() or not _expired(path, now, seconds):
            continue
        if path.suffix == _NOTE:
            _remove(path.parent, path.stem)
            removed += 1
        elif not path.with_suffix(_NOTE).exists():
            # Bytes without a note: a write that was cut short.
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    return removed


def sweep_at_startup() -> None:
    """Files left expired by a stopped server go before the first request (an app hook)."""
    sweep()


def purge_site(site_id: int, root: Path | None = None) -> int:
    """Delete every file kept for a site, expired or not; how many there were."""
    folder = (root or kept_root()) / f"site-{int(site_id)}"
    if not folder.is_dir():
        return 0
    count = sum(1 for _note in folder.glob(f"user-*/*{_NOTE}"))
    shutil.rmtree(folder, ignore_errors=True)
    return count


class KeptImports:
    """Keeps, finds and deletes checked files; the file work runs in a worker thread."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or kept_root()

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
        await anyio.to_thread.run_sync(self._keep, kept, data)
        return kept

    def _keep(self, kept: KeptFile, data: bytes) -> None:
        sweep(self.root)
        folder = _folder(self.root, kept.site_id, kept.user_id)
        folder.mkdir(parents=True, exist_ok=True)
        # Only the server's user may list them: the names are fingerprints of personal data.
        for level in (self.root, folder.parent, folder):
            level.chmod(0o700)
        _write(folder / f"{kept.sha256}{_DATA}", data)
        # The note last: a file counts as kept (and its time starts) once its note is there.
        _write(folder / f"{kept.sha256}{_NOTE}", json.dumps(asdict(kept)).encode())

    async def take(self, actor: Actor, site_id: int, value: object) -> tuple[KeptFile, bytes]:
        """The caller's kept file for this site and its bytes; InvalidInput (422), NotFound
        (404) or Gone (410, expired and now removed), each naming the field."""
        sha256 = fingerprint(value)
        return await anyio.to_thread.run_sync(self._take, actor.user_id, site_id, sha256)

    def _take(self, user_id: int | None, site_id: int, sha256: str) -> tuple[KeptFile, bytes]:
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
        if user_id is None:
            raise missing
        folder = _folder(self.root, site_id, user_id)
        note_path = folder / f"{sha256}{_NOTE}"
        seconds = keep_seconds()
        if _expired(note_path, time.time(), seconds):
            _remove(folder, sha256)
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
        sweep(self.root)
        try:
            note = json.loads(note_path.read_text(encoding="utf-8"))
            data = (folder / f"{sha256}{_DATA}").read_bytes()
            kept = KeptFile(**note)
        except (FileNotFoundError, ValueError, TypeError) as error:
            raise missing from error
        # The note and the bytes must agree with the request: anything else is not this file.
        if (
            kept.sha256 != sha256
            or kept.user_id != user_id
            or kept.site_id != site_id
            or hashlib.sha256(data).hexdigest() != sha256
        ):
            _remove(folder, sha256)
            raise missing
        return kept, data

    async def forget(self, actor: Actor, site_id: int, source: SourceFile) -> None:
        """Delete the caller's kept copy of a file just imported by choosing it again."""
        if actor.user_id is None or source.data is None:
            return
        sha256 = hashlib.sha256(source.data).hexdigest()
        await anyio.to_thread.run_sync(_remove, _folder(self.root, site_id, actor.user_id), sha256)

    async def discard(self, kept: KeptFile) -> None:
        """Delete a kept file (after its import, or when its import found problems)."""
        await anyio.to_thread.run_sync(
            _remove, _folder(self.root, kept.site_id, kept.user_id), kept.sha256
        )
