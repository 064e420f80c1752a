"""The object store behind every file the platform keeps (see the package docstring).

Keys are `/`-separated relative names built by the platform (`exports/<id>/<file>`); a key
is checked before it reaches the store, so nothing from a request names a place outside it.
Every put is atomic: a reader sees the whole object or none (obstore writes a local file
under a staging name and renames it; an S3 object appears when its upload completes).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import obstore
from obstore.exceptions import NotFoundError
from obstore.store import LocalStore, S3Store

from civicfutures.settings import get_settings

CHUNK = 256 * 1024
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")

Payload = bytes | Path | Iterable[bytes] | AsyncIterable[bytes]


class MissingObject(LookupError):
    """No object under this key."""


@dataclass(frozen=True)
class ObjectInfo:
    """What the store knows of an object without reading it."""

    key: str
    size: int
    etag: str
    modified: dt.datetime


def check_key(key: str) -> str:
    """The key itself when every segment is a plain name; ValueError otherwise."""
    parts = key.split("/")
    if not key or not all(_SEGMENT.fullmatch(part) for part in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def _info(meta: dict) -> ObjectInfo:
    etag = meta.get("e_tag") or f"{meta['size']:x}-{meta['last_modified'].timestamp():.6f}"
    return ObjectInfo(
        key=meta["path"], size=meta["size"], etag=etag.strip('"'), modified=meta["last_modified"]
    )


class Storage:
    """One object store: a local folder (`file:///path`) or an S3 bucket (`s3://bucket/prefix`)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        parts = urlsplit(self.url)
        if parts.scheme == "file":
            self.root: Path | None = Path(unquote(parts.path)).resolve()
            self.root.mkdir(parents=True, exist_ok=True)
            # Kept exports and recordings hold personal data: only the server's user enters
            # (a mounted folder owned by someone else keeps the rights its owner gave it).
            with contextlib.suppress(PermissionError):
                self.root.chmod(0o700)
            # Deleting a folder's last object deletes the folder: a deleted briefing or
            # snapshot leaves no empty directory naming it.
            self.store = LocalStore(prefix=self.root, automatic_cleanup=True)
        elif parts.scheme == "s3":
            self.root = None
            endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
            # A test or on-premises endpoint (moto, MinIO) speaks plain http on a private network.
            options = {"allow_http": True} if endpoint.startswith("http://") else None
            self.store = S3Store.from_url(self.url, client_options=options)
        else:
            raise ValueError(f"CIVICFUTURES_STORAGE_URL: unsupported scheme {parts.scheme!r}")

    async def put(self, key: str, payload: Payload) -> ObjectInfo:
        """Store `payload` (bytes, a local file, or an iterable of chunks) under `key`, whole."""
        await obstore.put_async(self.store, check_key(key), payload)
        return await self.head(key)

    async def head(self, key: str) -> ObjectInfo:
        try:
            return _info(await obstore.head_async(self.store, check_key(key)))
        except (NotFoundError, FileNotFoundError) as error:
            raise MissingObject(key) from error

    async def exists(self, key: str) -> bool:
        try:
            await self.head(key)
        except MissingObject:
            return False
        return True

    async def read(self, key: str) -> bytes:
        """A small object's bytes at once (notes, subtitles); stream anything large."""
        try:
            result = await obstore.get_async(self.store, check_key(key))
            return bytes(await result.bytes_async())
        except (NotFoundError, FileNotFoundError) as error:
            raise MissingObject(key) from error

    async def stream(
        self, key: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """The bytes from `start` up to `end` (exclusive; the end of the object when None),
        in chunks of at most `CHUNK`."""
        options = {"range": (start, end)} if end is not None else {"range": {"offset": start}}
        try:
            result = await obstore.get_async(self.store, check_key(key), options=options)
        except (NotFoundError, FileNotFoundError) as error:
            raise MissingObject(key) from error
        return _chunks(result.stream(min_chunk_size=CHUNK))

    async def get_range(self, key: str, start: int, end: int) -> bytes:
        """The bytes `start` to `end` (exclusive)."""
        try:
            return bytes(
                await obstore.get_range_async(self.store, check_key(key), start=start, end=end)
            )
        except (NotFoundError, FileNotFoundError) as error:
            raise MissingObject(key) from error

    async def delete(self, key: str) -> None:
        """Delete one object; a missing one is no error (deleting twice is harmless)."""
        with contextlib.suppress(NotFoundError, FileNotFoundError):
            await obstore.delete_async(self.store, check_key(key))

    async def list(self, prefix: str) -> list[ObjectInfo]:
        """Every object whose key starts with the folder `prefix`, sorted by key."""
        found: list[ObjectInfo] = []
        try:
            async for batch in obstore.list(self.store, prefix=check_key(prefix)):
                found.extend(_info(meta) for meta in batch)
        except (NotFoundError, FileNotFoundError):
            return []
        return sorted(found, key=lambda info: info.key)

    async def walk(self) -> AsyncIterator[ObjectInfo]:
        """Every object of the store, a listing batch at a time (a backup of a large store
        never holds its whole listing). Names no platform key can take, such as a local
        store's staging files, are left out: nothing reads them."""
        try:
            async for batch in obstore.list(self.store):
                for meta in batch:
                    info = _info(meta)
                    try:
                        check_key(info.key)
                    except ValueError:
                        continue
                    yield info
        except (NotFoundError, FileNotFoundError):
            return

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every object under the folder `prefix`; how many."""
        found = await self.list(prefix)
        if found:
            await obstore.delete_async(self.store, [info.key for info in found])
        return len(found)

    # The same operations for code that runs in a worker thread (snapshot and briefing builds,
    # withdrawals): never call these on the event loop.

    def put_sync(self, key: str, payload: bytes | Path) -> None:
        """`put`, from a worker thread."""
        obstore.put(self.store, check_key(key), payload)

    def read_sync(self, key: str) -> bytes:
        """`read`, from a worker thread."""
        try:
            return bytes(obstore.get(self.store, check_key(key)).bytes())
        except (NotFoundError, FileNotFoundError) as error:
            raise MissingObject(key) from error

    def head_sync(self, key: str) -> ObjectInfo:
        """`head`, from a worker thread."""
        try:
            return _info(obstore.head(self.store, check_key(key)))
        except (NotFoundError, FileNotFoundError) as error:
            raise MissingObject(key) from error

    def exists_sync(self, key: str) -> bool:
        try:
            self.head_sync(key)
        except MissingObject:
            return False
        return True

    def list_sync(self, prefix: str) -> list[ObjectInfo]:
        """`list`, from a worker thread."""
        found: list[ObjectInfo] = []
        try:
            for batch in obstore.list(self.store, prefix=check_key(prefix)):
                found.extend(_info(meta) for meta in batch)
        except (NotFoundError, FileNotFoundError):
            return []
        return sorted(found, key=lambda info: info.key)

    def folder_sync(self, prefix: str) -> tuple[list[str], list[ObjectInfo]]:
        """What lies directly under the folder `prefix`: the names of its subfolders and its
        own objects (not their contents: one request, however many files the subfolders hold)."""
        try:
            found = obstore.list_with_delimiter(self.store, check_key(prefix))
        except (NotFoundError, FileNotFoundError):
            return [], []
        folders = sorted(name.rstrip("/").rsplit("/", 1)[-1] for name in found["common_prefixes"])
        return folders, sorted((_info(meta) for meta in found["objects"]), key=lambda i: i.key)

    def delete_sync(self, key: str) -> None:
        """`delete`, from a worker thread."""
        with contextlib.suppress(NotFoundError, FileNotFoundError):
            obstore.delete(self.store, check_key(key))

    def delete_prefix_sync(self, prefix: str) -> int:
        """`delete_prefix`, from a worker thread."""
        found = self.list_sync(prefix)
        if found:
            obstore.delete(self.store, [info.key for info in found])
        return len(found)

    def scan_options(self) -> dict[str, str] | None:
        """The `storage_options` Polars needs to scan `location()` (None for a local folder).

        Polars reads the credentials and region from the same `AWS_*` variables; only the
        endpoint of an S3-compatible service, and plain http on it, must be named.
        """
        if self.root is not None:
            return None
        endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
        options: dict[str, str] = {}
        if endpoint:
            options["aws_endpoint_url"] = endpoint
            if endpoint.startswith("http://"):
                options["aws_allow_http"] = "true"
        return options

    def location(self, key: str) -> str:
        """Where a tool that opens paths or URLs (Polars, DuckDB) finds the object: a local
        path, or an `s3://` URL they can scan directly."""
        check_key(key)
        if self.root is not None:
            return str(self.root / key)
        return f"{self.url}/{key}"

    @contextlib.contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        """A local file with the object's bytes, for tools that need one; a temporary copy
        (deleted afterwards) when the store is remote."""
        check_key(key)
        if self.root is not None:
            yield self.root / key
            return
        handle, name = tempfile.mkstemp(suffix=Path(key).suffix)
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in obstore.get(self.store, key).stream(min_chunk_size=CHUNK):
                    out.write(chunk)
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)


async def _chunks(stream: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    async for chunk in stream:
        yield bytes(chunk)


@cache
def storage_for(url: str) -> Storage:
    """The store at this URL (one per URL and process)."""
    return Storage(url)


def get_storage() -> Storage:
    """The store named by the settings (one per URL and process)."""
    return storage_for(get_settings().storage_url)
