"""Snapshots: one project's consent-filtered data, read once from the database into Parquet.

`build_snapshot` reads each table through Piccolo (in id-ordered chunks), drops what consent
does not allow, sorts every table, writes one Parquet file per table plus `manifest.json`
under `snapshots/<id>/` on the storage layer (`storage/`: a local folder or an S3 bucket), the
manifest last: a snapshot without its manifest is not there yet. The id is the start of the content hash, so the same
database content gives the same id and the same bytes (with the same library versions); an
existing snapshot with that id is reused, not rewritten. `load_snapshot` scans it back where
it is (Polars reads Parquet on S3 directly), so every process sharing the store reads the same
snapshots.

Consent rule: a storyteller enters the snapshot only with the `research` scope and no
withdrawal; a story only when all of its storytellers do (and it has at least one). How many
were left out is recorded as counts, never as ids.

Retention: a project keeps its two newest snapshots; writing a new one deletes the older
ones. Which are newest is kept in a use record beside each snapshot (`snapshots/<id>.used.json`:
its project and a stamp renewed when the snapshot is written or reused). A storyteller's withdrawal or erasure deletes at once every snapshot that holds them
(`remove_snapshots_with`), and the snapshots loaded in this process are forgotten.

The manifest holds: `snapshot_id`, `content_hash` (SHA-256 over the tables' Parquet bytes),
`schema_version`, `project`, `default_language`, `disclosure_threshold`,
`demographic_attributes`, `coders`, `left_out_for_consent` ({stories, storytellers}),
`tables` ({name: {file, rows, sha256}}) and the Polars version that wrote the files.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
import polars as pl

from civicfutures.analysis.dataset import Snapshot
from civicfutures.analysis.schema import SCHEMA_VERSION, SORT_KEYS, TABLES, frame
from civicfutures.errors import NotFound
from civicfutures.i18n import gettext as _
from civicfutures.storage.objects import MissingObject, Storage

CHUNK = 10_000
ID_LENGTH = 16
MANIFEST = "manifest.json"
RESEARCH_SCOPE = "research"
FOLDER = "snapshots"
USED_SUFFIX = ".used.json"


Where = Storage | Path | str
"""Where snapshots are kept: a store, or a local folder (benchmarks, tests, the command line)."""


@dataclass(frozen=True)
class SnapshotInfo:
    """Where a snapshot lives and what its manifest says (equal and hashed by id and place)."""

    id: str
    location: str
    """The snapshot's folder: a local path, or the `s3://` URL Polars scans."""
    manifest: dict[str, Any] = field(compare=False)
    created: bool = field(compare=False)
    storage_options: dict[str, str] | None = field(default=None, compare=False)
    """What Polars needs to scan `location` (None for a local folder)."""

    @property
    def path(self) -> Path:
        """The snapshot's folder on a local store."""
        return Path(self.location)

    def table(self, name: str) -> str:
        """Where the table's Parquet file is, for Polars."""
        return f"{self.location}/{name}.parquet"


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
    }
    by_story = {
        "story_storytellers": (
            StoryStoryteller,
            [StoryStoryteller.story, StoryStoryteller.storyteller],
        ),
        "codings": (
            Coding,
            [
                Coding.story,
                Coding.theme.key.as_alias("theme"),
                Coding.coder,
                Coding.translation,
                Coding.start_offset,
                Coding.end_offset,
            ],
        ),
        "translations": (
            Translation,
            [Translation.story, Translation.language, Translation.origin, Translation.reviewed],
        ),
    }
    rows = {name: await _chunked(fetch) for name, fetch in queries.items()}
    story_ids = [row["_id"] for row in rows["stories"]]
    for name, (table, columns) in by_story.items():
        rows[name] = await _by_story_window(table, columns, story_ids, pid)
    rows["project"] = project
    return rows


async def _by_story_window(
    table: Any, columns: list[Any], story_ids: list[int], project_id: int
) -> list[dict[str, Any]]:
    """The rows of a table hanging off the project's stories, read a window of stories at a
    time through the table's index on `story`, then put in id order.

    Paging such a table by its own id would make the engine join and sort every row of the
    project again for each page (its ids do not follow the project's stories)."""
    rows: list[dict[str, Any]] = []
    for start in range(0, len(story_ids), CHUNK):
        window = story_ids[start : start + CHUNK]
        rows += (
            await table.select(table.id.as_alias("_id"), *columns)
            .where(
                (table.story >= window[0])
                & (table.story <= window[-1])
                & (table.story.site.project == project_id)
            )
            .output(load_json=True)
        )
    rows.sort(key=lambda row: row["_id"])
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


def valid_id(snapshot_id: str) -> bool:
    """A snapshot id: hex, of its length (never a path)."""
    return len(snapshot_id) == ID_LENGTH and all(c in "0123456789abcdef" for c in snapshot_id)


def _store(where: Where) -> Storage:
    return where if isinstance(where, Storage) else Storage(Path(where).resolve().as_uri())


def _key(snapshot_id: str, name: str = "") -> str:
    return f"{FOLDER}/{snapshot_id}/{name}" if name else f"{FOLDER}/{snapshot_id}"


def _used_key(snapshot_id: str) -> str:
    return f"{FOLDER}/{snapshot_id}{USED_SUFFIX}"


def _info_of(store: Storage, snapshot_id: str, manifest: dict[str, Any], created: bool):
    return SnapshotInfo(
        snapshot_id,
        store.location(_key(snapshot_id)),
        manifest,
        created,
        store.scan_options(),
    )


def write_snapshot(
    tables: dict[str, pl.DataFrame],
    where: Where,
    about: dict[str, Any],
    version: str | None = None,
) -> SnapshotInfo:
    """Write the tables as a content-addressed snapshot (reused when it already exists).

    A table missing from `tables` is written empty, with its columns. `version`: the data
    version the tables are exactly the content of, recorded so that a snapshot asked for at
    that version is found without reading the database. Blocking: call it from a worker
    thread when `where` is remote.
    """
    store = _store(where)
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
    project = str(about.get("project", ""))
    try:
        existing = json.loads(store.read_sync(_key(snapshot_id, MANIFEST)))
    except (MissingObject, ValueError):
        existing = None
    if existing is not None:
        # Reused: it counts as new again, so pruning keeps the snapshot in use.
        _mark_used(store, snapshot_id, project, version)
        return _info_of(store, snapshot_id, existing, created=False)
    # The tables first, the manifest last: a snapshot exists for readers once its manifest
    # does (an object store has no rename), and racing writers write the same bytes.
    for name, data in files.items():
        store.put_sync(_key(snapshot_id, f"{name}.parquet"), data)
    store.put_sync(
        _key(snapshot_id, MANIFEST),
        (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode(),
    )
    if len(store.list_sync(_key(snapshot_id))) < len(files) + 1:
        # A withdrawal deleted it while it was written: what it holds is no longer allowed.
        _remove(store, snapshot_id)
        raise RuntimeError(f"snapshot {snapshot_id} was withdrawn while it was written")
    _mark_used(store, snapshot_id, project, version)
    prune_snapshots(store, project)
    return _info_of(store, snapshot_id, manifest, created=True)


KEPT_PER_PROJECT = 2
"""Snapshots a project keeps: the newest one and the one before (a build may still read it)."""


def _snapshot_ids(store: Storage) -> list[str]:
    """Every snapshot in the store, complete or not."""
    return [name for name in store.folder_sync(FOLDER)[0] if valid_id(name)]


def _uses(store: Storage) -> dict[str, dict[str, Any]]:
    """Each snapshot's use record: its project and when it was last written or reused."""
    found = {}
    for info in store.folder_sync(FOLDER)[1]:
        name = info.key.removeprefix(f"{FOLDER}/")
        if not name.endswith(USED_SUFFIX) or not valid_id(name.removesuffix(USED_SUFFIX)):
            continue
        try:
            found[name.removesuffix(USED_SUFFIX)] = json.loads(store.read_sync(info.key))
        except (MissingObject, ValueError):
            continue
    return found


def _mark_used(store: Storage, snapshot_id: str, project: str, version: str | None = None) -> None:
    """Record the snapshot as used after every other: the stamp is kept in the record (object
    times have a coarse resolution), so two written within a second still sort. `version`: the
    data version whose content it is, when known."""
    latest = max(
        (int(use.get("stamp", 0)) for other, use in _uses(store).items() if other != snapshot_id),
        default=0,
    )
    stamp = max(time.time_ns(), latest + 1)
    record: dict[str, Any] = {"project": project, "stamp": stamp}
    if version is not None:
        record["version"] = version
    store.put_sync(_used_key(snapshot_id), json.dumps(record).encode())


def _at_version(store: Storage, project: str, version: str) -> SnapshotInfo | None:
    """The project's snapshot of exactly this data version, if one was written (and is still
    there: a withdrawal deletes the snapshots holding the storyteller, and moves the version)."""
    for snapshot_id, use in _uses(store).items():
        if use.get("project") != project or use.get("version") != version:
            continue
        try:
            info = find_snapshot(store, snapshot_id)
        except NotFound:
            continue
        _mark_used(store, snapshot_id, project, version)
        return info
    return None


def _remove(store: Storage, snapshot_id: str) -> None:
    """Delete the snapshot, its manifest first (then it is no snapshot), and its use record."""
    store.delete_sync(_key(snapshot_id, MANIFEST))
    store.delete_prefix_sync(_key(snapshot_id))
    store.delete_sync(_used_key(snapshot_id))
    held_snapshot.cache_clear()


def prune_snapshots(where: Where, project: str) -> list[str]:
    """Delete the project's snapshots older than its newest `KEPT_PER_PROJECT`; their ids."""
    store = _store(where)
    uses = _uses(store)
    mine = sorted(
        (
            (int(uses[name].get("stamp", 0)), name)
            for name in _snapshot_ids(store)
            if name in uses and uses[name].get("project") == project
        ),
        reverse=True,
    )
    removed = []
    for _stamp, name in mine[KEPT_PER_PROJECT:]:
        _remove(store, name)
        removed.append(name)
    return removed


def storyteller_ids(source: SnapshotInfo | Path | str, site_id: int | None = None) -> set[int]:
    """The storytellers a snapshot holds (by id), of one site when given."""
    if not isinstance(source, SnapshotInfo):
        source = _local(source)
    table = pl.read_parquet(
        source.table("storytellers"),
        columns=["storyteller_id", "site_id"],
        storage_options=source.storage_options,
    )
    if site_id is not None:
        table = table.filter(pl.col("site_id") == site_id)
    return set(table["storyteller_id"].to_list())


def remove_snapshots_with(where: Where, storytellers: set[int]) -> list[str]:
    """Delete every snapshot holding any of these storytellers; their ids.

    A snapshot that cannot be read (no manifest, a damaged file, one being written) is
    deleted too: what it holds cannot be vouched for. Blocking: from a worker thread.
    """
    store = _store(where)
    removed = []
    for name in _snapshot_ids(store):
        try:
            store.head_sync(_key(name, MANIFEST))
            tellers = pl.read_parquet(
                io.BytesIO(store.read_sync(_key(name, "storytellers.parquet"))),
                columns=["storyteller_id"],
            )
            hit = bool(set(tellers["storyteller_id"].to_list()) & storytellers)
        except (MissingObject, OSError, ValueError, pl.exceptions.PolarsError):
            hit = True
        if hit:
            _remove(store, name)
            removed.append(name)
    return removed


async def build_snapshot(project_slug: str, where: Where) -> SnapshotInfo:
    """Snapshot a project from the database (consent-filtered) and write it, or reuse it.

    Every write to the tables a snapshot reads moves the data version (`db.version`), so a
    snapshot taken at the version the database is at now is the one to answer with, without
    reading the project again; otherwise the project is read, and the snapshot is recorded
    under the version only when no write committed while it was read."""
    from civicfutures.db.version import data_version

    store = _store(where)
    version = await data_version()
    known = await anyio.to_thread.run_sync(_at_version, store, project_slug, version)
    if known is not None:
        return known
    raw = await _read_project(project_slug)
    exact = version if await data_version() == version else None
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
    # Off the event loop: the Parquet files are encoded and uploaded here.
    return await anyio.to_thread.run_sync(write_snapshot, tables, store, about, exact)


def read_manifest(directory: Path | str) -> dict[str, Any]:
    """The manifest of a snapshot in a local folder."""
    return json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))


def _local(directory: Path | str) -> SnapshotInfo:
    directory = Path(directory)
    return SnapshotInfo(directory.name, str(directory), read_manifest(directory), created=False)


def load_snapshot(source: SnapshotInfo | Path | str) -> Snapshot:
    """Scan a snapshot's Parquet files lazily, with their declared schemas: from the store
    it was written to (`SnapshotInfo`; an S3 store is scanned in place), or a local folder."""
    if not isinstance(source, SnapshotInfo):
        source = _local(source)
    tables = {
        name: pl.scan_parquet(
            source.table(name), schema=schema, storage_options=source.storage_options
        )
        for name, schema in TABLES.items()
    }
    return Snapshot(tables=tables, manifest=source.manifest)


@functools.lru_cache(maxsize=2)
def held_snapshot(source: SnapshotInfo | str) -> Snapshot:
    """A loaded snapshot kept between requests, with the frames its analyses derived.

    A snapshot's folder is named by its content and never changes, so what was derived
    from it stays true; the next analysis of the same data starts from those frames. A
    snapshot deleted (pruned, or for a withdrawal) empties this cache.
    """
    return load_snapshot(source)


def find_snapshot(where: Where, snapshot_id: str) -> SnapshotInfo:
    """The snapshot of this id in the store (ids are hex, never paths); NotFound otherwise."""
    missing = NotFound(_("There is no snapshot “{id}”.").format(id=snapshot_id))
    if not valid_id(snapshot_id):
        raise missing
    store = _store(where)
    try:
        manifest = json.loads(store.read_sync(_key(snapshot_id, MANIFEST)))
    except (MissingObject, ValueError) as error:
        raise missing from error
    return _info_of(store, snapshot_id, manifest, created=False)
