"""Memos: a researcher's notes on a story, on one coding (its excerpt) or on a theme.

Who reads them: a memo on a story or a coding, whoever may code that story (its readers
among researchers, partners of its site and admins; a coding's memo only while the reader
sees that coding under blind coding). A theme's memo, whoever reaches every site (researchers,
admins): it may speak of any site's stories, so partners, confined to theirs, never see it.
Who writes: whoever may code the story; for a theme, researchers and admins. A memo is changed
or removed by its author or an admin. Every write is audited, without the memo's words.

A memo follows what it is about: a story's memos and its codings' memos go with it when it
is erased (foreign keys cascade), a coding's memo with the coding.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from civicfutures import audit
from civicfutures.auth.actor import Actor
from civicfutures.coding import schemas as cs
from civicfutures.coding.service import CodingService, coder_label
from civicfutures.coding.visibility import blind_stories, reaches_every_site, visible
from civicfutures.db.tables import Coding, Memo, Theme
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import FieldError, Forbidden, InvalidInput, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.intake.setup_service import find_project

MEMO_MAX = 10_000
COLUMNS = (
    Memo.id, Memo.project, Memo.site, Memo.story, Memo.coding, Memo.body, Memo.author,
    Memo.author_label, Memo.created_at, Memo.updated_at, Memo.theme.key.as_alias("theme_key"),
)  # fmt: skip


def _text(value: str) -> str:
    text = unicodedata.normalize("NFC", value or "").strip()
    if not text:
        raise InvalidInput(
            _("The memo is empty."), [FieldError("text", _("Write the memo's text."))]
        )
    if "\x00" in text:
        # PostgreSQL text cannot hold it; refused on both engines alike.
        raise InvalidInput(
            _("The text contains a NUL character."),
            [FieldError("text", _("The text contains a NUL character."))],
        )
    if len(text) > MEMO_MAX:
        raise InvalidInput(
            _("The memo is too long."),
            [FieldError("text", _("At most {max} characters.").format(max=MEMO_MAX))],
        )
    return text


def _state(row: dict[str, Any]) -> dict[str, Any]:
    """What the audit hashes and shows of a memo: what it is about and how long, never its words."""
    return {
        "story": row.get("story"),
        "coding": row.get("coding"),
        "theme": row.get("theme_key"),
        "length": len(row["body"]),
    }


def _missing(memo_id: int) -> NotFound:
    return NotFound(_("No such memo."), [FieldError("id", _("No memo {id}.").format(id=memo_id))])


class MemoService:
    def __init__(self) -> None:
        self.codings = CodingService()

    @staticmethod
    def _record(actor: Actor, row: dict[str, Any]) -> cs.MemoRecord:
        return cs.MemoRecord(
            id=row["id"],
            text=row["body"],
            story=row["story"],
            coding=row["coding"],
            theme=row["theme_key"],
            author=row["author_label"],
            mine=row["author"] is not None and row["author"] == actor.user_id,
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    # ------------------------------------------------------------------ reading

    async def for_story(self, actor: Actor, story_id: int) -> list[cs.MemoRecord]:
        """Memos on the story and on the codings of it the reader sees, oldest first."""
        await self.codings.story(actor, story_id)
        rows = (
            await Memo.select(*COLUMNS, Memo.coding.coder_user.as_alias("coder_user"))
            .where(Memo.story == story_id)
            .order_by(Memo.id)
        )
        blind = await blind_stories(actor, [story_id])
        return [
            self._record(actor, row)
            for row in rows
            if row["coding"] is None or visible(actor, blind, story_id, row["coder_user"])
        ]

    async def for_themes(self, actor: Actor, project_ref: str) -> list[cs.MemoRecord]:
        """The project's theme memos, for those who reach every site; none for others."""
        project = await find_project(project_ref)
        if not reaches_every_site(actor):
            return []
        rows = (
            await Memo.select(*COLUMNS)
            .where(Memo.project == project["id"], Memo.theme.is_not_null())
            .order_by(Memo.id)
        )
        return [self._record(actor, row) for row in rows]

    async def get(self, actor: Actor, memo_id: int) -> cs.MemoRecord:
        row = await Memo.select(Memo.story, Memo.project.slug).where(Memo.id == memo_id).first()
        found = None
        if row is not None:
            memos = (
                await self.for_story(actor, row["story"])
                if row["story"] is not None
                else await self.for_themes(actor, row["project.slug"])
            )
            found = next((m for m in memos if m.id == memo_id), None)
        if found is None:
            raise _missing(memo_id)
        return found

    # ------------------------------------------------------------------ writing

    async def _target(self, actor: Actor, data: cs.MemoCreate) -> dict[str, Any]:
        """The memo's columns for what it is about, once the actor may write there."""
        chosen = [name for name in ("story", "coding", "theme") if getattr(data, name) is not None]
        if len(chosen) != 1:
            raise InvalidInput(
                _("A memo is about one thing."),
                [FieldError("story", _("Give exactly one of story, coding or theme."))],
            )
        if data.coding is not None:
            coding = await Coding.select(Coding.story).where(Coding.id == data.coding).first()
            if coding is None:
                raise NotFound(
                    _("No such coding."),
                    [FieldError("coding", _("No coding {id}.").format(id=data.coding))],
                )
            # Only a coding the actor sees (blind coding) takes their memo.
            seen = {c.id for c in await self.codings.list(actor, coding["story"])}
            if data.coding not in seen:
                raise NotFound(
                    _("No such coding."),
                    [FieldError("coding", _("No coding {id}.").format(id=data.coding))],
                )
            texts = await self.codings.story(actor, coding["story"])
            return {"project": texts.project, "site": texts.site, "story": texts.id,
                    "coding": data.coding, "theme": None}  # fmt: skip
        if data.story is not None:
            texts = await self.codings.story(actor, data.story)
            return {"project": texts.project, "site": texts.site, "story": texts.id,
                    "coding": None, "theme": None}  # fmt: skip
        if not data.project:
            raise InvalidInput(
                _("A theme's memo names its project."),
                [FieldError("project", _("Name the project of the theme."))],
            )
        project = await find_project(data.project)
        if not reaches_every_site(actor):
            raise Forbidden(_("Only researchers and admins write memos on themes."))
        theme = (
            await Theme.select(Theme.id)
            .where(Theme.project == project["id"], Theme.key == data.theme)
            .first()
        )
        if theme is None:
            raise InvalidInput(
                _("No such theme."),
                [
                    FieldError(
                        "theme", _("No theme “{key}” in this codebook.").format(key=data.theme)
                    )
                ],
            )
        return {"project": project["id"], "site": None, "story": None, "coding": None,
                "theme": theme["id"]}  # fmt: skip

    async def create(self, actor: Actor, data: cs.MemoCreate) -> cs.MemoRecord:
        text = _text(data.text)
        async with write_transaction():
            target = await self._target(actor, data)
            now = dt.datetime.now(dt.UTC)
            inserted = await Memo.insert(
                Memo(
                    **target,
                    body=text,
                    author=actor.user_id,
                    author_label=coder_label(actor),
                    created_at=now,
                )
            ).returning(Memo.id)
            row = {**target, "id": inserted[0]["id"], "body": text, "theme_key": data.theme,
                   "author": actor.user_id, "author_label": coder_label(actor),
                   "created_at": now, "updated_at": None}  # fmt: skip
            await audit.record(
                actor, "create", "memo", row["id"], after=_state(row), detail=_state(row)
            )
        return self._record(actor, row)

    async def _own(self, actor: Actor, memo_id: int) -> dict[str, Any]:
        """A memo the actor may change: one they read, and wrote (admins: any)."""
        current = await self.get(actor, memo_id)
        row = await Memo.select(*COLUMNS).where(Memo.id == memo_id).first()
        if row is None:
            raise _missing(memo_id)
        if not (actor.is_admin or current.mine):
            raise Forbidden(
                _("Only its author or an admin may change a memo."),
                [FieldError("id", _("Memo {id} is someone else's.").format(id=memo_id))],
            )
        return row

    async def change(self, actor: Actor, memo_id: int, data: cs.MemoChange) -> cs.MemoRecord:
        text = _text(data.text)
        async with write_transaction():
            row = await self._own(actor, memo_id)
            before = _state(row)
            now = dt.datetime.now(dt.UTC)
            await Memo.update({Memo.body: text, Memo.updated_at: now}).where(Memo.id == memo_id)
            row.update(body=text, updated_at=now)
            await audit.record(
                actor,
                "update",
                "memo",
                memo_id,
                before=before,
                after=_state(row),
                detail={"story": row["story"], "theme": row["theme_key"], "fields": ["text"]},
            )
        return self._record(actor, row)

    async def delete(self, actor: Actor, memo_id: int) -> dict[str, Any]:
        """Remove the memo; its row as it was (where a page goes back to)."""
        async with write_transaction():
            row = await self._own(actor, memo_id)
            await Memo.delete().where(Memo.id == memo_id)
            await audit.record(
                actor, "delete", "memo", memo_id, before=_state(row), detail=_state(row)
            )
        return row
