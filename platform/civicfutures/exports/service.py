"""Runs an export: checks the request and the caller's scope, reads the project into a work
area, writes the file there (in a worker thread) and hands back where it is.

The work area names the storytellers its export drew on (`.sources.json`); a withdrawal or
erasure deletes every work area holding one of them (`remove_exports_with`).

An export built on the exports page is kept in its work area for the account that asked
(`keep`): `.export.json` names the owner and what was asked, the page lists the owner's kept
exports (`kept`) and downloads them (`kept_file`). The same withdrawal deletes them, so a kept
export never outlives a storyteller's consent; each account keeps its newest `KEEP_PER_ACCOUNT`
for `KEEP_DAYS` days.
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
from civicfutures.analysis.snapshot import snapshot_dir, storyteller_ids
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
KEPT = ".export.json"
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
    tellers = storyteller_ids(snapshot_dir(get_settings().exports_dir, snapshot_id))
    (work / SOURCES).write_text(
        json.dumps({"project": project, "storytellers": sorted(tellers)}), encoding="utf-8"
    )


def remove_exports_with(exports_dir: Path, storytellers: set[int]) -> int:
    """Delete every export work area holding any of these storytellers; how many.

    One that does not (yet) name its storytellers is deleted too: nothing vouches for it.
    """
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


def _read_kept(work: Path) -> KeptExport | None:
    try:
        kept = KeptExport(**json.loads((work / KEPT).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    return kept if (work / kept.filename).is_file() else None


def _kept_of(root: Path, owner: int) -> list[KeptExport]:
    """The owner's kept exports, newest first; those past `KEEP_DAYS` are deleted."""
    if not root.is_dir():
        return []
    oldest = (dt.datetime.now(dt.UTC) - dt.timedelta(days=KEEP_DAYS)).isoformat()
    found = []
    for work in root.iterdir():
        kept = _read_kept(work) if work.is_dir() else None
        if kept is None or kept.owner != owner:
            continue
        if kept.created_at < oldest:
            shutil.rmtree(work, ignore_errors=True)
            continue
        found.append(kept)
    return sorted(found, key=lambda k: (k.created_at, k.id), reverse=True)


def _keep(export: ExportFile, owner: int, request: ExportRequest) -> KeptExport:
    """Mark a finished export as kept for `owner`; the owner's oldest beyond the limit go."""
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
    )
    (export.work / KEPT).write_text(json.dumps(kept.__dict__), encoding="utf-8")
    for old in _kept_of(export.work.parent, owner)[KEEP_PER_ACCOUNT:]:
        shutil.rmtree(export.work.parent / old.id, ignore_errors=True)
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
            return await anyio.to_thread.run_sync(_keep, export, actor.user_id, request)
        except BaseException:
            export.discard()
            raise

    async def kept(self, actor: Actor) -> list[KeptExport]:
        """The account's kept exports, newest first (withdrawn ones are already gone)."""
        if actor.user_id is None:
            return []
        root = get_settings().exports_dir / WORK
        return await anyio.to_thread.run_sync(_kept_of, root, actor.user_id)

    async def kept_file(self, actor: Actor, export_id: str) -> tuple[KeptExport, Path]:
        """One of the account's kept exports and its file; another account's is a 404 too."""
        if not KEPT_ID.match(export_id) or actor.user_id is None:
            raise _no_export(export_id)
        work = get_settings().exports_dir / WORK / export_id
        kept = await anyio.to_thread.run_sync(_read_kept, work)
        if kept is None or kept.owner != actor.user_id or kept.id != export_id:
            raise _no_export(export_id)
        return kept, work / kept.filename

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
