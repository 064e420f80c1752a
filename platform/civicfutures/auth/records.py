"""Reading what the platform holds: the audit log and a storyteller's subject-access export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from msgspec import Struct

from civicfutures.auth.actor import Actor
from civicfutures.db.tables import AuditEvent, Evidence, StoryStoryteller, Storyteller
from civicfutures.errors import FieldError, Forbidden, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.intake import schemas as s
from civicfutures.intake.people_service import storyteller_out
from civicfutures.intake.story_service import StoryService, decode_cursor, encode_cursor


class AuditEventOut(Struct, kw_only=True):
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before_hash: str
    after_hash: str
    detail: dict[str, Any]


class AuditPage(Struct, kw_only=True):
    items: list[AuditEventOut]
    next_cursor: str | None


class SubjectAccessExport(Struct, kw_only=True):
    """Everything held under one storyteller code (GDPR art. 15)."""

    exported_at: dt.datetime
    storyteller: s.StorytellerOut
    stories: list[s.StoryOut]
    cited_in_insights: list[dict[str, Any]]
    audit_events: list[AuditEventOut]


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Only administrators can read this."))


def _event_out(row: dict[str, Any]) -> AuditEventOut:
    return AuditEventOut(
        id=row["id"],
        at=row["at"],
        actor=row["actor_label"],
        action=row["action"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        before_hash=row["before_hash"],
        after_hash=row["after_hash"],
        detail=row["detail"] or {},
    )


async def audit_events(
    actor: Actor,
    entity: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> AuditPage:
    """Newest first, filtered by entity and id."""
    _require_admin(actor)
    limit = max(1, min(limit, 500))
    query = (
        AuditEvent.select()
        .output(load_json=True)
        .order_by(AuditEvent.id, ascending=False)
        .limit(limit + 1)
    )
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id)
    if cursor:
        query = query.where(AuditEvent.id < decode_cursor(cursor))
    rows = await query
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        items=[_event_out(r) for r in rows],
        next_cursor=encode_cursor(rows[-1]["id"]) if more and rows else None,
    )


async def subject_access(actor: Actor, project: str, code: str) -> SubjectAccessExport:
    """The storyteller, their stories with translations and codings, citations and audit trail."""
    _require_admin(actor)
    row = (
        await Storyteller.select(Storyteller.all_columns(), Storyteller.site.slug)
        .output(load_json=True)
        .where((Storyteller.project.slug == project) & (Storyteller.code == code))
        .first()
    )
    if row is None:
        raise NotFound(
            _("No such storyteller."),
            [FieldError("code", _("No storyteller “{code}” in this project.").format(code=code))],
        )
    links = await StoryStoryteller.select(StoryStoryteller.story).where(
        StoryStoryteller.storyteller == row["id"]
    )
    story_ids = sorted(link["story"] for link in links)
    stories = StoryService()
    story_list = [await stories.get(actor, story_id) for story_id in story_ids]
    citations = await Evidence.select(
        Evidence.insight,
        Evidence.story,
        Evidence.start_offset,
        Evidence.end_offset,
        Evidence.excerpt,
    ).where(Evidence.story.is_in(story_ids or [-1]))
    events = (
        await AuditEvent.select()
        .output(load_json=True)
        .where((AuditEvent.entity == "storyteller") & (AuditEvent.entity_id == str(row["id"])))
        .order_by(AuditEvent.id)
    )
    return SubjectAccessExport(
        exported_at=dt.datetime.now(dt.UTC),
        storyteller=storyteller_out(row),
        stories=story_list,
        cited_in_insights=[dict(c) for c in citations],
        audit_events=[_event_out(e) for e in events],
    )
