"""Workshops and storytellers: who told stories, where and when, and with what consent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from civicfutures import audit
from civicfutures.auth.actor import Actor
from civicfutures.consent import readable_storytellers, shows_demographics
from civicfutures.db.tables import (
    Project,
    Story,
    StoryMedia,
    StoryStoryteller,
    Storyteller,
    Workshop,
)
from civicfutures.db.transactions import write_transaction
from civicfutures.derived import withdraw_derived
from civicfutures.errors import Conflict, FieldError, Forbidden, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.intake import schemas as s
from civicfutures.intake.setup_service import find_site
from civicfutures.intake.validation import Checker, check_demographics, nfc
from civicfutures.recordings.files import delete_story_media


def require_site_write(actor: Actor, site_id: int) -> None:
    if not actor.writes_site(site_id):
        raise Forbidden(_("You cannot change data of this site."))


def workshop_out(row: dict[str, Any]) -> s.WorkshopOut:
    return s.WorkshopOut(
        id=row["id"],
        site=row["site.slug"],
        date=row["held_on"],
        kind=row["kind"],
        language=row["language"],
        title=row["title"],
        note=row["note"],
    )


def storyteller_out(row: dict[str, Any]) -> s.StorytellerOut:
    shown = shows_demographics(row["consent_withdrawn_at"])
    return s.StorytellerOut(
        id=row["id"],
        site=row["site.slug"],
        code=row["code"],
        demographics=dict(row["demographics"] or {}) if shown else {},
        consent=s.ConsentOut(
            version=row["consent_version"],
            given_at=row["consent_given_at"],
            scopes=list(row["consent_scopes"] or []),
            withdrawn_at=row["consent_withdrawn_at"],
        ),
    )


_WORKSHOP_COLUMNS = (Workshop.all_columns(), Workshop.site.slug)
_STORYTELLER_COLUMNS = (
    Storyteller.all_columns(),
    Storyteller.site.slug,
    Storyteller.project.slug.as_alias("project_slug"),
)


def _in_research(consent: s.ConsentOut) -> bool:
    """Whether snapshots, briefings and exports may hold this storyteller."""
    return "research" in consent.scopes and consent.withdrawn_at is None


async def find_workshop(actor: Actor, workshop_id: int, field: str = "workshop") -> dict[str, Any]:
    row = await Workshop.select(*_WORKSHOP_COLUMNS).where(Workshop.id == workshop_id).first()
    if row is None or not actor.sees_site(row["site"]):
        raise NotFound(
            _("No such workshop."),
            [FieldError(field, _("No workshop {id}.").format(id=workshop_id))],
        )
    return row


async def find_storyteller(actor: Actor, storyteller_id: int, field: str = "id") -> dict[str, Any]:
    row = (
        await Storyteller.select(*_STORYTELLER_COLUMNS)
        .output(load_json=True)
        .where(Storyteller.id == storyteller_id, readable_storytellers(actor))
        .first()
    )
    if row is None or not actor.sees_site(row["site"]):
        raise NotFound(
            _("No such storyteller."),
            [FieldError(field, _("No storyteller {id}.").format(id=storyteller_id))],
        )
    return row


def _consent_columns(consent: s.ConsentIn) -> dict[Any, Any]:
    scopes = sorted(set(consent.scopes))
    return {
        Storyteller.consent_version: consent.version,
        Storyteller.consent_given_at: consent.given_at,
        Storyteller.consent_scopes: scopes,
        Storyteller.consent_withdrawn_at: consent.withdrawn_at,
    }


class WorkshopService:
    async def create(self, actor: Actor, data: s.WorkshopIn) -> s.WorkshopOut:
        data = nfc(data)
        check = Checker()
        language = check.language("language", data.language)
        check.raise_if_any()
        async with write_transaction():
            site = await find_site(actor, data.site)
            require_site_write(actor, site["id"])
            row = Workshop(
                site=site["id"],
                held_on=data.date,
                kind=data.kind,
                language=language,
                title=data.title,
                note=data.note,
            )
            await row.save()
            out = await self.get(actor, row.id)
            await audit.record(actor, "create", "workshop", out.id, after=out)
        return out

    async def get(self, actor: Actor, workshop_id: int) -> s.WorkshopOut:
        return workshop_out(await find_workshop(actor, workshop_id, field="id"))

    async def list(self, actor: Actor, site: str | None = None) -> list[s.WorkshopOut]:
        query = Workshop.select(*_WORKSHOP_COLUMNS).order_by(Workshop.held_on).order_by(Workshop.id)
        if site:
            query = query.where(Workshop.site == (await find_site(actor, site))["id"])
        if actor.site_ids is not None:
            query = query.where(Workshop.site.is_in(list(actor.site_ids) or [-1]))
        return [workshop_out(row) for row in await query]

    async def update(self, actor: Actor, workshop_id: int, data: s.WorkshopPatch) -> s.WorkshopOut:
        data = nfc(data)
        check = Checker()
        changes: dict[Any, Any] = {}
        if data.language is not msgspec.UNSET:
            changes[Workshop.language] = check.language("language", data.language)
        check.raise_if_any()
        for name, column in (
            ("date", Workshop.held_on),
            ("kind", Workshop.kind),
            ("title", Workshop.title),
            ("note", Workshop.note),
        ):
            if getattr(data, name) is not msgspec.UNSET:
                changes[column] = getattr(data, name)
        async with write_transaction():
            row = await find_workshop(actor, workshop_id, field="id")
            require_site_write(actor, row["site"])
            before = workshop_out(row)
            if changes:
                await Workshop.update(changes).where(Workshop.id == workshop_id)
            out = await self.get(actor, workshop_id)
            await audit.record(actor, "update", "workshop", workshop_id, before=before, after=out)
        return out


class StorytellerService:
    async def create(self, actor: Actor, data: s.StorytellerIn) -> s.StorytellerOut:
        data = nfc(data)
        async with write_transaction():
            site = await find_site(actor, data.site)
            require_site_write(actor, site["id"])
            project = (
                await Project.select(Project.demographics)
                .output(load_json=True)
                .where(Project.id == site["project"])
                .first()
            )
            check = Checker()
            check_demographics(check, "demographics", data.demographics, project["demographics"])
            check.raise_if_any()
            if await Storyteller.exists().where(
                (Storyteller.project == site["project"]) & (Storyteller.code == data.code)
            ):
                raise Conflict(
                    _("The code is taken."),
                    [
                        FieldError(
                            "code",
                            _("This project already has a storyteller “{code}”.").format(
                                code=data.code
                            ),
                        )
                    ],
                )
            row = Storyteller(
                project=site["project"],
                site=site["id"],
                code=data.code,
                demographics=data.demographics,
            )
            await row.save()
            await Storyteller.update(_consent_columns(data.consent)).where(Storyteller.id == row.id)
            out = await self.get(actor, row.id)
            await audit.record(actor, "create", "storyteller", out.id, after=out)
        return out

    async def get(self, actor: Actor, storyteller_id: int) -> s.StorytellerOut:
        return storyteller_out(await find_storyteller(actor, storyteller_id))

    async def list(
        self, actor: Actor, site: str | None = None, project: str | None = None
    ) -> list[s.StorytellerOut]:
        query = (
            Storyteller.select(*_STORYTELLER_COLUMNS)
            .output(load_json=True)
            .where(readable_storytellers(actor))
            .order_by(Storyteller.id)
        )
        if site:
            query = query.where(Storyteller.site == (await find_site(actor, site))["id"])
        if project:
            query = query.where(Storyteller.project.slug == project)
        if actor.site_ids is not None:
            query = query.where(Storyteller.site.is_in(list(actor.site_ids) or [-1]))
        return [storyteller_out(row) for row in await query]

    async def update(
        self, actor: Actor, storyteller_id: int, data: s.StorytellerPatch
    ) -> s.StorytellerOut:
        """Change demographics or consent; a withdrawal stamps `withdrawn_at` if the client did not."""
        data = nfc(data)
        async with write_transaction():
            row = await find_storyteller(actor, storyteller_id)
            require_site_write(actor, row["site"])
            before = storyteller_out(row)
            changes: dict[Any, Any] = {}
            if data.demographics is not msgspec.UNSET:
                project = (
                    await Project.select(Project.demographics)
                    .output(load_json=True)
                    .where(Project.id == row["project"])
                    .first()
                )
                check = Checker()
                check_demographics(
                    check, "demographics", data.demographics, project["demographics"]
                )
                check.raise_if_any()
                changes[Storyteller.demographics] = data.demographics
            if data.consent is not msgspec.UNSET:
                consent = data.consent
                withdrawn = "research" in before.consent.scopes and "research" not in consent.scopes
                if withdrawn and consent.withdrawn_at is None:
                    consent = msgspec.structs.replace(consent, withdrawn_at=dt.datetime.now(dt.UTC))
                changes.update(_consent_columns(consent))
            if changes:
                await Storyteller.update(changes).where(Storyteller.id == storyteller_id)
            out = await self.get(actor, storyteller_id)
            await audit.record(
                actor, "update", "storyteller", storyteller_id, before=before, after=out
            )
        if _in_research(before.consent) and not _in_research(out.consent):
            await withdraw_derived(actor, row["project_slug"], storyteller_id, site_id=row["site"])
        return out

    async def erase(self, actor: Actor, storyteller_id: int) -> None:
        """Remove a storyteller and what they told, in one transaction.

        A story told by this storyteller alone goes with its translations, codings and
        evidence (foreign keys cascade). A group story stays for the other tellers: only this
        storyteller's link to it is removed. Once committed, the briefings, snapshots and
        exports drawing on them are withdrawn and the spreadsheets kept for their site are
        deleted (`civicfutures.derived`).
        """
        async with write_transaction():
            row = await find_storyteller(actor, storyteller_id)
            require_site_write(actor, row["site"])
            before = storyteller_out(row)
            links = await StoryStoryteller.select(StoryStoryteller.story).where(
                StoryStoryteller.storyteller == storyteller_id
            )
            story_ids = [link["story"] for link in links]
            solo: list[int] = []
            if story_ids:
                counts = await StoryStoryteller.select(
                    StoryStoryteller.story, StoryStoryteller.storyteller
                ).where(StoryStoryteller.story.is_in(story_ids))
                tellers: dict[int, int] = {}
                for item in counts:
                    tellers[item["story"]] = tellers.get(item["story"], 0) + 1
                solo = [story for story, n in tellers.items() if n == 1]
            if story_ids:
                # A recording holds every teller's voice: it goes from group stories too.
                await StoryMedia.delete().where(StoryMedia.story.is_in(story_ids))
            await StoryStoryteller.delete().where(StoryStoryteller.storyteller == storyteller_id)
            if solo:
                await Story.delete().where(Story.id.is_in(solo))
            await Storyteller.delete().where(Storyteller.id == storyteller_id)
            await audit.record(
                actor,
                "erase",
                "storyteller",
                storyteller_id,
                before=before,
                detail={
                    "stories_removed": len(solo),
                    "group_stories_kept": len(story_ids) - len(solo),
                },
            )
        await delete_story_media(story_ids)
        await withdraw_derived(actor, row["project_slug"], storyteller_id, site_id=row["site"])
