"""Snapshots: one project's consent-filtered data, read once from the database into Parquet.

`build_snapshot` reads each table through Piccolo (in id-ordered chunks), drops what consent
does not allow, sorts every table, writes one Parquet file per table plus `manifest.json`
under `<exports_dir>/snapshots/<id>/`. The id is the start of the content hash, so the same
database content gives the same id and the same bytes (with the same library versions); an
existing snapshot with that id is reused, not rewritten. `load_snapshot` scans it back.

Consent rule: a storyteller enters the snapshot only with the `research` scope and no
withdrawal; a story only when all of its storytellers do (and it has at least one). How many
were left out is recorded as counts, never as ids.

Retention: a project keeps its two newest snapshots; writing a new one deletes the older
ones. A storyteller's withdrawal or erasure deletes at once every snapshot that holds them
(`remove_snapshots_with`), and the snapshots loaded in this process are forgotten.

The manifest holds: `snapshot_id`, `content_hash` (SHA-256 over the tables' Parquet bytes),
`schema_version`, `project`, `default_language`, `disclosure_threshold`,
`demographic_attributes`, `coders`, `left_out_for_consent` ({stories, storytellers}),
`tables` ({name: {file, rows, sha256}}) and the Polars version that wrote the files.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from civicfutures.analysis.dataset import Snapshot
from civicfutures.analysis.schema import SCHEMA_VERSION, SORT_KEYS, TABLES, frame
from civicfutures.errors import NotFound
from civicfutures.i18n import gettext as _

CHUNK = 10_000
ID_LENGTH = 16
MANIFEST = "manifest.json"
RESEARCH_SCOPE = "research"


@dataclass(frozen=True)
class SnapshotInfo:
    """Where a snapshot lives and what its manifest says."""

    id: str
    path: Path
    manifest: dict[str, Any]
    created: bool


async def _chunked(
    fetch: Callable[[int, int], Awaitable[list[dict[str, Any]]]], chunk: int = CHUNK
) -> list[dict[str, Any]]:
    """All rows of an id-ordered query, `chunk` at a time (keyset paging on `_id`)."""
    rows: list[dict[str, Any]] = []
    last = 0
    while True:
        page = await fetch(last, chunk)
        rows.extend(page)
        if len(page) < chunk:
            return rows
        last = page[-1]["_id"]


async def _read_project(slug: str) -> dict[str, Any]:
    """Every table of the project as lists of rows, straight from the database."""
    import civicfutures.db  # noqa: F401  (names the Piccolo configuration before tables load)
    from civicfutures.db.tables import (
        Coding,
        Project,
        Site,
        Story,
        StoryStoryteller,
        Storyteller,
        Theme,
        Translation,
        Workshop,
    )

    project = (
        await Project.select(
            Project.id,
            Project.slug,
            Project.name,
            Project.default_language,
            Project.disclosure_threshold,
            Project.demographics,
        )
        .where(Project.slug == slug)
        .output(load_json=True)
        .first()
    )
    if project is None:
        raise NotFound(_("There is no project “{slug}”.").format(slug=slug))
    pid = project["id"]

    def paged(table: Any, columns: list[Any], where: Any) -> Callable[[int, int], Awaitable[list]]:
        def fetch(after: int, limit: int) -> Awaitable[list[dict[str, Any]]]:
            return (
                table.select(table.id.as_alias("_id"), *columns)
                .where(where & (table.id > after))
                .order_by(table.id)
                .limit(limit)
                .output(load_json=True)
            )

        return fetch

    queries = {
        "sites": paged(
            Site,
            [Site.slug, Site.name, Site.country, Site.languages, Site.reference_shares],
            Site.project == pid,
        ),
        "workshops": paged(
            Workshop,
            [Workshop.site, Workshop.held_on, Workshop.kind, Workshop.language],
            Workshop.site.project == pid,
        ),
        "storytellers": paged(
            Storyteller,
            [
                Storyteller.site,
                Storyteller.demographics,
                Storyteller.consent_scopes,
                Storyteller.consent_withdrawn_at,
                Storyteller.record_key,
            ],
            Storyteller.project == pid,
        ),
        "stories": paged(
            Story,
            [
                Story.site,
                Story.workshop,
                Story.workshop.held_on.as_alias("date"),
                Story.kind,
                Story.horizon_year,
                Story.language,
                Story.title,
                Story.body,
                Story.status,
            ],
            Story.site.project == pid,
        ),
        "story_storytellers": paged(
            StoryStoryteller,
            [StoryStoryteller.story, StoryStoryteller.storyteller],
            StoryStoryteller.story.site.project == pid,
        ),
        "codings": paged(
            Coding,
            [
                Coding.story,
                Coding.theme.key.as_alias("theme"),
                Coding.coder,
                Coding.translation,
                Coding.start_offset,
                Coding.end_offset,
            ],
            Coding.story.site.project == pid,
        ),
        "themes": paged(
            Theme,
            [
                Theme.key,
                Theme.kind,
                Theme.parent.key.as_alias("parent"),
                Theme.position,
                Theme.labels,
            ],
            Theme.project == pid,
        ),
        "translations": paged(
            Translation,
            [Translation.story, Translation.language, Translation.origin, Translation.reviewed],
            Translation.story.site.project == pid,
        ),
    }
    rows = {name: await _chunked(fetch) for name, fetch in queries.items()}
    rows["project"] = project
    return rows


def _consented(teller: dict[str, Any]) -> bool:
    scopes = teller.get("consent_scopes") or []
    return RESEARCH_SCOPE in scopes and teller.get("consent_withdrawn_at") is None


def tables_from_rows(raw: dict[str, Any]) -> tuple[dict[str, pl.DataFrame], dict[str, int]]:
    """The snapshot tables (consent applied) from database rows, and what consent left out."""
    project = raw["project"]
    attributes = [str(item.get("name")) for item in project.get("demographics") or [] if item]
    tellers = raw["storytellers"]
    allowed = {t["_id"] for t in tellers if _consented(t)}
    tellers_of: dict[int, list[int]] = {}
    for link in raw["story_storytellers"]:
        tellers_of.setdefault(link["story"], []).append(link["storyteller"])
    kept_stories = {
        s["_id"]
        for s in raw["stories"]
        if tellers_of.get(s["_id"]) and all(t in allowed for t in tellers_of[s["_id"]])
    }
    left_out = {
        "stories": len(raw["stories"]) - len(kept_stories),
        "storytellers": len(tellers) - len(allowed),
    }
    sites = raw["sites"]
    themes = raw["themes"]
    tables = {
        "project": frame(
            "project",
            [
                {
                    "project": project["slug"],
                    "name": project["name"],
                    "default_language": project["default_language"],
                    "disclosure_threshold": project["disclosure_threshold"],
                    "demographic_attributes": attributes,
                }
            ],
        ),
        "sites": frame(
            "sites",
            [
                {
                    "site_id": s["_id"],
                    "site": s["slug"],
                    "name": s["name"],
                    "country": s["country"],
                    "language": (s["languages"] or [None])[0],
                    "languages": list(s["languages"] or []),
                }
                for s in sites
            ],
        ),
        "workshops": frame(
            "workshops",
            [
                {
                    "workshop_id": w["_id"],
                    "site_id": w["site"],
                    "date": w["held_on"],
                    "kind": w["kind"],
                    "language": w["language"],
                }
                for w in raw["workshops"]
            ],
        ),
        "storytellers": frame(
            "storytellers",
            [
                {"storyteller_id": t["_id"], "site_id": t["site"], "record_key": t["record_key"]}
                for t in tellers
                if t["_id"] in allowed
            ],
        ),
        "demographics": frame(
            "demographics",
            [
                {"storyteller_id": t["_id"], "attribute": str(name), "value": str(value)}
                for t in tellers
                if t["_id"] in allowed
                for name, value in (t["demographics"] or {}).items()
                if value is not None and value != ""
            ],
        ),
        "stories": frame(
            "stories",
            [
                {
                    "story_id": s["_id"],
                    "site_id": s["site"],
                    "workshop_id": s["workshop"],
                    "date": s["date"],
                    "kind": s["kind"],
                    "horizon_year": s["horizon_year"],
                    "language": s["language"],
                    "title": s["title"],
                    "body": s["body"],
                    "status": s["status"],
                }
                for s in raw["stories"]
                if s["_id"] in kept_stories
            ],
        ),
        "story_storytellers": frame(
            "story_storytellers",
            [
                {"story_id": link["story"], "storyteller_id": link["storyteller"]}
                for link in raw["story_storytellers"]
                if link["story"] in kept_stories
            ],
        ),
        "codings": frame(
            "codings",
            [
                {
                    "story_id": c["story"],
                    "theme": c["theme"],
                    "coder": c["coder"],
                    # Offsets on a translation do not count in the original: the coding
                    # stands for the story, as a whole-story coding does.
                    "start": None if c["translation"] else c["start_offset"],
                    "end": None if c["translation"] else c["end_offset"],
                }
                for c in raw["codings"]
                if c["story"] in kept_stories
            ],
        ),
        "themes": frame(
            "themes",
            [
                {
                    "theme": t["key"],
                    "kind": t["kind"],
                    "parent": t["parent"],
                    "position": t["position"],
                    "label_en": (t["labels"] or {}).get("en"),
                }
                for t in themes
            ],
        ),
        "theme_labels": frame(
            "theme_labels",
            [
                {"theme": t["key"], "language": language, "label": label}
                for t in themes
                for language, label in (t["labels"] or {}).items()
            ],
        ),
        "translations": frame(
            "translations",
            [
                {
                    "story_id": t["story"],
                    "language": t["language"],
                    "origin": t["origin"],
                    "reviewed": t["reviewed"],
                }
                for t in raw["translations"]
                if t["story"] in kept_stories
            ],
        ),
        "reference_shares": frame(
            "reference_shares",
            [
                {"site_id": s["_id"], "attribute": attribute, "value": str(value), "share": share}
                for s in sites
                for attribute, shares in (s["reference_shares"] or {}).items()
                for value, share in (shares or {}).items()
            ],
        ),
        "exclusions": frame("exclusions", _left_out_by_site(raw, kept_stories, allowed)),
    }
    return tables, left_out


def _left_out_by_site(
    raw: dict[str, Any], kept_stories: set[int], allowed: set[int]
) -> list[dict[str, Any]]:
    """What consent left out, one row per site (a local briefing reports its own site's),
    with the cell keys of both counts (the sums of the record keys they rest on), so that
    the quality table publishes them perturbed like any other count."""
    tellers = raw["storytellers"]
    keys = {t["_id"]: t.get("record_key") or 0 for t in tellers}
    tellers_of: dict[int, list[int]] = {}
    for link in raw["story_storytellers"]:
        tellers_of.setdefault(link["story"], []).append(link["storyteller"])
    stories_at: dict[int, list[int]] = {}
    for story in raw["stories"]:
        if story["_id"] not in kept_stories:
            stories_at.setdefault(story["site"], []).append(story["_id"])
    tellers_at: dict[int, list[int]] = {}
    for teller in tellers:
        if teller["_id"] not in allowed:
            tellers_at.setdefault(teller["site"], []).append(teller["_id"])
    rows = []
    for site in sorted(s["_id"] for s in raw["sites"]):
        stories = stories_at.get(site, [])
        behind = {teller for story in stories for teller in tellers_of.get(story, [])}
        left = tellers_at.get(site, [])
        rows.append(
            {
                "reason": "consent",
                "site_id": site,
                "stories": len(stories),
                "storytellers": len(left),
                "stories_key": sum(keys.get(t, 0) for t in behind),
                "storytellers_key": sum(keys[t] for t in left),
            }
        )
    return rows


def _parquet_bytes(table: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table.write_parquet(buffer, compression="zstd", compression_level=3, statistics=True)
    return buffer.getvalue()


def write_snapshot(
    tables: dict[str, pl.DataFrame], exports_dir: Path, about: dict[str, Any]
) -> SnapshotInfo:
    """Write the tables as a content-addressed snapshot (reused when it already exists).

    A table missing from `tables` is written empty, with its columns.
    """
    tables = {name: tables.get(name, frame(name)) for name in TABLES}
    files: dict[str, bytes] = {}
    digest = hashlib.sha256(f"civicfutures-snapshot:{SCHEMA_VERSION}".encode())
    for name in sorted(TABLES):
        table = (
            tables[name].select(list(TABLES[name].names())).sort(SORT_KEYS[name], nulls_last=True)
        )
        files[name] = _parquet_bytes(table)
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    content_hash = digest.hexdigest()
    snapshot_id = content_hash[:ID_LENGTH]
    manifest = {
        "snapshot_id": snapshot_id,
        "content_hash": content_hash,
        "schema_version": SCHEMA_VERSION,
        **about,
        "tables": {
            name: {
                "file": f"{name}.parquet",
                "rows": tables[name].height,
                "sha256": hashlib.sha256(files[name]).hexdigest(),
            }
            for name in sorted(TABLES)
        },
        "polars": pl.__version__,
    }
    root = Path(exports_dir) / "snapshots"
    target = root / snapshot_id
    if (target / MANIFEST).exists():
        # Reused: it counts as new again, so pruning keeps the snapshot in use.
        _mark_newest(target)
        return SnapshotInfo(snapshot_id, target, read_manifest(target), created=False)
    root.mkdir(parents=True, exist_ok=True)
    # Written aside, then renamed: readers never see half a snapshot, racing writers agree.
    staging = Path(tempfile.mkdtemp(prefix=f".{snapshot_id}-", dir=root))
    try:
        for name, data in files.items():
            (staging / f"{name}.parquet").write_bytes(data)
        (staging / MANIFEST).write_text(
            json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / MANIFEST).exists():
                raise
            return SnapshotInfo(snapshot_id, target, read_manifest(target), created=False)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    _mark_newest(target)
    prune_snapshots(exports_dir, str(about.get("project", "")))
    return SnapshotInfo(snapshot_id, target, manifest, created=True)


KEPT_PER_PROJECT = 2
"""Snapshots a project keeps: the newest one and the one before (a build may still read it)."""


def _snapshot_dirs(exports_dir: Path | str) -> list[Path]:
    root = Path(exports_dir) / "snapshots"
    if not root.is_dir():
        return []
    return [path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")]


def _mark_newest(target: Path) -> None:
    """Date the snapshot after every other: two written within the clock's resolution would
    otherwise tie, and pruning could keep the older one."""
    latest = max(
        (path.stat().st_mtime_ns for path in _snapshot_dirs(target.parent) if path != target),
        default=0,
    )
    stamp = max(time.time_ns(), latest + 1)
    with contextlib.suppress(OSError):
        os.utime(target, ns=(stamp, stamp))


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    held_snapshot.cache_clear()


def prune_snapshots(exports_dir: Path | str, project: str) -> list[str]:
    """Delete the project's snapshots older than its newest `KEPT_PER_PROJECT`; their ids."""
    mine: list[tuple[int, str, Path]] = []
    for path in _snapshot_dirs(exports_dir):
        try:
            if read_manifest(path).get("project") == project:
                mine.append((path.stat().st_mtime_ns, path.name, path))
        except (OSError, ValueError):
            continue
    mine.sort(reverse=True)
    removed = []
    for _mtime, name, path in mine[KEPT_PER_PROJECT:]:
        _remove(path)
        removed.append(name)
    return removed


def storyteller_ids(directory: Path | str, site_id: int | None = None) -> set[int]:
    """The storytellers a snapshot holds (by id), of one site when given."""
    table = pl.read_parquet(
        Path(directory) / "storytellers.parquet", columns=["storyteller_id", "site_id"]
    )
    if site_id is not None:
        table = table.filter(pl.col("site_id") == site_id)
    return set(table["storyteller_id"].to_list())


def remove_snapshots_with(exports_dir: Path | str, storytellers: set[int]) -> list[str]:
    """Delete every snapshot holding any of these storytellers; their ids.

    A snapshot that cannot be read (no manifest, a damaged file) is deleted too: what it
    holds cannot be vouched for.
    """
    removed = []
    for path in _snapshot_dirs(exports_dir):
        try:
            hit = bool(storyteller_ids(path) & storytellers)
        except (OSError, ValueError, pl.exceptions.PolarsError):
            hit = True
        if hit:
            _remove(path)
            removed.append(path.name)
    return removed


async def build_snapshot(project_slug: str, exports_dir: Path | str) -> SnapshotInfo:
    """Snapshot a project from the database (consent-filtered) and write it, or reuse it."""
    raw = await _read_project(project_slug)
    tables, left_out = tables_from_rows(raw)
    project = tables["project"].row(0, named=True)
    about = {
        "project": project["project"],
        "default_language": project["default_language"],
        "disclosure_threshold": project["disclosure_threshold"],
        "demographic_attributes": project["demographic_attributes"],
        "coders": sorted(set(tables["codings"]["coder"].to_list())),
        "left_out_for_consent": left_out,
    }
    return write_snapshot(tables, Path(exports_dir), about)


def read_manifest(directory: Path | str) -> dict[str, Any]:
    return json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))


def load_snapshot(directory: Path | str) -> Snapshot:
    """Scan a snapshot's Parquet files lazily, with their declared schemas."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    tables = {
        name: pl.scan_parquet(directory / f"{name}.parquet", schema=schema)
        for name, schema in TABLES.items()
    }
    return Snapshot(tables=tables, manifest=manifest)


@functools.lru_cache(maxsize=2)
def held_snapshot(path: str) -> Snapshot:
    """A loaded snapshot kept between requests, with the frames its analyses derived.

    A snapshot's directory is named by its content and never changes, so what was derived
    from it stays true; the next analysis of the same data starts from those frames. A
    snapshot deleted (pruned, or for a withdrawal) empties this cache.
    """
    return load_snapshot(path)


def snapshot_dir(exports_dir: Path | str, snapshot_id: str) -> Path:
    """The directory of a snapshot id (validated: ids are hex, never paths)."""
    if len(snapshot_id) != ID_LENGTH or any(c not in "0123456789abcdef" for c in snapshot_id):
        raise NotFound(_("There is no snapshot “{id}”.").format(id=snapshot_id))
    return Path(exports_dir) / "snapshots" / snapshot_id
