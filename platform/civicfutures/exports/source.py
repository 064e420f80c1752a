"""What an export reads: the project's analysis snapshot, plus what a snapshot leaves out.

The snapshot (`analysis.snapshot`) holds the consent-filtered stories, storytellers,
demographics and codings as Parquet; exports scan it lazily, and record its id. A snapshot
carries no translation texts and no storyteller codes (codes must never enter one), so those
are read here, in pages of `PAGE` rows by primary key appended to Parquet files of the
export's work area: the database's answer is never held whole in memory. Codes are read only
when the export may show them, and the work area is deleted with the export.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from civicfutures.analysis.dataset import Snapshot
from civicfutures.analysis.snapshot import SnapshotInfo, build_snapshot, load_snapshot
from civicfutures.db.tables import AgreedCoding, Memo, Story, Storyteller, Theme, Translation
from civicfutures.exports.scope import ExportScope
from civicfutures.storage.objects import get_storage

PAGE = 5_000

EXTRA: dict[str, pl.Schema] = {
    "translations": pl.Schema(
        {
            "story_id": pl.Int64,
            "language": pl.String,
            "title": pl.String,
            "body": pl.String,
            "origin": pl.String,
            "reviewed": pl.Boolean,
        }
    ),
    "codes": pl.Schema({"storyteller_id": pl.Int64, "code": pl.String}),
}


@dataclass(frozen=True)
class ExportInputs:
    """The snapshot, the work area's extra tables and the scope's counts before consent."""

    snapshot: Snapshot
    paths: dict[str, Path]
    themes: list[dict[str, Any]]
    stories_in_scope: int
    storytellers_in_scope: int
    memos: list[dict[str, Any]] = field(default_factory=list)
    agreed: list[dict[str, Any]] = field(default_factory=list)


Rows = list[dict[str, Any]]


class TableWriter:
    """Appends pages of rows to one Parquet file with a fixed schema (an empty table keeps it)."""

    def __init__(self, path: Path, schema: pl.Schema) -> None:
        self.path = path
        self.schema = schema
        self._writer: pq.ParquetWriter | None = None

    def append(self, rows: Rows | pl.DataFrame) -> None:
        frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, schema=self.schema)
        table = frame.to_arrow()
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is None:
            self.append(pl.DataFrame(schema=self.schema))
        assert self._writer is not None
        self._writer.close()


async def _paged(
    fetch: Callable[[int], Awaitable[Rows]], convert: Callable[[Rows], Rows], writer: TableWriter
) -> None:
    """Fetch pages after the last seen id until a short page; `fetch(after)` orders by id."""
    after = 0
    while True:
        rows = await fetch(after)
        if rows:
            writer.append(convert(rows))
            after = rows[-1]["id"]
        if len(rows) < PAGE:
            break
    writer.close()


async def dump_extras(scope: ExportScope, work: Path) -> dict[str, Path]:
    """Translation texts of the scope's stories, and codes only when the export may show them."""
    sites = scope.site_ids or [-1]
    paths = {name: work / f"{name}.parquet" for name in EXTRA}
    await _paged(
        lambda after: (
            Translation.select(
                Translation.id,
                Translation.story,
                Translation.language,
                Translation.title,
                Translation.body,
                Translation.origin,
                Translation.reviewed,
            )
            .where(Translation.story.site.is_in(sites), Translation.id > after)
            .order_by(Translation.id)
            .limit(PAGE)
        ),
        lambda rows: [
            {
                "story_id": r["story"],
                "language": r["language"],
                "title": r["title"],
                "body": r["body"],
                "origin": r["origin"],
                "reviewed": bool(r["reviewed"]),
            }
            for r in rows
        ],
        TableWriter(paths["translations"], EXTRA["translations"]),
    )
    codes = TableWriter(paths["codes"], EXTRA["codes"])
    if scope.codes:
        await _paged(
            lambda after: (
                Storyteller.select(Storyteller.id, Storyteller.code)
                .where(Storyteller.site.is_in(sites), Storyteller.id > after)
                .order_by(Storyteller.id)
                .limit(PAGE)
            ),
            lambda rows: [{"storyteller_id": r["id"], "code": r["code"]} for r in rows],
            codes,
        )
    else:
        codes.close()
    return paths


async def read_inputs(
    scope: ExportScope, work: Path, info: SnapshotInfo | None = None
) -> ExportInputs:
    """Everything an export reads: the project's snapshot (`info`, or one built or reused
    now) and the extras."""
    if info is None:
        info = await build_snapshot(scope.project["slug"], get_storage())
    sites = scope.site_ids or [-1]
    return ExportInputs(
        snapshot=load_snapshot(info),
        paths=await dump_extras(scope, work),
        themes=await read_themes(scope.project["id"]),
        stories_in_scope=await Story.count().where(Story.site.is_in(sites)),
        storytellers_in_scope=await Storyteller.count().where(Storyteller.site.is_in(sites)),
        memos=await read_memos(scope),
        agreed=await read_agreed(scope),
    )


async def read_agreed(scope: ExportScope) -> list[dict[str, Any]]:
    """The agreed codings that a theme applies, of the scope's stories: `id, story_id, theme,
    start, end`. Offsets on a translation stand for the whole story, as for the coders'
    codings; the writers keep those whose story is exported."""
    rows = (
        await AgreedCoding.select(
            AgreedCoding.id,
            AgreedCoding.story,
            AgreedCoding.theme.key.as_alias("theme"),
            AgreedCoding.translation,
            AgreedCoding.start_offset,
            AgreedCoding.end_offset,
        )
        .where(
            AgreedCoding.story.site.is_in(scope.site_ids or [-1]),
            AgreedCoding.applies.eq(True),
        )
        .order_by(AgreedCoding.id)
    )
    return [
        {
            "id": row["id"],
            "story_id": row["story"],
            "theme": row["theme"],
            "start": None if row["translation"] else row["start_offset"],
            "end": None if row["translation"] else row["end_offset"],
        }
        for row in rows
    ]


async def read_memos(scope: ExportScope) -> list[dict[str, Any]]:
    """Memos on the scope's stories and their codings, and on themes when the exporter reads
    those; a coding's memo carries what names its selection in the export (`coding_keys`).
    The writers keep only those whose story is exported: consent is the snapshot's."""
    about = Memo.site.is_in(scope.site_ids or [-1])
    if scope.theme_memos:
        about = about | Memo.theme.is_not_null()
    rows = (
        await Memo.select(
            Memo.id,
            Memo.story,
            Memo.coding,
            Memo.body,
            Memo.author_label,
            Memo.theme.key.as_alias("theme"),
            Memo.coding.theme.key.as_alias("coding_theme"),
            Memo.coding.coder.as_alias("coder"),
            Memo.coding.translation.as_alias("translation"),
            Memo.coding.start_offset.as_alias("start"),
            Memo.coding.end_offset.as_alias("end"),
        )
        .where(Memo.project == scope.project["id"], about)
        .order_by(Memo.id)
    )
    memos = []
    for row in rows:
        memo = {
            "id": row["id"],
            "story_id": row["story"],
            "theme": row["theme"],
            "text": row["body"],
            "author": row["author_label"],
            "coding": None,
        }
        if row["coding"] is not None:
            # Offsets on a translation stand for the whole story in the export, as in the
            # snapshot; the first selection of the same coder, theme and span carries the memo.
            whole = bool(row["translation"])
            memo["coding"] = "/".join(
                [
                    str(row["story"]),
                    row["coding_theme"],
                    row["coder"],
                    "" if whole or row["start"] is None else str(row["start"]),
                    "" if whole or row["end"] is None else str(row["end"]),
                    "0",
                ]
            )
        memos.append(memo)
    return memos


async def read_themes(project_id: int) -> list[dict[str, Any]]:
    """The codebook in its order, with the parent's key: small, read whole."""
    rows = (
        await Theme.select(
            Theme.id,
            Theme.key,
            Theme.kind,
            Theme.parent,
            Theme.labels,
            Theme.descriptions,
            Theme.position,
        )
        .output(load_json=True)
        .where(Theme.project == project_id)
        .order_by(Theme.position, Theme.id)
    )
    keys = {row["id"]: row["key"] for row in rows}
    return [
        {
            "key": row["key"],
            "kind": row["kind"],
            "parent": keys.get(row["parent"]),
            "labels": row["labels"] or {},
            "descriptions": row["descriptions"] or {},
        }
        for row in rows
    ]
