"""Reading what the platform holds: the audit log and a storyteller's subject-access export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from msgspec import Struct

from civicfutures import audit
from civicfutures.auth.actor import Actor
from civicfutures.db.tables import AuditEvent, Evidence, StoryStoryteller, Storyteller
from civicfutures.errors import FieldError, Forbidden, InvalidInput, NotFound
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


# The audit page: 50 events a page, at most this many pages deep (50,000 events); older events
# are reached by narrowing the filters (a date range), never by an unbounded offset.
AUDIT_PAGE_SIZE = 50
AUDIT_MAX_PAGE = 1000
# Ids are 32-bit serials; a larger number names nobody (and would overflow PostgreSQL's int).
_MAX_ID = 2**31 - 1
_EARLIEST = dt.date(2000, 1, 1)


class AuditFilters(Struct, kw_only=True):
    """The audit page's query, as typed (every value a string, empty for no filter)."""

    actor: str = ""
    entity: str = ""
    entity_id: str = ""
    action: str = ""
    date_from: str = ""
    date_to: str = ""
    page: str = ""


class AuditLogEntry(Struct, kw_only=True):
    id: int
    at: dt.datetime
    actor: str
    actor_id: int | None
    action: str
    entity: str
    entity_id: str
    before_hash: str
    after_hash: str
    # None for events written before the changed fields were recorded.
    fields: list[str] | None


class AuditLogPage(Struct, kw_only=True):
    items: list[AuditLogEntry]
    page: int
    pages: int
    total: int


def _number(text: str) -> bool:
    """ASCII digits only: `str.isdigit` also accepts `²`, which `int` refuses."""
    return text.isascii() and text.isdigit()


def _date(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        day = None
    today = dt.datetime.now(dt.UTC).date()
    if day is None or not _EARLIEST <= day <= today + dt.timedelta(days=1):
        raise InvalidInput(
            _("The request has invalid fields."),
            [
                FieldError(
                    field,
                    _("Enter a date between {first} and today, as YYYY-MM-DD.").format(
                        first=_EARLIEST.isoformat()
                    ),
                )
            ],
        )
    return day


def _checked(filters: AuditFilters) -> tuple[dict[str, Any], int]:
    """The filters as query values, every problem named at its field at once."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    who = filters.actor.strip()
    if _number(who):
        if len(who) > 10 or int(who) > _MAX_ID:
            errors.append(FieldError("actor", _("No account has this number.")))
        else:
            values["actor_id"] = int(who)
    elif who:
        if len(who) > 254:
            errors.append(FieldError("actor", _("Enter an e-mail address or an account number.")))
        else:
            values["actor_label"] = who.lower()
    if filters.entity and filters.entity not in audit.ENTITIES:
        errors.append(FieldError("entity", _("Choose a kind of record from the list.")))
    elif filters.entity:
        values["entity"] = filters.entity
    if len(filters.entity_id.strip()) > 64:
        errors.append(FieldError("entity_id", _("At most {max} characters.").format(max=64)))
    elif filters.entity_id.strip():
        values["entity_id"] = filters.entity_id.strip()
    if filters.action and filters.action not in audit.ACTIONS:
        errors.append(FieldError("action", _("Choose an action from the list.")))
    elif filters.action:
        values["action"] = filters.action
    first = last = None
    for name, field in (("date_from", "date_from"), ("date_to", "date_to")):
        try:
            day = _date(getattr(filters, name), field)
        except InvalidInput as problem:
            errors += problem.errors
            continue
        if name == "date_from":
            first = day
        else:
            last = day
    if first and last and last < first:
        errors.append(FieldError("date_to", _("The end date comes before the start date.")))
    if first:
        values["from"] = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    if last:
        values["until"] = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    page = 1
    if filters.page.strip():
        text = filters.page.strip()
        if not (_number(text) and len(text) <= 6 and 1 <= int(text) <= AUDIT_MAX_PAGE):
            errors.append(
                FieldError(
                    "page",
                    _(
                        "Choose a page between 1 and {max}; narrow the filters to reach older "
                        "events."
                    ).format(max=AUDIT_MAX_PAGE),
                )
            )
        else:
            page = int(text)
    if errors:
        raise InvalidInput(_("The request has invalid fields."), errors)
    return values, page


async def audit_log(actor: Actor, filters: AuditFilters) -> AuditLogPage:
    """One page of the audit log, newest first, filtered by actor (e-mail or account number),
    record (kind and id), action and dates (UTC days, both inclusive)."""
    _require_admin(actor)
    values, page = _checked(filters)
    where = []
    if "actor_id" in values:
        where.append(AuditEvent.actor == values["actor_id"])
    if "actor_label" in values:
        where.append(AuditEvent.actor_label == values["actor_label"])
    if "entity" in values:
        where.append(AuditEvent.entity == values["entity"])
    if "entity_id" in values:
        where.append(AuditEvent.entity_id == values["entity_id"])
    if "action" in values:
        where.append(AuditEvent.action == values["action"])
    if "from" in values:
        where.append(AuditEvent.at >= values["from"])
    if "until" in values:
        where.append(AuditEvent.at < values["until"])
    count = AuditEvent.count()
    query = (
        AuditEvent.select()
        .output(load_json=True)
        .order_by(AuditEvent.id, ascending=False)
        .limit(AUDIT_PAGE_SIZE)
        .offset((page - 1) * AUDIT_PAGE_SIZE)
    )
    for condition in where:
        count = count.where(condition)
        query = query.where(condition)
    total = await count
    rows = await query
    items = []
    for row in rows:
        fields = (row["detail"] or {}).get("fields")
        items.append(
            AuditLogEntry(
                id=row["id"],
                at=row["at"],
                actor=row["actor_label"],
                actor_id=row["actor"],
                action=row["action"],
                entity=row["entity"],
                entity_id=row["entity_id"],
                before_hash=row["before_hash"],
                after_hash=row["after_hash"],
                fields=[str(f) for f in fields] if isinstance(fields, list) else None,
            )
        )
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    return AuditLogPage(items=items, page=page, pages=min(pages, AUDIT_MAX_PAGE), total=total)


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
