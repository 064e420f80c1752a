"""The analysis service: snapshot the project (or reuse the snapshot), run one analysis, render it.

Used by the HTTP route and the CLI; no Litestar here. Who may ask for what is decided here,
from the Actor: researchers, authors and admins may analyse; unsuppressed tables need the
`unsuppressed` right (or admin).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import anyio.to_thread
import polars as pl

from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.snapshot import SnapshotInfo, build_snapshot, held_snapshot
from civicfutures.analysis.suite import INSIGHTS, KINDS, refuse_unsupported, run
from civicfutures.analysis.writers import FORMATS
from civicfutures.auth.actor import Actor
from civicfutures.errors import FieldError, Forbidden, InvalidInput, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_list
from civicfutures.intake.setup_service import find_project
from civicfutures.jobs import service as jobs
from civicfutures.jobs.kinds import Progress
from civicfutures.jobs.schemas import JobOut
from civicfutures.settings import Settings, get_settings
from civicfutures.storage.objects import get_storage

ANALYST_ROLES = ("researcher", "author")
SNAPSHOT_JOB = "snapshot"
# What a snapshot job's result counts, from the snapshot's manifest.
COUNTED = ("stories", "storytellers", "codings")


def split_values(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """`?sites=a&sites=b` and `?sites=a,b` both mean (a, b)."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _date(name: str, value: str | dt.date | None, errors: list[FieldError]) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(name, _("Enter a date as YYYY-MM-DD.")))
        return None


@dataclass(frozen=True)
class AnalysisRequest:
    """One request as a client states it (query string or command line)."""

    kind: str
    project: str
    params: AnalysisParams = field(default_factory=AnalysisParams)
    format: str = "json"

    @classmethod
    def parse(
        cls,
        kind: str,
        project: str | None,
        *,
        by: str | None = None,
        sites: Iterable[str] | str | None = None,
        countries: Iterable[str] | str | None = None,
        story_kind: str | None = None,
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
        file_format: str | None = None,
        unsuppressed: bool = False,
    ) -> AnalysisRequest:
        """Check the raw values, reporting every bad field at once."""
        errors: list[FieldError] = []
        if kind not in INSIGHTS:
            raise NotFound(
                _("There is no analysis “{value}”: choose one of {choices}.").format(
                    value=kind, choices=format_list(KINDS, "or")
                )
            )
        if not project:
            errors.append(FieldError("project", _("Name the project (its slug).")))
        fmt = file_format or "json"
        if fmt not in FORMATS:
            errors.append(
                FieldError(
                    "format",
                    _("Choose one of: {choices}.").format(choices=format_list(FORMATS, "or")),
                )
            )
        start, end = _date("from", date_from, errors), _date("to", date_to, errors)
        if errors:
            raise InvalidInput(_("The analysis cannot run with these parameters."), errors)
        params = AnalysisParams(
            by=by or None,
            sites=split_values(sites),
            countries=split_values(countries),
            story_kind=story_kind or None,
            date_from=start,
            date_to=end,
            unsuppressed=unsuppressed,
        )
        refuse_unsupported(kind, params)
        return cls(kind=kind, project=str(project), params=params, format=fmt)


@dataclass(frozen=True)
class AnalysisResult:
    """A collected table and the facts that make it citable."""

    kind: str
    project: str
    table: pl.DataFrame
    snapshot: SnapshotInfo
    params: AnalysisParams
    k: int

    @property
    def suppression(self) -> str:
        return "none" if self.params.unsuppressed else "applied"

    @property
    def publication(self) -> str:
        """Exact working tables are for the microdata roles' own work, never to be published."""
        return "not for publication" if self.params.unsuppressed else "published"

    def meta(self) -> dict[str, Any]:
        parameters = {
            key: (value.isoformat() if isinstance(value, dt.date) else value)
            for key, value in asdict(self.params).items()
        }
        parameters = {k: list(v) if isinstance(v, tuple) else v for k, v in parameters.items()}
        return {
            "kind": self.kind,
            "project": self.project,
            "snapshot": self.snapshot.id,
            "disclosure": {
                "k": self.k,
                "suppression": self.suppression,
                "method": "none" if self.params.unsuppressed else "cell key",
                "publication": self.publication,
            },
            "parameters": parameters,
        }

    def render(self, fmt: str) -> bytes:
        return FORMATS[fmt].write(self.table, self.meta())

    def filename(self, fmt: str) -> str:
        return f"{self.project}-{self.kind}-{self.snapshot.id}.{FORMATS[fmt].extension}"


class AnalysisService:
    """Snapshots and analyses for callers with the right roles."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()

    async def snapshot(self, project: str) -> SnapshotInfo:
        """Snapshot the project now (the same content gives the same, reused, snapshot)."""
        return await build_snapshot(project, get_storage())

    async def request_snapshot(self, actor: Actor, project: str) -> JobOut:
        """Queue a snapshot of the project (researchers, authors, admins); the job. A snapshot
        of the project that the actor asked for and that is still queued or running is that
        job again, not another."""
        if not actor.has_any(*ANALYST_ROLES):
            raise Forbidden(_("Analyses are for researchers, briefing authors and administrators."))
        slug = (await find_project(project))["slug"]
        job_id = await jobs.active_for(SNAPSHOT_JOB, slug, actor)
        if job_id is None:
            job_id = await jobs.enqueue(SNAPSHOT_JOB, {"project": slug}, subject=slug, actor=actor)
        return await jobs.read(actor, job_id)

    async def run_snapshot_job(self, job: dict[str, Any], progress: Progress) -> dict[str, Any]:
        """Snapshot the project a job names (the job function of kind `snapshot`): the
        snapshot's id and what it holds, counted (never who)."""
        await progress("snapshot", 0.0)
        info = await self.snapshot(job["project"])
        tables = info.manifest.get("tables", {})
        return {
            "snapshot": info.id,
            "project": job["project"],
            **{name: int(tables.get(name, {}).get("rows", 0)) for name in COUNTED},
            "left_out_for_consent": info.manifest.get("left_out_for_consent", {}),
        }

    async def analyse(self, actor: Actor, request: AnalysisRequest) -> AnalysisResult:
        """Run one analysis on a fresh (or reused) snapshot of the project."""
        if not actor.has_any(*ANALYST_ROLES):
            raise Forbidden(_("Analyses are for researchers, briefing authors and administrators."))
        if request.params.unsuppressed and not (actor.unsuppressed or actor.is_admin):
            raise Forbidden(
                _("Tables without disclosure control need the right to read them."),
                [FieldError("unsuppressed", _("This account has not been granted that right."))],
            )
        info = await self.snapshot(request.project)
        snapshot = held_snapshot(info)
        # Collecting is CPU work: off the event loop, so other requests keep being served.
        table = await anyio.to_thread.run_sync(run, request.kind, snapshot, request.params)
        k = request.params.k if request.params.k is not None else snapshot.disclosure_threshold
        return AnalysisResult(request.kind, request.project, table, info, request.params, k)
