"""Runs an export: checks the request and the caller's scope, reads the project into a work
area, writes the file there (in a worker thread) and hands back where it is.

The work area names the storytellers its export drew on (`.sources.json`); a withdrawal or
erasure deletes every work area holding one of them (`remove_exports_with`).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread

from civicfutures import audit
from civicfutures.analysis.snapshot import snapshot_dir, storyteller_ids
from civicfutures.auth.actor import Actor
from civicfutures.db.transactions import write_transaction
from civicfutures.exports.dataset import open_dataset
from civicfutures.exports.notes import ExportNotes
from civicfutures.exports.registry import EXPORTS, FORMATS, filename
from civicfutures.exports.request import ExportRequest, validate
from civicfutures.exports.scope import resolve_scope
from civicfutures.exports.source import read_inputs
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


class ExportService:
    """Exports for researchers, partners and authors; see `scope.py` for who sees what."""

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
