"""Codings made one at a time by the signed-in coder: create, change, remove, mark done.

Every call reads the story through `StoryService` first, so the consent rule decides who may
code what exactly as it decides who may read it: a story with a withdrawn storyteller, or one
a researcher may not read, is a 404 here too. Coding needs the researcher role, a partner
membership of the story's site, or admin. Offsets are checked like evidence offsets (code
points of the NFC text, never inside a grapheme cluster). Every write is audited, without the
coded words: the audit log outlives an erasure.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from civicfutures import audit
from civicfutures.auth.actor import Actor
from civicfutures.coding import schemas as cs
from civicfutures.coding.visibility import blind_stories, visible
from civicfutures.curation.offsets import check_span, locate
from civicfutures.db.tables import Coding, CodingDone, Story, Theme, Translation
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import Conflict, FieldError, Forbidden, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.intake.story_service import StoryService
from civicfutures.intake.validation import Checker, canonical_language


@dataclass(frozen=True)
class StoryTexts:
    """The story a coder works on: its site, project, original and translations."""

    id: int
    site: int
    project: int
    body: str
    translations: dict[str, str]


def may_code(actor: Actor, site_id: int) -> bool:
    """Researchers code any story they may read, partners their sites' stories, admins all."""
    return actor.is_admin or "researcher" in actor.roles or site_id in actor.partner_site_ids


def coder_label(actor: Actor) -> str:
    return actor.label[:64]


class CodingService:
    async def story(self, actor: Actor, story_id: int) -> StoryTexts:
        """The story when the actor may read and code it; 404 or 403 otherwise."""
        row = await StoryService()._story_row(actor, story_id)
        if not may_code(actor, row["site"]):
            raise Forbidden(_("You may not code this story."))
        project = await Story.select(Story.site.project).where(Story.id == story_id).first()
        translations = {
            t["language"]: t["body"]
            for t in await Translation.select(Translation.language, Translation.body).where(
                Translation.story == story_id
            )
        }
        return StoryTexts(
            id=story_id,
            site=row["site"],
            project=project["site.project"],
            body=row["body"],
            translations=translations,
        )

    # ------------------------------------------------------------------ reading

    async def list(self, actor: Actor, story_id: int) -> list[cs.CodingRecord]:
        """The story's codings the actor may see (blind coding), in the order they were made."""
        texts = await self._readable(actor, story_id)
        rows = (
            await Coding.select(
                Coding.all_columns(exclude=[Coding.theme]), Coding.theme.key.as_alias("theme")
            )
            .where(Coding.story == story_id)
            .order_by(Coding.id)
        )
        blind = await blind_stories(actor, [story_id])
        return [
            self._record(actor, row, texts)
            for row in rows
            if visible(actor, blind, story_id, row["coder_user"])
        ]

    async def get(self, actor: Actor, coding_id: int) -> cs.CodingRecord:
        """One coding the actor may see (the idempotent replay of a creation)."""
        row = await Coding.select(Coding.story).where(Coding.id == coding_id).first()
        found = None
        if row is not None:
            found = next(
                (c for c in await self.list(actor, row["story"]) if c.id == coding_id), None
            )
        if found is None:
            raise NotFound(
                _("No such coding."), [FieldError("id", _("No coding {id}.").format(id=coding_id))]
            )
        return found

    async def _readable(self, actor: Actor, story_id: int) -> StoryTexts:
        row = await StoryService()._story_row(actor, story_id)
        translations = {
            t["language"]: t["body"]
            for t in await Translation.select(Translation.language, Translation.body).where(
                Translation.story == story_id
            )
        }
        return StoryTexts(story_id, row["site"], 0, row["body"], translations)

    @staticmethod
    def _record(actor: Actor, row: dict[str, Any], texts: StoryTexts) -> cs.CodingRecord:
        text = texts.translations.get(row["translation"], "") if row["translation"] else texts.body
        start, end = row["start_offset"], row["end_offset"]
        return cs.CodingRecord(
            id=row["id"],
            story=row["story"],
            theme=row["theme"],
            coder=row["coder"],
            mine=row["coder_user"] is not None and row["coder_user"] == actor.user_id,
            translation=row["translation"] or None,
            start=start,
            end=end,
            excerpt=text[start:end] if start is not None and end is not None else None,
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    # ------------------------------------------------------------------ writing

    async def _theme_id(self, project_id: int, key: str, check: Checker) -> int | None:
        row = (
            await Theme.select(Theme.id, Theme.retired_at)
            .where(Theme.project == project_id, Theme.key == key)
            .first()
        )
        if row is None:
            check.add("theme", _("No theme “{key}” in this codebook.").format(key=key))
            return None
        if row["retired_at"] is not None:
            check.add(
                "theme", _("The theme “{key}” is retired; it takes no new codings.").format(key=key)
            )
            return None
        return row["id"]

    @staticmethod
    def _text(texts: StoryTexts, translation: str | None, check: Checker) -> tuple[str, str]:
        """(the tag stored, the text the offsets count in) of the original or a translation."""
        if not translation:
            return "", texts.body
        tag = canonical_language(translation) or translation
        if tag not in texts.translations:
            check.add(
                "translation",
                _("This story has no translation in “{tag}”.").format(tag=translation),
            )
            return tag, ""
        return tag, texts.translations[tag]

    @staticmethod
    def _span(check: Checker, text: str, start: int | None, end: int | None) -> None:
        if (start is None) != (end is None):
            check.add("end", _("Give both start and end of an excerpt, or neither."))
        elif start is not None and end is not None:
            inner = Checker()
            check_span(inner, "span", text, start, end)
            for error in inner.errors:
                check.add(error.field.removeprefix("span."), error.message)

    async def create(self, actor: Actor, story_id: int, data: cs.CodingCreate) -> cs.CodingRecord:
        async with write_transaction():
            texts = await self.story(actor, story_id)
            check = Checker()
            theme_id = await self._theme_id(texts.project, data.theme, check)
            # A whole-story coding is the same on any text: it is kept on the original.
            whole = data.start is None and data.end is None
            tag, text = self._text(texts, None if whole else data.translation, check)
            if text or not tag:
                self._span(check, text, data.start, data.end)
            check.raise_if_any()
            same = (
                await Coding.exists().where(
                    Coding.story == story_id,
                    Coding.theme == theme_id,
                    Coding.coder_user == actor.user_id,
                    Coding.translation == tag,
                    Coding.start_offset.is_null()
                    if data.start is None
                    else Coding.start_offset == data.start,
                    Coding.end_offset.is_null()
                    if data.end is None
                    else Coding.end_offset == data.end,
                )
                if actor.user_id is not None
                else False
            )
            if same:
                raise Conflict(
                    _("You already coded this passage with this theme."),
                    [FieldError("theme", _("You already coded this passage with this theme."))],
                )
            now = dt.datetime.now(dt.UTC)
            row = (
                await Coding.insert(
                    Coding(
                        story=story_id,
                        theme=theme_id,
                        coder=coder_label(actor),
                        coder_user=actor.user_id,
                        translation=tag,
                        start_offset=data.start,
                        end_offset=data.end,
                        created_at=now,
                    )
                ).returning(Coding.id)
            )[0]
            state = _state(data.theme, tag, data.start, data.end)
            await audit.record(
                actor,
                "create",
                "coding",
                row["id"],
                after=state,
                detail={"story": story_id, **state},
            )
        return cs.CodingRecord(
            id=row["id"],
            story=story_id,
            theme=data.theme,
            coder=coder_label(actor),
            mine=True,
            translation=tag or None,
            start=data.start,
            end=data.end,
            excerpt=text[data.start : data.end] if data.start is not None else None,
            created_at=now,
            updated_at=None,
        )

    async def _own(self, actor: Actor, coding_id: int) -> tuple[dict[str, Any], StoryTexts]:
        """A coding the actor may change: their own (admins: any) on a story they may code."""
        row = (
            await Coding.select(
                Coding.all_columns(exclude=[Coding.theme]),
                Coding.theme.as_alias("theme_id"),
                Coding.theme.key.as_alias("theme"),
            )
            .where(Coding.id == coding_id)
            .first()
        )
        missing = NotFound(
            _("No such coding."), [FieldError("id", _("No coding {id}.").format(id=coding_id))]
        )
        if row is None:
            raise missing
        try:
            texts = await self.story(actor, row["story"])
        except NotFound:
            raise missing from None
        if not actor.is_admin and row["coder_user"] != actor.user_id:
            blind = await blind_stories(actor, [row["story"]])
            if not visible(actor, blind, row["story"], row["coder_user"]):
                raise missing
            raise Forbidden(
                _("Only its coder or an admin may change a coding."),
                [FieldError("id", _("Coding {id} is another coder's.").format(id=coding_id))],
            )
        return row, texts

    async def change(self, actor: Actor, coding_id: int, data: cs.CodingChange) -> cs.CodingRecord:
        async with write_transaction():
            row, texts = await self._own(actor, coding_id)
            check = Checker()
            theme_id, theme = row["theme_id"], row["theme"]
            if data.theme is not None and data.theme != row["theme"]:
                theme_id = await self._theme_id(texts.project, data.theme, check)
                theme = data.theme
            start, end = row["start_offset"], row["end_offset"]
            if data.start is not None or data.end is not None:
                _tag, text = self._text(texts, row["translation"], check)
                self._span(check, text, data.start, data.end)
                start, end = data.start, data.end
            check.raise_if_any()
            before = _state(
                row["theme"], row["translation"], row["start_offset"], row["end_offset"]
            )
            after = _state(theme, row["translation"], start, end)
            now = dt.datetime.now(dt.UTC)
            await Coding.update(
                {
                    Coding.theme: theme_id,
                    Coding.start_offset: start,
                    Coding.end_offset: end,
                    Coding.updated_at: now,
                }
            ).where(Coding.id == coding_id)
            await audit.record(
                actor,
                "update",
                "coding",
                coding_id,
                before=before,
                after=after,
                detail={"story": row["story"], "fields": audit.changed_fields(before, after)},
            )
        row.update(theme=theme, start_offset=start, end_offset=end, updated_at=now)
        return self._record(actor, row, texts)

    async def delete(self, actor: Actor, coding_id: int) -> int:
        """Remove the coding; the story's id (where a page goes back to)."""
        async with write_transaction():
            row, _texts = await self._own(actor, coding_id)
            await Coding.delete().where(Coding.id == coding_id)
            before = _state(
                row["theme"], row["translation"], row["start_offset"], row["end_offset"]
            )
            await audit.record(
                actor,
                "delete",
                "coding",
                coding_id,
                before=before,
                detail={"story": row["story"], **before},
            )
        return row["story"]

    async def mark_done(self, actor: Actor, story_id: int, done: bool) -> cs.DoneOut:
        """The caller finished (or reopens) coding the story."""
        async with write_transaction():
            await self.story(actor, story_id)
            if actor.user_id is None:
                raise Forbidden(_("Only a signed-in coder can mark a story done."))
            marked = await CodingDone.exists().where(
                CodingDone.story == story_id, CodingDone.user == actor.user_id
            )
            if done and not marked:
                await CodingDone.insert(
                    CodingDone(story=story_id, user=actor.user_id, done_at=dt.datetime.now(dt.UTC))
                )
            elif not done and marked:
                await CodingDone.delete().where(
                    CodingDone.story == story_id, CodingDone.user == actor.user_id
                )
            if done != marked:
                await audit.record(
                    actor,
                    "done" if done else "reopen",
                    "coding_done",
                    story_id,
                    detail={"story": story_id},
                )
        return cs.DoneOut(story=story_id, done=done)

    async def is_done(self, actor: Actor, story_id: int) -> bool:
        if actor.user_id is None:
            return False
        return await CodingDone.exists().where(
            CodingDone.story == story_id, CodingDone.user == actor.user_id
        )


def phrase_span(text: str, phrase: str, occurrence: int = 1) -> tuple[int, int] | None:
    """Where the n-th occurrence of `phrase` stands in `text` (the keyboard-free-of-selection
    path of the story page); the phrase is NFC-normalised like the stored text."""
    return locate(text, unicodedata.normalize("NFC", phrase.strip()), occurrence)


def _state(theme: str, translation: str, start: int | None, end: int | None) -> dict[str, Any]:
    """What the audit hashes and shows of a coding: never the coded words."""
    return {"theme": theme, "translation": translation or None, "start": start, "end": end}
