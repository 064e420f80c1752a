"""Runs an export: checks the request and the caller's scope, reads the project into a work
area, writes the file there (in a worker thread) and hands back where it is.

The work area names the storytellers its export drew on (`.sources.json`); a withdrawal or
erasure deletes every work area holding one of them (`remove_exports_with`).

An export built on the exports page is kept for the account that asked (`keep`) in the
platform's storage (`civicfutures.storage`): the file under `exports/<id>/<file name>` and its
note `exports/<id>.json` (the owner, what was asked, the storytellers it drew on); the page
lists the owner's kept exports (`kept`) and downloads them (`kept_file`). The same withdrawal
deletes them, so a kept export never outlives a storyteller's consent; each account keeps its
newest `KEEP_PER_ACCOUNT` for `KEEP_DAYS` days.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread

from civicfutures import audit
from civicfutures.analysis.snapshot import find_snapshot, storyteller_ids
from civicfutures.auth.actor import Actor
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import FieldError, NotFound
from civicfutures.exports.dataset import open_dataset
from civicfutures.exports.notes import ExportNotes
from civicfutures.exports.registry import EXPORTS, FORMATS, filename
from civicfutures.exports.request import ExportRequest, validate
from civicfutures.exports.scope import resolve_scope
from civicfutures.exports.source import read_inputs
from civicfutures.i18n import gettext as _
from civicfutures.settings import get_settings
from civicfutures.storage.objects import MissingObject, ObjectInfo, Storage, get_storage


@dataclass(frozen=True)
class ExportFile:
    """A finished export in its work area; `discard()` deletes the work area and the file."""

    path: Path
    filename: str
    media_type: str
    notes: ExportNotes
    work: Path

    def discard(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


WORK = "work"
SOURCES = ".sources.json"
KEPT_PREFIX = "exports"
KEEP_PER_ACCOUNT = 10
KEEP_DAYS = 7
# A kept export's id is its work area's name (`work_area`): nothing else reaches the disk.
KEPT_ID = re.compile(r"^export-[A-Za-z0-9_]{1,64}$")


@dataclass(frozen=True)
class KeptExport:
    """An export kept for the account that built it on the exports page."""

    id: str
    owner: int
    created_at: str
    kind: str
    format: str
    project: str
    lang: str
    sites: list[str]
    include_codes: bool
    filename: str
    media_type: str
    size: int
    notes: dict[str, Any] = field(default_factory=dict)
    storytellers: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Where the file is in the storage."""
        return f"{KEPT_PREFIX}/{self.id}/{self.filename}"

    @property
    def sentences(self) -> list[str]:
        """The export's notes in words, in the export's language."""
        return ExportNotes(**self.notes).sentences() if self.notes else []


def work_area() -> Path:
    """A fresh private folder under the exports directory (same disk as the output)."""
    root = get_settings().exports_dir / WORK
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="export-", dir=root))


def _record_sources(work: Path, project: str, snapshot_id: str) -> None:
    tellers = storyteller_ids(find_snapshot(get_storage(), snapshot_id))
    (work / SOURCES).write_text(
        json.dumps({"project": project, "storytellers": sorted(tellers)}), encoding="utf-8"
    )


def remove_exports_with(exports_dir: Path, storytellers: set[int]) -> int:
    """Delete every export work area (an export being built or streamed) holding any of these
    storytellers; how many. One that does not (yet) name its storytellers is deleted too:
    nothing vouches for it."""
    root = Path(exports_dir) / WORK
    removed = 0
    if not root.is_dir():
        return 0
    for work in root.iterdir():
        if not work.is_dir():
            continue
        try:
            named = set(json.loads((work / SOURCES).read_text(encoding="utf-8"))["storytellers"])
            hit = bool(named & storytellers)
        except (OSError, ValueError, KeyError, TypeError):
            hit = True
        if hit:
            shutil.rmtree(work, ignore_errors=True)
            removed += 1
    return removed


def _note_key(export_id: str) -> str:
    return f"{KEPT_PREFIX}/{export_id}.json"


async def _forget(storage: Storage, export_id: str) -> None:
    """The note first: without it the file is no kept export, whatever happens next."""
    await storage.delete(_note_key(export_id))
    await storage.delete_prefix(f"{KEPT_PREFIX}/{export_id}")


async def _all_kept(storage: Storage) -> list[KeptExport]:
    found = []
    for info in await storage.list(KEPT_PREFIX):
        name = info.key.removeprefix(f"{KEPT_PREFIX}/")
        if "/" in name or not name.endswith(".json"):
            continue
        kept = await _read_kept(storage, name.removesuffix(".json"))
        if kept is not None:
            found.append(kept)
    return found


async def remove_kept_exports_with(storytellers: set[int], storage: Storage | None = None) -> int:
    """Delete every kept export drawing on any of these storytellers; how many."""
    storage = storage or get_storage()
    removed = 0
    for kept in await _all_kept(storage):
        if not kept.storytellers or set(kept.storytellers) & storytellers:
            await _forget(storage, kept.id)
            removed += 1
    return removed


async def _read_kept(storage: Storage, export_id: str) -> KeptExport | None:
    try:
        return KeptExport(**json.loads(await storage.read(_note_key(export_id))))
    except (MissingObject, ValueError, TypeError):
        return None


async def _kept_of(storage: Storage, owner: int) -> list[KeptExport]:
    """The owner's kept exports, newest first; those past `KEEP_DAYS` are deleted."""
    oldest = (dt.datetime.now(dt.UTC) - dt.timedelta(days=KEEP_DAYS)).isoformat()
    found = []
    for kept in await _all_kept(storage):
        if kept.owner != owner:
            continue
        if kept.created_at < oldest:
            await _forget(storage, kept.id)
            continue
        found.append(kept)
    return sorted(found, key=lambda k: (k.created_at, k.id), reverse=True)


async def _keep(export: ExportFile, owner: int, request: ExportRequest) -> KeptExport:
    """Store a finished export for `owner`; the owner's oldest beyond the limit go."""
    storage = get_storage()
    try:
        sources = json.loads((export.work / SOURCES).read_text(encoding="utf-8"))
        storytellers = sorted(int(teller) for teller in sources["storytellers"])
    except (OSError, ValueError, KeyError, TypeError):
        storytellers = []
    kept = KeptExport(
        id=export.work.name,
        owner=owner,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        kind=export.notes.kind,
        format=export.notes.format,
        project=export.notes.project,
        lang=export.notes.lang,
        sites=list(export.notes.sites),
        include_codes=request.include_codes,
        filename=export.filename,
        media_type=export.media_type,
        size=export.path.stat().st_size,
        notes=export.notes.as_dict(),
        storytellers=storytellers,
    )
    await storage.put(kept.key, export.path)
    # The note last: an export counts as kept once its note is there.
    await storage.put(_note_key(kept.id), json.dumps(kept.__dict__).encode())
    for old in (await _kept_of(storage, owner))[KEEP_PER_ACCOUNT:]:
        await _forget(storage, old.id)
    return kept


def _no_export(export_id: str) -> NotFound:
    return NotFound(
        _("No such export."),
        [FieldError("export", _("No export “{kind}”.").format(kind=export_id))],
    )


class ExportService:
    """Exports for researchers, partners and authors; see `scope.py` for who sees what."""

    async def keep(self, actor: Actor, request: ExportRequest) -> KeptExport:
        """Build an export and keep it for the signed-in account to download later."""
        if actor.user_id is None:
            raise _no_export("")
        export = await self.export(actor, request)
        try:
            return await _keep(export, actor.user_id, request)
        finally:
            export.discard()

    async def kept(self, actor: Actor) -> list[KeptExport]:
        """The account's kept exports, newest first (withdrawn ones are already gone)."""
        if actor.user_id is None:
            return []
        return await _kept_of(get_storage(), actor.user_id)

    async def kept_file(self, actor: Actor, export_id: str) -> tuple[KeptExport, ObjectInfo]:
        """One of the account's kept exports and its stored file; another account's is a 404 too."""
        if not KEPT_ID.match(export_id) or actor.user_id is None:
            raise _no_export(export_id)
        storage = get_storage()
        kept = await _read_kept(storage, export_id)
        if kept is None or kept.owner != actor.user_id or kept.id != export_id:
            raise _no_export(export_id)
        try:
            return kept, await storage.head(kept.key)
        except MissingObject as error:
            raise _no_export(export_id) from error

    async def export(self, actor: Actor, request: ExportRequest) -> ExportFile:
        request = validate(request, FORMATS)
        scope = await resolve_scope(
            actor, request.project, request.sites, request.lang, request.include_codes
        )
        fmt = str(request.format)
        chosen = EXPORTS[request.kind][fmt]
        notes = ExportNotes(
            project=scope.project["slug"],
            kind=request.kind,
            format=fmt,
            lang=scope.lang,
            sites=[site["slug"] for site in scope.sites],
        )
        work = work_area()
        try:
            inputs = await read_inputs(scope, work)
            await anyio.to_thread.run_sync(
                _record_sources, work, scope.project["slug"], inputs.snapshot.id
            )
            data = await anyio.to_thread.run_sync(open_dataset, inputs, scope, notes)
            target = work / filename(request.kind, fmt, scope.project["slug"], scope.lang)
            await anyio.to_thread.run_sync(chosen.writer, data, target, notes, work)
            for path in inputs.paths.values():
                path.unlink(missing_ok=True)
            async with write_transaction():
                await audit.record(
                    actor,
                    "export",
                    "project",
                    scope.project["id"],
                    detail={
                        "kind": request.kind,
                        "format": fmt,
                        "lang": scope.lang,
                        "sites": notes.sites,
                        "snapshot": notes.snapshot_id,
                        "stories": notes.stories_exported,
                        "excluded": notes.excluded,
                        "withheld_columns": notes.withheld_columns,
                    },
                )
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return ExportFile(target, target.name, chosen.media_type, notes, work)
