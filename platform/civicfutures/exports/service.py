"""Runs an export: checks the request and the caller's scope, reads the project into a work
area, writes the file there (in a worker thread) and hands back where it is."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread

from civicfutures import audit
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


def work_area() -> Path:
    """A fresh private folder under the exports directory (same disk as the output)."""
    root = get_settings().exports_dir / "work"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="export-", dir=root))


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
