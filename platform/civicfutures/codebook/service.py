"""Changing a codebook while it is in use: merge, split, retire, and exchange with other tools.

Adding a theme and changing its labels, descriptions, kind or parent are `SetupService`'s
(`create_theme`, `update_theme`); this service adds what moves codings between themes or
keeps a theme's history while it leaves the pickers. Admins and researchers may do all of it;
every change is one audit event (with counts, never story text) in the write's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from civicfutures import audit
from civicfutures.auth.actor import Actor
from civicfutures.codebook import exchange
from civicfutures.codebook.exchange import Entry
from civicfutures.db.tables import AgreedCoding, Coding, InsightTheme, Theme
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import FieldError, InvalidInput
from civicfutures.exports.labels import vocabulary
from civicfutures.i18n import gettext as _
from civicfutures.i18n.labels import LabelContext
from civicfutures.i18n.runtime import SUPPORTED_LOCALES
from civicfutures.intake import schemas as s
from civicfutures.intake.setup_service import (
    SetupService,
    find_project,
    require_codebook_editor,
)
from civicfutures.intake.validation import Checker, nfc

THEME_KINDS = ("challenge", "vision", "enabler", "other")
_COMPARED = (
    # Two codings are the same after a merge when they agree on all of these.
    "story",
    "coder",
    "coder_user",
    "translation",
    "start_offset",
    "end_offset",
)


ThemeKey = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]


class SplitPart(msgspec.Struct, kw_only=True):
    """A new theme split off another: its key and labels, and the codings that move to it."""

    key: ThemeKey
    labels: s.LabelMap = {}
    descriptions: s.LabelMap = {}
    codings: list[s.Id] = []


class MergeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    source: str
    into: str


class SplitIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    theme: str
    into: list[SplitPart]


class RetireIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    retired: bool = True


class MergeOut(msgspec.Struct, kw_only=True):
    source: str
    into: str
    codings_moved: int
    codings_dropped_as_duplicates: int
    insights_moved: int
    children_moved: int
    agreed_moved: int = 0
    agreed_kept: int = 0


class ImportOut(msgspec.Struct, kw_only=True):
    project: str
    format: str
    language: str
    created: list[str]
    updated: list[str]
    unchanged: list[str]


@dataclass(frozen=True)
class CodebookFile:
    content: bytes
    media_type: str
    extension: str


FORMATS = {
    "qdc": ("application/xml", "qdc"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(_("The request has invalid fields."), [FieldError(field, message)])


def _checked_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise _bad(
            "format",
            _("“{value}” is not a codebook format; use qdc or csv.").format(value=fmt[:20]),
        )
    return fmt


def _kind_codes() -> dict[str, str]:
    """Every way a file may name a kind: its code, or its label in any interface language."""
    codes = {kind: kind for kind in THEME_KINDS}
    for lang in SUPPORTED_LOCALES:
        for code, label in vocabulary("theme_kind", lang).items():
            codes.setdefault(label.casefold(), code)
    return codes


async def _rows(project_id: int) -> list[dict[str, Any]]:
    return (
        await Theme.select()
        .output(load_json=True)
        .where(Theme.project == project_id)
        .order_by(Theme.position)
        .order_by(Theme.id)
    )


def _find(rows: list[dict[str, Any]], key: str, field: str) -> dict[str, Any]:
    for row in rows:
        if row["key"] == key:
            return row
    raise _bad(field, _("No theme “{key}” in this codebook.").format(key=key[:64]))


def _state(row: dict[str, Any]) -> dict[str, Any]:
    """What the audit hashes of a theme: no bookkeeping, no dates."""
    return {
        "key": row["key"],
        "kind": row["kind"],
        "parent": row["parent"],
        "labels": row["labels"] or {},
        "descriptions": row["descriptions"] or {},
        "retired": row["retired_at"] is not None,
        "merged_into": row["merged_into"],
    }


class CodebookService:
    """Merge, split and retire themes; export and import the codebook."""

    # ------------------------------------------------------------------ merge

    async def merge(self, actor: Actor, project_ref: str, data: MergeIn) -> MergeOut:
        """Move every coding, insight link and child theme of `source` to `into`; `source`
        stays, retired and marked as merged, so its history still reads."""
        require_codebook_editor(actor)
        async with write_transaction():
            project = await find_project(project_ref)
            rows = await _rows(project["id"])
            source = _find(rows, data.source, "source")
            into = _find(rows, data.into, "into")
            if source["id"] == into["id"]:
                raise _bad("into", _("A theme cannot be merged into itself."))
            if into["retired_at"] is not None:
                raise _bad(
                    "into",
                    _("“{key}” is retired; restore it before merging into it.").format(
                        key=into["key"]
                    ),
                )
            moved, dropped = await self._move_codings(source["id"], into["id"])
            insights = await self._move_insights(source["id"], into["id"])
            agreed_moved, agreed_kept = await self._move_agreed(source["id"], into["id"])
            children = [r for r in rows if r["parent"] == source["id"] and r["id"] != into["id"]]
            if children:
                await Theme.update({Theme.parent: into["id"]}).where(
                    Theme.id.is_in([r["id"] for r in children])
                )
            if into["parent"] == source["id"]:
                await Theme.update({Theme.parent: source["parent"]}).where(Theme.id == into["id"])
            await Theme.update(
                {
                    Theme.retired_at: source["retired_at"] or dt.datetime.now(dt.UTC),
                    Theme.merged_into: into["id"],
                }
            ).where(Theme.id == source["id"])
            after = {**source, "retired_at": True, "merged_into": into["id"]}
            out = MergeOut(
                source=source["key"],
                into=into["key"],
                codings_moved=moved,
                codings_dropped_as_duplicates=dropped,
                insights_moved=insights,
                children_moved=len(children),
                agreed_moved=agreed_moved,
                agreed_kept=agreed_kept,
            )
            await audit.record(
                actor,
                "merge",
                "theme",
                source["id"],
                before=_state(source),
                after=_state(after),
                detail={"into": into["key"], **msgspec.to_builtins(out)},
            )
        return out

    async def _move_codings(self, source_id: int, into_id: int) -> tuple[int, int]:
        """Codings of `source` become codings of `into`; one that `into` already has (same
        coder, same text, same span) is dropped rather than counted twice."""
        columns = [getattr(Coding, name) for name in _COMPARED]
        held = {
            tuple(row[name] for name in _COMPARED)
            for row in await Coding.select(*columns).where(Coding.theme == into_id)
        }
        move, drop = [], []
        for row in await Coding.select(Coding.id, *columns).where(Coding.theme == source_id):
            same = tuple(row[name] for name in _COMPARED)
            (drop if same in held else move).append(row["id"])
            held.add(same)
        if move:
            await Coding.update(
                {Coding.theme: into_id, Coding.updated_at: dt.datetime.now(dt.UTC)}
            ).where(Coding.id.is_in(move))
        if drop:
            await Coding.delete().where(Coding.id.is_in(drop))
        return len(move), len(drop)

    async def _move_agreed(self, source_id: int, into_id: int) -> tuple[int, int]:
        """Agreed codings of `source` move to `into` for the stories where `into` has none;
        where both were reconciled the two decisions may differ, so `source`'s stay with it
        (retired, still readable) for the coders to look at again."""
        reconciled = {
            row["story"]
            for row in await AgreedCoding.select(AgreedCoding.story).where(
                AgreedCoding.theme == into_id
            )
        }
        rows = await AgreedCoding.select(AgreedCoding.id, AgreedCoding.story).where(
            AgreedCoding.theme == source_id
        )
        move = [row["id"] for row in rows if row["story"] not in reconciled]
        if move:
            await AgreedCoding.update({AgreedCoding.theme: into_id}).where(
                AgreedCoding.id.is_in(move)
            )
        return len(move), len(rows) - len(move)

    async def _move_insights(self, source_id: int, into_id: int) -> int:
        linked = {
            row["insight"]
            for row in await InsightTheme.select(InsightTheme.insight).where(
                InsightTheme.theme == into_id
            )
        }
        rows = await InsightTheme.select(InsightTheme.id, InsightTheme.insight).where(
            InsightTheme.theme == source_id
        )
        move = [row["id"] for row in rows if row["insight"] not in linked]
        drop = [row["id"] for row in rows if row["insight"] in linked]
        if move:
            await InsightTheme.update({InsightTheme.theme: into_id}).where(
                InsightTheme.id.is_in(move)
            )
        if drop:
            await InsightTheme.delete().where(InsightTheme.id.is_in(drop))
        return len(rows)

    # ------------------------------------------------------------------ split

    async def split(self, actor: Actor, project_ref: str, data: SplitIn) -> list[s.ThemeOut]:
        """New themes beside `theme` (same kind, same parent); the codings named in each part
        move to it, every other coding stays on `theme`."""
        require_codebook_editor(actor)
        data = nfc(data)
        if not data.into:
            raise _bad("into", _("Name at least one new theme."))
        check = Checker()
        parts = [
            (
                part,
                check.label_map(f"into.{i}.labels", part.labels),
                check.label_map(f"into.{i}.descriptions", part.descriptions),
            )
            for i, part in enumerate(data.into)
        ]
        check.raise_if_any()
        setup = SetupService()
        async with write_transaction():
            project = await find_project(project_ref)
            rows = await _rows(project["id"])
            original = _find(rows, data.theme, "theme")
            keys = {row["key"]: row["id"] for row in rows}
            parent_key = next((r["key"] for r in rows if r["id"] == original["parent"]), None)
            own = {
                row["id"]
                for row in await Coding.select(Coding.id).where(Coding.theme == original["id"])
            }
            created = []
            for index, (part, labels, descriptions) in enumerate(parts):
                if part.key in keys:
                    raise _bad(
                        f"into.{index}.key",
                        _("The codebook already has a theme “{key}”.").format(key=part.key),
                    )
                strangers = sorted(set(part.codings) - own)
                if strangers:
                    raise _bad(
                        f"into.{index}.codings",
                        _("Coding {id} is not a coding of “{key}”.").format(
                            id=strangers[0], key=original["key"]
                        ),
                    )
                out = await setup.create_theme(
                    actor,
                    s.ThemeIn(
                        project=project["slug"],
                        key=part.key,
                        kind=original["kind"],
                        parent=parent_key,
                        labels=labels,
                        descriptions=descriptions,
                    ),
                )
                keys[part.key] = out.id
                if part.codings:
                    await Coding.update(
                        {Coding.theme: out.id, Coding.updated_at: dt.datetime.now(dt.UTC)}
                    ).where(Coding.id.is_in(list(part.codings)))
                    own -= set(part.codings)
                created.append(out)
            await audit.record(
                actor,
                "split",
                "theme",
                original["id"],
                detail={
                    "fields": [],
                    "into": [t.key for t in created],
                    "codings_moved": sum(len(p.codings) for p in data.into),
                },
            )
        return created

    # ------------------------------------------------------------------ retire

    async def retire(self, actor: Actor, project_ref: str, key: str, data: RetireIn) -> s.ThemeOut:
        """Take a theme out of the pickers (its codings and history stay), or bring it back."""
        require_codebook_editor(actor)
        async with write_transaction():
            project = await find_project(project_ref)
            row = _find(await _rows(project["id"]), key, "key")
            if (row["retired_at"] is not None) != data.retired:
                at = dt.datetime.now(dt.UTC) if data.retired else None
                await Theme.update({Theme.retired_at: at}).where(Theme.id == row["id"])
                await audit.record(
                    actor,
                    "retire" if data.retired else "restore",
                    "theme",
                    row["id"],
                    before=_state(row),
                    after=_state({**row, "retired_at": at}),
                )
        return await SetupService().get_theme(project["slug"], key)

    # ------------------------------------------------------------------ exchange

    async def export(self, project_ref: str, fmt: str, lang: str | None) -> CodebookFile:
        """The codebook in `lang` (the project's default language when none is named)."""
        fmt = _checked_format(fmt)
        project = await find_project(project_ref)
        tag = _checked_language(lang or project["default_language"])
        labels = LabelContext(tag=tag, project_default=project["default_language"])
        rows = await _rows(project["id"])
        by_id = {row["id"]: row for row in rows}
        names = {row["id"]: labels.label(row["labels"], row["key"]).text for row in rows}
        entries = [
            Entry(
                name=names[row["id"]],
                description=labels.description(row["descriptions"]).text,
                parent=names.get(row["parent"]) if row["parent"] else None,
                parent_key=by_id[row["parent"]]["key"] if row["parent"] in by_id else None,
                key=row["key"],
                kind=row["kind"],
                retired=row["retired_at"] is not None,
            )
            for row in rows
        ]
        media_type, extension = FORMATS[fmt]
        if fmt == "qdc":
            content = exchange.write_qdc(entries, project["slug"], vocabulary("theme_kind", tag))
        else:
            content = exchange.write_csv(entries)
        return CodebookFile(content=content, media_type=media_type, extension=extension)

    async def import_file(
        self, actor: Actor, project_ref: str, fmt: str, data: bytes, lang: str | None
    ) -> ImportOut:
        """Add the file's themes and bring matching ones up to date, all or nothing.

        A theme matches by key (files this platform wrote), else by its label in `lang`; so
        importing the same file again changes nothing. Empty descriptions leave stored ones as
        they are; themes the file does not name are left alone, never deleted.
        """
        require_codebook_editor(actor)
        fmt = _checked_format(fmt)
        reader: Callable[[bytes], list[Entry]] = (
            exchange.read_qdc if fmt == "qdc" else exchange.read_csv
        )
        entries = reader(data)
        kinds = _kind_codes()
        async with write_transaction():
            project = await find_project(project_ref)
            tag = _checked_language(lang or project["default_language"])
            rows = await _rows(project["id"])
            by_key = {row["key"]: row for row in rows}
            by_label = {}
            for row in rows:
                text = (row["labels"] or {}).get(tag, "")
                if text:
                    by_label.setdefault(text.casefold(), row)
            taken = set(by_key)
            matched: set[int] = set()
            plan: list[tuple[Entry, dict[str, Any] | None, str]] = []
            for entry in entries:
                row = by_key.get(entry.key or "")
                if row is None or row["id"] in matched:
                    row = by_label.get(entry.name.casefold())
                if row is not None and row["id"] in matched:
                    row = None
                if row is not None:
                    matched.add(row["id"])
                    key = row["key"]
                else:
                    key = _unused(entry.key or exchange.key_for(entry.name), taken)
                taken.add(key)
                plan.append((entry, row, key))
            setup = SetupService()
            before = {theme.key: theme for theme in await setup.list_themes(project["slug"])}
            key_of_name = {entry.name.casefold(): key for entry, _row, key in plan}
            ids = {row["key"]: row["id"] for row in rows}
            position = len(rows)
            created, updated, unchanged = [], [], []
            for entry, row, key in plan:
                kind = kinds.get((entry.kind or "").casefold()) or (row["kind"] if row else "other")
                labels = {**((row or {}).get("labels") or {}), tag: entry.name}
                descriptions = dict((row or {}).get("descriptions") or {})
                if entry.description:
                    descriptions[tag] = entry.description
                if row is None:
                    theme = Theme(
                        project=project["id"],
                        key=key,
                        kind=kind,
                        labels=labels,
                        descriptions=descriptions,
                        position=position,
                        retired_at=dt.datetime.now(dt.UTC) if entry.retired else None,
                    )
                    await theme.save()
                    position += 1
                    ids[key] = theme.id
                    created.append(key)
                    continue
                changes: dict[Any, Any] = {}
                if labels != (row["labels"] or {}):
                    changes[Theme.labels] = labels
                if descriptions != (row["descriptions"] or {}):
                    changes[Theme.descriptions] = descriptions
                if kind != row["kind"]:
                    changes[Theme.kind] = kind
                if fmt == "qdc" and entry.retired != (row["retired_at"] is not None):
                    changes[Theme.retired_at] = dt.datetime.now(dt.UTC) if entry.retired else None
                if changes:
                    await Theme.update(changes).where(Theme.id == row["id"])
                    updated.append(key)
            # Parents last: a file may name a parent after its children.
            for entry, row, key in plan:
                parent = ids[key_of_name[entry.parent.casefold()]] if entry.parent else None
                if row is None or row["parent"] != parent:
                    await Theme.update({Theme.parent: parent}).where(Theme.id == ids[key])
                    if row is not None and key not in updated:
                        updated.append(key)
            unchanged = [key for _e, row, key in plan if row is not None and key not in updated]
            for key in created:
                out = await setup.get_theme(project["slug"], key)
                await audit.record(actor, "create", "theme", out.id, after=out)
            for key in updated:
                out = await setup.get_theme(project["slug"], key)
                await audit.record(
                    actor, "update", "theme", out.id, before=before.get(key), after=out
                )
            result = ImportOut(
                project=project["slug"],
                format=fmt,
                language=tag,
                created=created,
                updated=updated,
                unchanged=unchanged,
            )
            await audit.record(
                actor,
                "import",
                "project",
                project["id"],
                detail={
                    "fields": ["codebook"],
                    "format": fmt,
                    "created": len(created),
                    "updated": len(updated),
                },
            )
        return result


def _unused(key: str, taken: set[str]) -> str:
    if key not in taken:
        return key
    number = 2
    while f"{key[:60]}_{number}" in taken:
        number += 1
    return f"{key[:60]}_{number}"


def _checked_language(tag: str) -> str:
    check = Checker()
    canonical = check.language("lang", tag)
    check.raise_if_any()
    return canonical
