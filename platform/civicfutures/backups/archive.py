"""The backup file: an uncompressed tar (recordings and PostgreSQL's custom dumps are
compressed already) holding

- `manifest.json`: the format's version, the database engine, when it was made;
- `database.sqlite` or `database.pgdump`: the database as `db/backup.py` writes it;
- `storage/<key>`: every object of the storage layer under its key;
- `exports/<path>`: every file of the exports folder.

An object that is also a file of the exports folder (the default store is that folder) is
stored once and linked from its second name. The writer fills a staging file renamed into
place at the end, so a failed backup leaves no file that looks whole; the reader checks every
name before anything is restored, so no name in a file reaches outside the store or folder.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from civicfutures.db.backup import BackupError
from civicfutures.storage.objects import check_key

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
STORAGE = "storage/"
EXPORTS = "exports/"


def is_archive(path: Path) -> bool:
    """A backup in this format; older backups are the bare database file."""
    return tarfile.is_tarfile(path)


def safe_relative(name: str) -> str:
    """`name` when it is a plain relative path (no `..`, no root, no empty part)."""
    parts = PurePosixPath(name).parts
    if (
        not parts
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or any(part in {"", ".", ".."} for part in parts)
    ):
        raise BackupError(f"the backup names a file outside its folder: {name!r}")
    return "/".join(parts)


def staging_name(target: Path) -> Path:
    """Where the backup is written until it is whole."""
    return target.with_name(f".{target.name}.partial")


@contextlib.contextmanager
def writing(target: Path) -> Iterator[Writer]:
    """A backup written to its staging file and renamed to `target` once whole; nothing is
    left when the block fails."""
    staging = staging_name(target)
    try:
        with tarfile.open(staging, "w", format=tarfile.PAX_FORMAT) as tar:
            yield Writer(tar)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    os.replace(staging, target)


@contextlib.contextmanager
def reading(source: Path) -> Iterator[Reader]:
    """A backup opened for restoring, every name checked first."""
    try:
        with tarfile.open(source, "r:") as tar:
            yield Reader(tar)
    except tarfile.TarError as error:
        raise BackupError(f"{source} is not a readable backup: {error}") from error


class Writer:
    """Adds members to a backup being written."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar = tar
        self.by_source: dict[Path, str] = {}

    def add_json(self, name: str, value: dict) -> None:
        data = json.dumps(value, indent=2, sort_keys=True).encode("utf-8")
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o600
        self.tar.addfile(info, io.BytesIO(data))

    def add_file(self, name: str, source: Path) -> bool:
        """Add the file at `source`; a second name for a file already added becomes a link.
        False when the file is gone (deleted while the backup ran)."""
        try:
            resolved = source.resolve(strict=True)
        except FileNotFoundError:
            return False
        if resolved in self.by_source:
            link = tarfile.TarInfo(name)
            link.type = tarfile.LNKTYPE
            link.linkname = self.by_source[resolved]
            link.mode = 0o600
            self.tar.addfile(link)
            return True
        try:
            with resolved.open("rb") as handle:
                info = self.tar.gettarinfo(arcname=name, fileobj=handle)
                info.mode = 0o600
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                self.tar.addfile(info, handle)
        except FileNotFoundError:
            return False
        self.by_source[resolved] = name
        return True


class Reader:
    """A backup opened for restoring, its names checked and sorted by kind."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar = tar
        self.manifest = self._manifest()
        self.database: tarfile.TarInfo | None = None
        self.objects: list[tuple[str, tarfile.TarInfo]] = []
        self.files: list[tuple[str, tarfile.TarInfo]] = []
        self.seen: set[str] = set()
        for member in self.tar.getmembers():
            self._sort(member)
        if self.database is None:
            raise BackupError("the backup holds no database")

    def _manifest(self) -> dict:
        try:
            handle = self.tar.extractfile(MANIFEST)
            manifest = json.loads(handle.read()) if handle else None
        except (KeyError, ValueError) as error:
            raise BackupError(f"the backup has no readable {MANIFEST}") from error
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format: {manifest!r}")
        if manifest.get("engine") not in DATABASE:
            raise BackupError(f"unknown database engine in the backup: {manifest.get('engine')!r}")
        return manifest

    def _sort(self, member: tarfile.TarInfo) -> None:
        name = member.name
        if not (member.isfile() or member.islnk()):
            raise BackupError(f"the backup holds something other than files: {name!r}")
        if member.islnk() and member.linkname not in self.seen:
            raise BackupError(f"the backup links {name!r} to no earlier file")
        self.seen.add(name)
        if name == MANIFEST:
            return
        if name == DATABASE[self.manifest["engine"]]:
            self.database = member
        elif name.startswith(STORAGE):
            key = name.removeprefix(STORAGE)
            try:
                self.objects.append((check_key(key), member))
            except ValueError as error:
                raise BackupError(f"the backup holds a bad storage key: {key!r}") from error
        elif name.startswith(EXPORTS):
            self.files.append((safe_relative(name.removeprefix(EXPORTS)), member))
        else:
            raise BackupError(f"the backup holds an unknown file: {name!r}")

    @contextlib.contextmanager
    def extracted(self, member: tarfile.TarInfo, folder: Path) -> Iterator[Path]:
        """The member's bytes in a temporary file inside `folder`, deleted afterwards."""
        handle = self.tar.extractfile(member)
        if handle is None:
            raise BackupError(f"the backup's {member.name!r} has no content")
        descriptor, name = tempfile.mkstemp(dir=folder, prefix=".restoring-")
        try:
            with os.fdopen(descriptor, "wb") as out:
                shutil.copyfileobj(handle, out, 1024 * 1024)
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)
