"""Stories with their tellers, translations and codings: the heart of intake."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

import msgspec
import numpy as np

from civicfutures import audit
from civicfutures.auth.actor import Actor
from civicfutures.coding.anchoring import reanchor_agreed
from civicfutures.coding.visibility import blind_stories, visible
from civicfutures.consent import readable_stories
from civicfutures.curation.anchoring import reanchor_evidence
from civicfutures.db import story_rows
from civicfutures.db.kept import KeptByVersion
from civicfutures.db.tables import (
    Coding,
    Site,
    Story,
    StoryStoryteller,
    Translation,
)
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import (
    FieldError,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from civicfutures.i18n import gettext as _
from civicfutures.intake import schemas as s
from civicfutures.intake.people_service import find_workshop, require_site_write
from civicfutures.intake.story_scope import StoryFilters, story_conditions
from civicfutures.intake.validation import Checker, nfc
from civicfutures.search import columns as story_columns
from civicfutures.search import index as search_index

PAGE_MAX = 200
# Reads of the columns that may meet a write before the list is made in SQL alone.
COLUMN_ATTEMPTS = 3


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        if not text.startswith("id:"):
            raise ValueError(text)
        return int(text[3:])
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidInput(
            _("The request has invalid fields."),
            [FieldError("cursor", _("This cursor is not valid."))],
        ) from error


def parse_if_match(header: str | None) -> int:
    """`If-Match: 3`, `"3"` or `W/"3"` → 3; absent → 428 so no edit silently overwrites another."""
    if header is None:
        raise PreconditionRequired(
            _("Send the story's version in If-Match."),
            [FieldError("If-Match", _("Send the version you edited in the If-Match header."))],
        )
    value = header.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput(
            _("The request has invalid fields."),
            [FieldError("If-Match", _("If-Match must hold the story's version, a whole number."))],
        )
    return int(value)


def _check_text_fields(
    check: Checker, data: s.StoryIn | s.StoryPatch, body: str, language: str
) -> dict[str, Any]:
    """Language tags, translations and coding offsets; returns the canonical values."""
    result: dict[str, Any] = {}
    if data.language is not msgspec.UNSET:
        result["language"] = check.language("language", data.language)
    translations = [] if data.translations is msgspec.UNSET else data.translations
    seen: set[str] = set()
    canonical_translations = []
    for index, item in enumerate(translations):
        tag = check.language(f"translations.{index}.language", item.language)
        if tag in seen:
            check.add(f"translations.{index}.language", _("Only one translation per language."))
        if tag == result.get("language", language):
            check.add(
                f"translations.{index}.language",
                _("A translation must be in another language than the story."),
            )
        seen.add(tag)
        canonical_translations.append(msgspec.structs.replace(item, language=tag))
    result["translations"] = canonical_translations
    codings = [] if data.codings is msgspec.UNSET else data.codings
    for index, coding in enumerate(codings):
        if (coding.start is None) != (coding.end is None):
            check.add(
                f"codings.{index}.end", _("Give both start and end of an excerpt, or neither.")
            )
        elif coding.start is not None and coding.end is not None:
            if coding.start >= coding.end:
                check.add(
                    f"codings.{index}.end", _("The end of an excerpt must come after its start.")
                )
            elif coding.end > len(body):
                check.add(
                    f"codings.{index}.end",
                    _("The excerpt ends after the story's text ({length} characters).").format(
                        length=len(body)
                    ),
                )
    if (
        data.kind is not msgspec.UNSET
        and data.kind == "present"
        and data.horizon_year not in (None, msgspec.UNSET)
    ):
        check.add("horizon_year", _("A horizon year belongs to a future vision only."))
    return result


def _checked_tellers(
    actor: Actor, ids: list[int], sites: dict[int, int], site_id: int, check: Checker
) -> list[int]:
    """The storytellers (each once) when each exists, is visible and tells at the site."""
    for index, storyteller_id in enumerate(ids):
        teller_site = sites.get(storyteller_id)
        if teller_site is None or not actor.sees_site(teller_site):
            check.add(f"storytellers.{index}", _("No storyteller {id}.").format(id=storyteller_id))
        elif teller_site != site_id:
            check.add(
                f"storytellers.{index}",
                _("This storyteller belongs to another site than the workshop."),
            )
    return list(dict.fromkeys(ids))


def _checked_themes(
    codings: list[s.CodingIn], found: dict[str, int], check: Checker
) -> dict[str, int]:
    """The themes' ids, with an error for each coding whose theme is not in the codebook."""
    for index, coding in enumerate(codings):
        if coding.theme not in found:
            check.add(
                f"codings.{index}.theme",
                _("No theme “{key}” in this codebook.").format(key=coding.theme),
            )
    return found


# What a list reads, per data version (`db/kept.py`): the ids a reader's filters select (the
# total, and every page's window, without counting again), and the pages themselves. Each is
# exact until the next committed write, which moves the version in every process: the stories,
# their tellers' consent, sites, themes, codings and done marks all bump it.
_WANTED: KeptByVersion[np.ndarray] = KeptByVersion(capacity=256)
# A page holds its stories' texts (up to 200 of a few kB): 128 pages stay within tens of MB.
_PAGES: KeptByVersion[s.StoryPage] = KeptByVersion(capacity=128)


async def _wanted(
    columns: story_columns.StoryColumns, actor: Actor, filters: StoryFilters
) -> np.ndarray:
    """The ids, ascending, of the stories `actor` may read that pass `filters`."""
    key = (story_columns.scope_of(actor), filters)
    kept = _WANTED.get(key, columns.version)
    if kept is None:
        kept = np.flatnonzero(await columns.readable(actor) & columns.filtered(filters))
        _WANTED.put(key, columns.version, kept)
    return kept


class StoryService:
    # ------------------------------------------------------------------ reading

    async def _story_row(self, actor: Actor, story_id: int, field: str = "id") -> dict[str, Any]:
        """The story row when `actor` may read it (the consent rule), else 404."""
        row = (
            await Story.select(Story.all_columns(), Story.site.slug)
            .where(Story.id == story_id, readable_stories(actor))
            .first()
        )
        if row is None or not actor.sees_site(row["site"]):
            raise NotFound(
                _("No such story."), [FieldError(field, _("No story {id}.").format(id=story_id))]
            )
        return row

    async def _assemble(self, rows: list[dict[str, Any]], actor: Actor) -> list[s.StoryOut]:
        """Stories with their tellers, translations and codings (those `actor` may see under
        blind coding), in a few queries for any page."""
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        blind = await blind_stories(actor, ids)
        tellers: dict[int, list[int]] = {i: [] for i in ids}
        for link in (
            await StoryStoryteller.select(StoryStoryteller.story, StoryStoryteller.storyteller)
            .where(StoryStoryteller.story.is_in(ids))
            .order_by(StoryStoryteller.storyteller)
        ):
            tellers[link["story"]].append(link["storyteller"])
        translations: dict[int, list[s.TranslationOut]] = {i: [] for i in ids}
        for item in (
            await Translation.select()
            .where(Translation.story.is_in(ids))
            .order_by(Translation.language)
        ):
            translations[item["story"]].append(
                s.TranslationOut(
                    language=item["language"],
                    title=item["title"],
                    body=item["body"],
                    by=item["origin"],
                    reviewed=item["reviewed"],
                )
            )
        codings: dict[int, list[s.CodingOut]] = {i: [] for i in ids}
        for item in (
            await Coding.select(
                Coding.story,
                Coding.theme.key,
                Coding.coder,
                Coding.coder_user,
                Coding.translation,
                Coding.start_offset,
                Coding.end_offset,
            )
            .where(Coding.story.is_in(ids))
            .order_by(Coding.id)
        ):
            if not visible(actor, blind, item["story"], item["coder_user"]):
                continue
            codings[item["story"]].append(
                s.CodingOut(
                    theme=item["theme.key"],
                    coder=item["coder"],
                    start=item["start_offset"],
                    end=item["end_offset"],
                    translation=item["translation"] or None,
                )
            )
        return [
            s.StoryOut(
                id=row["id"],
                version=row["version"],
                workshop=row["workshop"],
                site=row["site.slug"],
                storytellers=tellers[row["id"]],
                kind=row["kind"],
                horizon_year=row["horizon_year"],
                language=row["language"],
                title=row["title"],
                body=row["body"],
                status=row["status"],
                translations=translations[row["id"]],
                codings=codings[row["id"]],
                created_at=row["created_at"],
                updated_at=row["updated_at"],
            )
            for row in rows
        ]

    async def get(self, actor: Actor, story_id: int) -> s.StoryOut:
        return (await self._assemble([await self._story_row(actor, story_id)], actor))[0]

    async def list(
        self,
        actor: Actor,
        filters: StoryFilters,
        limit: int = 50,
        cursor: str | None = None,
        newest_first: bool = False,
        offset: int = 0,
    ) -> s.StoryPage:
        """A page of stories in id order (or newest first) with the total matching the filters;
        after `cursor`, or past the first `offset` stories (pages reached by number).

        Which ids and how many come from the columns of the data version (`search.columns`),
        counted in arrays rather than by the engine for every page; the page's rows are then
        read by id, under the consent rule again, so a story that left the actor's reach since
        the columns were read is not shown."""
        limit = max(1, min(limit, PAGE_MAX))
        after = decode_cursor(cursor) if cursor else None
        for _attempt in range(COLUMN_ATTEMPTS):
            try:
                columns = await story_columns.current()
                wanted = await _wanted(columns, actor, filters)
                break
            except story_columns.StaleVersion:
                continue
        else:
            return await self._list_in_sql(actor, filters, limit, after, newest_first, offset)
        # The reader's own key: blind coding shows each coder their own codings.
        key = (actor.user_id, actor.access, filters, limit, after, newest_first, offset)

        async def page() -> s.StoryPage:
            order = wanted[::-1] if newest_first else wanted
            if after is not None:
                order = order[order < after] if newest_first else order[order > after]
            window = [int(i) for i in order[offset : offset + limit + 1]]
            found = {
                row["id"]: row
                for row in await Story.select(Story.all_columns(), Story.site.slug).where(
                    Story.id.is_in(window or [-1]), readable_stories(actor)
                )
            }
            rows = [found[i] for i in window[:limit] if i in found]
            more = len(window) > limit
            return s.StoryPage(
                items=await self._assemble(rows, actor),
                next_cursor=encode_cursor(window[limit - 1]) if more else None,
                total=len(wanted),
            )

        return await _PAGES.get_or_derive(key, columns.version, page)

    async def _list_in_sql(
        self,
        actor: Actor,
        filters: StoryFilters,
        limit: int,
        after: int | None,
        newest_first: bool,
        offset: int,
    ) -> s.StoryPage:
        """The list in SQL alone, for when writes keep moving the data version."""
        conditions = await self.conditions(actor, filters)
        count_query = Story.count()
        page_query = (
            Story.select(Story.all_columns(), Story.site.slug)
            .order_by(Story.id, ascending=not newest_first)
            .limit(limit + 1)
        )
        for condition in conditions:
            count_query = count_query.where(condition)
            page_query = page_query.where(condition)
        if after is not None:
            page_query = page_query.where(Story.id < after if newest_first else Story.id > after)
        if offset > 0:
            page_query = page_query.offset(offset)
        total = await count_query
        rows = await page_query
        has_more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1]["id"]) if has_more and rows else None
        return s.StoryPage(
            items=await self._assemble(rows, actor), next_cursor=next_cursor, total=total
        )

    async def conditions(self, actor: Actor, filters: StoryFilters) -> list[Any]:
        """The query conditions of `filters` for `actor`, consent rule first (search shares them)."""
        return await story_conditions(actor, filters)

    # ------------------------------------------------------------------ writing

    async def _resolve_tellers(
        self, actor: Actor, ids: list[int], site_id: int, check: Checker
    ) -> list[int]:
        sites = await story_rows.storyteller_sites(list(dict.fromkeys(ids)))
        return _checked_tellers(actor, ids, sites, site_id, check)

    async def _theme_ids(
        self, project_id: int, codings: list[s.CodingIn], check: Checker
    ) -> dict[str, int]:
        keys = sorted({coding.theme for coding in codings})
        if not keys:
            return {}
        return _checked_themes(codings, await story_rows.theme_ids(project_id, keys), check)

    async def _write_children(
        self,
        actor: Actor,
        story_id: int,
        translations: list[s.TranslationIn] | None,
        codings: list[s.CodingIn] | None,
        theme_ids: dict[str, int],
    ) -> None:
        if translations is not None:
            await Translation.delete().where(Translation.story == story_id)
            if translations:
                await Translation.insert(
                    *[
                        Translation(
                            story=story_id,
                            language=item.language,
                            title=item.title,
                            body=item.body,
                            origin=item.by,
                            reviewed=item.reviewed,
                        )
                        for item in translations
                    ]
                )
        if codings is not None:
            await self._replace_codings(actor, story_id, codings, theme_ids)

    async def _replace_codings(
        self, actor: Actor, story_id: int, codings: list[s.CodingIn], theme_ids: dict[str, int]
    ) -> None:
        """A codings list replaces the codings of the original the caller sees.

        Codings kept unchanged keep their rows (their coder's identity, their history); codings
        on translations and, under blind coding, other coders' codings are left as they are.
        """
        blind = await blind_stories(actor, [story_id])
        stored = [
            row
            for row in await Coding.select(
                Coding.id,
                Coding.theme,
                Coding.coder,
                Coding.coder_user,
                Coding.start_offset,
                Coding.end_offset,
            )
            .where((Coding.story == story_id) & (Coding.translation == ""))
            .order_by(Coding.id)
            if visible(actor, blind, story_id, row["coder_user"])
        ]
        unmatched = {row["id"]: row for row in stored}
        new: list[s.CodingIn] = []
        for item in codings:
            key = (theme_ids[item.theme], item.coder, item.start, item.end)
            found = next(
                (
                    row_id
                    for row_id, row in unmatched.items()
                    if (row["theme"], row["coder"], row["start_offset"], row["end_offset"]) == key
                ),
                None,
            )
            if found is None:
                new.append(item)
            else:
                del unmatched[found]
        if unmatched:
            await Coding.delete().where(Coding.id.is_in(sorted(unmatched)))
        if new:
            await Coding.insert(
                *[
                    Coding(
                        story=story_id,
                        theme=theme_ids[item.theme],
                        coder=item.coder,
                        coder_user=_coder_user(actor, item.coder),
                        start_offset=item.start,
                        end_offset=item.end,
                    )
                    for item in new
                ]
            )

    async def create(self, actor: Actor, data: s.StoryIn) -> s.StoryOut:
        """Store a new story with its links, translations and codings; the story as stored.

        The answer is built from what was written (the same values, orders and timestamps a
        read gives back) rather than read again inside the write lock.
        """
        data = nfc(data)
        check = Checker()
        canonical = _check_text_fields(check, data, data.body, data.language)
        async with write_transaction():
            context = await story_rows.story_context(
                data.workshop,
                list(dict.fromkeys(data.storytellers)),
                sorted({coding.theme for coding in data.codings}),
            )
            workshop = context.workshop
            if workshop is None or not actor.sees_site(workshop["site"]):
                raise NotFound(
                    _("No such workshop."),
                    [FieldError("workshop", _("No workshop {id}.").format(id=data.workshop))],
                )
            require_site_write(actor, workshop["site"])
            tellers = _checked_tellers(
                actor, data.storytellers, context.storyteller_sites, workshop["site"], check
            )
            theme_ids = _checked_themes(data.codings, context.theme_ids, check)
            check.raise_if_any()
            now = dt.datetime.now(dt.UTC)
            story_id = await story_rows.insert_story(
                workshop=workshop["id"],
                site=workshop["site"],
                kind=data.kind,
                horizon_year=data.horizon_year,
                language=canonical["language"],
                title=data.title,
                body=data.body,
                status=data.status,
                user_id=actor.user_id,
                now=now,
                story_id=context.next_id,
            )
            translations: list[s.TranslationIn] = canonical["translations"]
            await story_rows.insert_storytellers(story_id, tellers)
            await story_rows.insert_translations(
                story_id,
                [(t.language, t.title, t.body, t.by, t.reviewed) for t in translations],
            )
            await story_rows.insert_codings(
                story_id,
                [
                    (theme_ids[c.theme], c.coder, _coder_user(actor, c.coder), c.start, c.end)
                    for c in data.codings
                ],
                now,
            )
            out = s.StoryOut(
                id=story_id,
                version=1,
                workshop=workshop["id"],
                site=workshop["site_slug"],
                storytellers=sorted(tellers),
                kind=data.kind,
                horizon_year=data.horizon_year,
                language=canonical["language"],
                title=data.title,
                body=data.body,
                status=data.status,
                translations=[
                    s.TranslationOut(
                        language=t.language,
                        title=t.title,
                        body=t.body,
                        by=t.by,
                        reviewed=t.reviewed,
                    )
                    for t in sorted(translations, key=lambda t: t.language)
                ],
                codings=[
                    s.CodingOut(theme=c.theme, coder=c.coder, start=c.start, end=c.end)
                    for c in data.codings
                ],
                created_at=now,
                updated_at=now,
            )
            await search_index.index([_story_text(out)], fresh=True)
            await audit.record(actor, "create", "story", story_id, after=out)
        return out

    async def update(
        self, actor: Actor, story_id: int, data: s.StoryPatch, if_match: str | None
    ) -> s.StoryOut:
        """Apply a partial edit when `If-Match` names the current version; 412 when stale."""
        expected = parse_if_match(if_match)
        data = nfc(data)
        async with write_transaction():
            row = await self._story_row(actor, story_id)
            require_site_write(actor, row["site"])
            if row["version"] != expected:
                raise PreconditionFailed(
                    _(
                        "The story was changed by someone else (now version {version}); reload it and edit again."
                    ).format(version=row["version"]),
                    [
                        FieldError(
                            "If-Match",
                            _("Version {sent} is no longer current.").format(sent=expected),
                        )
                    ],
                )
            before = (await self._assemble([row], actor))[0]
            body = row["body"] if data.body is msgspec.UNSET else data.body
            check = Checker()
            merged_kind = row["kind"] if data.kind is msgspec.UNSET else data.kind
            merged_year = (
                row["horizon_year"] if data.horizon_year is msgspec.UNSET else data.horizon_year
            )
            if merged_kind == "present" and merged_year is not None:
                check.add("horizon_year", _("A horizon year belongs to a future vision only."))
            canonical = _check_text_fields(
                check, msgspec.structs.replace(data, kind=msgspec.UNSET), body, row["language"]
            )
            changes: dict[Any, Any] = {}
            site_id = row["site"]
            if data.workshop is not msgspec.UNSET and data.workshop != row["workshop"]:
                workshop = await find_workshop(actor, data.workshop)
                require_site_write(actor, workshop["site"])
                changes[Story.workshop] = workshop["id"]
                changes[Story.site] = site_id = workshop["site"]
            tellers = None
            if data.storytellers is not msgspec.UNSET:
                tellers = await self._resolve_tellers(actor, data.storytellers, site_id, check)
            elif site_id != row["site"]:
                check.add(
                    "workshop", _("The storytellers belong to another site than this workshop.")
                )
            project = await Site.select(Site.project).where(Site.id == site_id).first()
            codings = None if data.codings is msgspec.UNSET else data.codings
            theme_ids = await self._theme_ids(project["project"], codings or [], check)
            if data.body is not msgspec.UNSET and data.body != row["body"]:
                # A codings list given holds the caller's codings as they stand in the new text;
                # the codings it does not replace move with their words.
                await self._reanchor_codings(
                    actor, story_id, "", row["body"], body, check, only_unseen=codings is not None
                )
                await reanchor_agreed(story_id, "", row["body"], body, check)
            if data.translations is not msgspec.UNSET:
                new_texts = {t.language: t.body for t in canonical["translations"]}
                for item in before.translations:
                    if new_texts.get(item.language) != item.body:
                        await self._reanchor_codings(
                            actor,
                            story_id,
                            item.language,
                            item.body,
                            new_texts.get(item.language, ""),
                            check,
                        )
                        await reanchor_agreed(
                            story_id,
                            item.language,
                            item.body,
                            new_texts.get(item.language, ""),
                            check,
                        )
            await reanchor_evidence(story_id, row["body"], body, check, actor)
            check.raise_if_any()
            for name, column in (
                ("kind", Story.kind),
                ("horizon_year", Story.horizon_year),
                ("title", Story.title),
                ("body", Story.body),
                ("status", Story.status),
            ):
                if getattr(data, name) is not msgspec.UNSET:
                    changes[column] = getattr(data, name)
            if data.body is not msgspec.UNSET:
                changes[Story.body_sha256] = story_rows.body_sha256(data.body)
            if "language" in canonical:
                changes[Story.language] = canonical["language"]
            changes[Story.version] = Story.version + 1
            changes[Story.updated_at] = dt.datetime.now(dt.UTC)
            changes[Story.updated_by] = actor.user_id
            updated = (
                await Story.update(changes)
                .where((Story.id == story_id) & (Story.version == expected))
                .returning(Story.id)
            )
            if not updated:
                raise PreconditionFailed(
                    _("The story was changed by someone else; reload it and edit again."),
                    [
                        FieldError(
                            "If-Match",
                            _("Version {sent} is no longer current.").format(sent=expected),
                        )
                    ],
                )
            if tellers is not None:
                await StoryStoryteller.delete().where(StoryStoryteller.story == story_id)
                await StoryStoryteller.insert(
                    *[StoryStoryteller(story=story_id, storyteller=t) for t in tellers]
                )
            translations = None if data.translations is msgspec.UNSET else canonical["translations"]
            await self._write_children(actor, story_id, translations, codings, theme_ids)
            out = await self.get(actor, story_id)
            if (out.title, out.body, out.translations) != (
                before.title,
                before.body,
                before.translations,
            ):
                await search_index.index([_story_text(out)])
            await audit.record(
                actor,
                "update",
                "story",
                story_id,
                before=before,
                after=out,
                detail={"fields": audit.changed_fields(before, out)},
            )
        return out

    async def _reanchor_codings(
        self,
        actor: Actor,
        story_id: int,
        translation: str,
        old_body: str,
        new_body: str,
        check: Checker,
        only_unseen: bool = False,
    ) -> None:
        """Move coded excerpts of one text (the original, or the translation tagged
        `translation`) to where their words now stand, or refuse the edit naming them.

        An excerpt keeps its meaning only if its exact text is still there; the nearest
        occurrence to the old position wins. Nothing is silently left pointing at other words.
        `only_unseen` limits the move to codings the actor does not see (blind coding).
        """
        rows = await Coding.select(
            Coding.id, Coding.theme.key, Coding.coder_user, Coding.start_offset, Coding.end_offset
        ).where(
            (Coding.story == story_id)
            & (Coding.translation == translation)
            & Coding.start_offset.is_not_null()
        )
        if only_unseen:
            blind = await blind_stories(actor, [story_id])
            rows = [r for r in rows if not visible(actor, blind, story_id, r["coder_user"])]
        field = "translations" if translation else "body"
        for row in rows:
            start, end = row["start_offset"], row["end_offset"]
            excerpt = old_body[start:end]
            positions = _occurrences(new_body, excerpt)
            if not excerpt or not positions:
                check.add(
                    field,
                    _(
                        "The edit removes the excerpt “{excerpt}” coded as {theme}; change the codings too."
                    ).format(excerpt=excerpt[:60], theme=row["theme.key"]),
                )
                continue
            new_start = min(positions, key=lambda p: abs(p - start))
            if new_start != start:
                await Coding.update(
                    {Coding.start_offset: new_start, Coding.end_offset: new_start + len(excerpt)}
                ).where(Coding.id == row["id"])


def _coder_user(actor: Actor, coder: str) -> int | None:
    """The signed-in user behind a coding they sent unnamed or under their own name; codings
    named after someone else (an import of several coders' work) stay with that name only."""
    return actor.user_id if coder in ("", actor.label[:64]) else None


def _story_text(story: s.StoryOut) -> search_index.StoryText:
    return search_index.StoryText(
        story.id, story.title, story.body, [(t.title, t.body) for t in story.translations]
    )


def _occurrences(text: str, needle: str) -> list[int]:
    found, index = [], text.find(needle)
    while needle and index >= 0:
        found.append(index)
        index = text.find(needle, index + 1)
    return found
