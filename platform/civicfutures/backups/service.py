"""`backup` and `restore` of a whole deployment (see the package docstring).

The database is dumped first and the store listed after it: an object written meanwhile is
at worst kept without a row that names it, while every row of the dump finds its object
unless that object was deleted during the backup (versioning the bucket keeps those too).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from obstore.exceptions import NotFoundError

from civicfutures.backups.archive import (
    DATABASE,
    EXPORTS,
    FORMAT,
    MANIFEST,
    STORAGE,
    Writer,
    is_archive,
    reading,
    staging_name,
    writing,
)
from civicfutures.db.backup import BackupError
from civicfutures.db.backup import backup as dump_database
from civicfutures.db.backup import restore as load_database
from civicfutures.settings import Settings
from civicfutures.storage.objects import Storage


@dataclass(frozen=True)
class Summary:
    """What a backup holds besides the database."""

    objects: int
    files: int


async def backup(settings: Settings, storage: Storage, target: Path) -> Summary:
    """Write the database, every stored object and every file of the exports folder to
    `target`, while the platform keeps running."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        writing(target) as writer,
        tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as work,
    ):
        dump = dump_database(settings, Path(work) / "database")
        writer.add_json(
            MANIFEST,
            {
                "format": FORMAT,
                "engine": settings.engine,
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
        )
        writer.add_file(DATABASE[settings.engine], dump)
        dump.unlink()
        # The backup may be written inside the exports folder: never into itself.
        skip = {staging_name(target), target, Path(work).resolve()}
        files = _add_exports_folder(writer, settings.exports_dir, skip)
        objects = await _add_storage(writer, storage)
    return Summary(objects=objects, files=files)


def _add_exports_folder(writer: Writer, folder: Path, skip: set[Path]) -> int:
    if not folder.is_dir():
        return 0
    added = 0
    for path in sorted(folder.rglob("*")):
        if skip & {path.resolve(), *path.resolve().parents}:
            continue
        if path.is_file() and not path.is_symlink():
            added += writer.add_file(EXPORTS + path.relative_to(folder).as_posix(), path)
    return added


async def _add_storage(writer: Writer, storage: Storage) -> int:
    added = 0
    async for info in storage.walk():
        name = STORAGE + info.key
        if storage.root is not None:
            added += writer.add_file(name, storage.root / info.key)
            continue
        try:
            with storage.local_path(info.key) as copy:
                added += writer.add_file(name, copy)
        except (NotFoundError, FileNotFoundError):
            continue  # deleted since it was listed
    return added


async def restore(settings: Settings, storage: Storage, source: Path) -> Summary:
    """Put a backup back: the database replaced, every object written to `storage`, every
    file to the exports folder. Meant for an empty deployment (objects and files that the
    backup does not hold are left where they are). A bare database file, as older backups
    are, restores the database alone."""
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    if not is_archive(source):
        load_database(settings, source)
        return Summary(objects=0, files=0)
    with reading(source) as reader:
        engine = reader.manifest["engine"]
        if engine != settings.engine:
            raise BackupError(
                f"the backup holds a {engine} database; CIVICFUTURES_DATABASE_URL names "
                f"{settings.engine}"
            )
        exports = settings.exports_dir
        exports.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=exports, prefix=".restore-") as work:
            assert reader.database is not None
            with reader.extracted(reader.database, Path(work)) as dump:
                load_database(settings, dump)
            for key, member in reader.objects:
                with reader.extracted(member, Path(work)) as payload:
                    await storage.put(key, payload)
            for relative, member in reader.files:
                destination = exports / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                with reader.extracted(member, destination.parent) as payload:
                    payload.chmod(0o600)
                    os.replace(payload, destination)
        return Summary(objects=len(reader.objects), files=len(reader.files))
