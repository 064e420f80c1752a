"""Agreed codings: what coders settled when they reconciled a disagreement.

Kept in their own table, never in `coding`: the coders' own codings stay exactly as they were,
for the agreement statistics. Who may reconcile: whoever may code the story (researchers,
partners of its site, admins), once the story is no longer blind to them (blind coding: after
marking their own coding done). A decision is either "the theme applies" (on an excerpt, or
the whole story) or "the theme does not apply"; the two exclude each other for one theme of
one story. Every write is audited, without the agreed words.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from civicfutures import audit
from civicfutures.auth.actor import Actor
from civicfutures.coding import schemas as cs
from civicfutures.coding.service import CodingService, StoryTexts, coder_label
from civicfutures.coding.visibility import blind_stories
from civicfutures.db.tables import AgreedCoding
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import Conflict, FieldError, Forbidden, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.intake.validation import Checker


def _state(row: dict[str, Any]) -> dict[str, Any]:
    """What the audit hashes and shows of an agreed coding: never the agreed words."""
    return {
        "theme": row["theme"],
        "applies": bool(row["applies"]),
        "translation": row["translation"] or None,
        "start": row["start_offset"],
        "end": row["end_offset"],
    }


class AgreedCodingService:
    def __init__(self) -> None:
        self.codings = CodingService()

    async def _reconciler(self, actor: Actor, story_id: int) -> StoryTexts:
        texts = await self.codings.story(actor, story_id)
        if await blind_stories(actor, [story_id]):
            raise Forbidden(
                _("Mark your own coding of this story done before reconciling it."),
                [FieldError("story", _("Your coding of this story is not marked done."))],
            )
        return texts

    async def list(self, actor: Actor, story_id: int) -> list[cs.AgreedRecord]:
        """The story's agreed codings (readers of the story who may code it see them)."""
        texts = await self.codings.story(actor, story_id)
        rows = (
            await AgreedCoding.select(
                AgreedCoding.all_columns(exclude=[AgreedCoding.theme]),
                AgreedCoding.theme.key.as_alias("theme"),
            )
            .where(AgreedCoding.story == story_id)
            .order_by(AgreedCoding.id)
        )
        return [self._record(row, texts) for row in rows]

    @staticmethod
    def _record(row: dict[str, Any], texts: StoryTexts) -> cs.AgreedRecord:
        text = texts.translations.get(row["translation"], "") if row["translation"] else texts.body
        start, end = row["start_offset"], row["end_offset"]
        return cs.AgreedRecord(
            id=row["id"],
            story=row["story"],
            theme=row["theme"],
            applies=bool(row["applies"]),
            agreed_by=row["agreed_label"],
            translation=row["translation"] or None,
            start=start,
            end=end,
            excerpt=text[start:end] if start is not None and end is not None else None,
            created_at=row["created_at"],
        )

    async def get(self, actor: Actor, agreed_id: int) -> cs.AgreedRecord:
        row = (
            await AgreedCoding.select(AgreedCoding.story)
            .where(AgreedCoding.id == agreed_id)
            .first()
        )
        found = None
        if row is not None:
            found = next(
                (a for a in await self.list(actor, row["story"]) if a.id == agreed_id), None
            )
        if found is None:
            raise NotFound(
                _("No such agreed coding."),
                [FieldError("id", _("No agreed coding {id}.").format(id=agreed_id))],
            )
        return found

    async def create(self, actor: Actor, story_id: int, data: cs.AgreedCreate) -> cs.AgreedRecord:
        async with write_transaction():
            texts = await self._reconciler(actor, story_id)
            check = Checker()
            theme_id = await self.codings._theme_id(texts.project, data.theme, check)
            whole = data.start is None and data.end is None
            if not data.applies and not whole:
                check.add("start", _("A theme that does not apply takes no excerpt."))
            tag, text = self.codings._text(texts, None if whole else data.translation, check)
            if data.applies and (text or not tag):
                self.codings._span(check, text, data.start, data.end)
            check.raise_if_any()
            existing = await AgreedCoding.select(
                AgreedCoding.applies,
                AgreedCoding.translation,
                AgreedCoding.start_offset,
                AgreedCoding.end_offset,
            ).where(AgreedCoding.story == story_id, AgreedCoding.theme == theme_id)
            if any(bool(row["applies"]) != data.applies for row in existing):
                message = (
                    _("It was agreed that this theme does not apply; remove that decision first.")
                    if data.applies
                    else _("Agreed codings of this theme exist; remove them first.")
                )
                raise Conflict(message, [FieldError("applies", message)])
            if any(
                (row["translation"], row["start_offset"], row["end_offset"])
                == (tag, data.start, data.end)
                for row in existing
            ):
                message = _("This agreed coding is already recorded.")
                raise Conflict(message, [FieldError("theme", message)])
            now = dt.datetime.now(dt.UTC)
            row = {
                "story": story_id,
                "theme": data.theme,
                "applies": data.applies,
                "translation": tag,
                "start_offset": data.start,
                "end_offset": data.end,
                "agreed_label": coder_label(actor),
                "created_at": now,
            }
            inserted = await AgreedCoding.insert(
                AgreedCoding(
                    story=story_id,
                    theme=theme_id,
                    applies=data.applies,
                    translation=tag,
                    start_offset=data.start,
                    end_offset=data.end,
                    agreed_by=actor.user_id,
                    agreed_label=coder_label(actor),
                    created_at=now,
                )
            ).returning(AgreedCoding.id)
            row["id"] = inserted[0]["id"]
            await audit.record(
                actor,
                "create",
                "agreed_coding",
                row["id"],
                after=_state(row),
                detail={"story": story_id, **_state(row)},
            )
        return self._record(row, texts)

    async def delete(self, actor: Actor, agreed_id: int) -> int:
        """Remove an agreed coding (whoever may reconcile the story); the story's id."""
        async with write_transaction():
            row = (
                await AgreedCoding.select(
                    AgreedCoding.all_columns(exclude=[AgreedCoding.theme]),
                    AgreedCoding.theme.key.as_alias("theme"),
                )
                .where(AgreedCoding.id == agreed_id)
                .first()
            )
            if row is None:
                raise NotFound(
                    _("No such agreed coding."),
                    [FieldError("id", _("No agreed coding {id}.").format(id=agreed_id))],
                )
            await self._reconciler(actor, row["story"])
            await AgreedCoding.delete().where(AgreedCoding.id == agreed_id)
            await audit.record(
                actor,
                "delete",
                "agreed_coding",
                agreed_id,
                before=_state(row),
                detail={"story": row["story"], **_state(row)},
            )
        return row["story"]
