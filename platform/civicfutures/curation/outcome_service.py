"""Theory-of-Change outcomes of a project: keys, labels per language, an optional parent."""

from __future__ import annotations

from typing import Any

import msgspec

from civicfutures import audit
from civicfutures.auth.actor import Actor
from civicfutures.curation import schemas as c
from civicfutures.db.tables import Outcome
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import Conflict, FieldError, Forbidden, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.intake.setup_service import find_project
from civicfutures.intake.validation import Checker, nfc


def require_curator(actor: Actor) -> None:
    """Outcomes and agreed insights are the work of authors (and admins)."""
    if not actor.has_any("author"):
        raise Forbidden(_("Only authors can change the Theory of Change."))


async def outcome_rows(project_id: int) -> list[dict[str, Any]]:
    """A project's outcomes in their set order."""
    return (
        await Outcome.select()
        .output(load_json=True)
        .where(Outcome.project == project_id)
        .order_by(Outcome.position)
        .order_by(Outcome.id)
    )


def _out(row: dict[str, Any], project_slug: str, keys: dict[int, str]) -> c.OutcomeOut:
    return c.OutcomeOut(
        id=row["id"],
        project=project_slug,
        key=row["key"],
        parent=keys.get(row["parent"]) if row["parent"] else None,
        labels=dict(row["labels"] or {}),
        descriptions=dict(row["descriptions"] or {}),
    )


class OutcomeService:
    """Create, read and change a project's outcomes."""

    async def list(self, project: str) -> list[c.OutcomeOut]:
        project_row = await find_project(project)
        rows = await outcome_rows(project_row["id"])
        keys = {row["id"]: row["key"] for row in rows}
        return [_out(row, project_row["slug"], keys) for row in rows]

    async def get(self, project: str, key: str) -> c.OutcomeOut:
        for outcome in await self.list(project):
            if outcome.key == key:
                return outcome
        raise NotFound(
            _("No such outcome."), [FieldError("key", _("No outcome “{key}”.").format(key=key))]
        )

    async def get_by_id(self, outcome_id: int) -> c.OutcomeOut:
        row = (
            await Outcome.select(Outcome.key, Outcome.project)
            .where(Outcome.id == outcome_id)
            .first()
        )
        if row is None:
            raise NotFound(_("No such outcome."))
        return await self.get(str(row["project"]), row["key"])

    async def create(self, actor: Actor, data: c.OutcomeIn) -> c.OutcomeOut:
        require_curator(actor)
        data = nfc(data)
        check = Checker()
        labels = check.label_map("labels", data.labels)
        descriptions = check.label_map("descriptions", data.descriptions)
        async with write_transaction():
            project = await find_project(data.project)
            rows = await outcome_rows(project["id"])
            by_key = {row["key"]: row for row in rows}
            if data.key in by_key:
                raise Conflict(
                    _("This outcome exists already."),
                    [
                        FieldError(
                            "key", _("The project has an outcome “{key}”.").format(key=data.key)
                        )
                    ],
                )
            parent_id = None
            if data.parent is not None:
                if data.parent not in by_key:
                    check.add("parent", _("No outcome “{key}”.").format(key=data.parent))
                else:
                    parent_id = by_key[data.parent]["id"]
            check.raise_if_any()
            row = Outcome(
                project=project["id"],
                key=data.key,
                parent=parent_id,
                labels=labels,
                descriptions=descriptions,
                position=max((r["position"] for r in rows), default=-1) + 1,
            )
            await row.save()
            out = await self.get(project["slug"], data.key)
            await audit.record(actor, "create", "outcome", out.id, after=out)
        return out

    async def update(
        self, actor: Actor, project: str, key: str, data: c.OutcomePatch
    ) -> c.OutcomeOut:
        """Change labels, descriptions or the parent; a parent may not be a descendant."""
        require_curator(actor)
        data = nfc(data)
        check = Checker()
        async with write_transaction():
            before = await self.get(project, key)
            project_row = await find_project(project)
            rows = await outcome_rows(project_row["id"])
            by_key = {row["key"]: row for row in rows}
            changes: dict[Any, Any] = {}
            if data.labels is not msgspec.UNSET:
                changes[Outcome.labels] = check.label_map("labels", data.labels)
            if data.descriptions is not msgspec.UNSET:
                changes[Outcome.descriptions] = check.label_map("descriptions", data.descriptions)
            if data.parent is not msgspec.UNSET:
                if data.parent is None:
                    changes[Outcome.parent] = None
                elif data.parent not in by_key:
                    check.add("parent", _("No outcome “{key}”.").format(key=data.parent))
                elif _is_descendant(by_key, data.parent, key):
                    check.add(
                        "parent",
                        _("An outcome cannot sit under itself or under its own sub-outcome."),
                    )
                else:
                    changes[Outcome.parent] = by_key[data.parent]["id"]
            check.raise_if_any()
            if changes:
                await Outcome.update(changes).where(Outcome.id == before.id)
            out = await self.get(project, key)
            await audit.record(actor, "update", "outcome", out.id, before=before, after=out)
        return out


def _is_descendant(by_key: dict[str, dict[str, Any]], candidate: str, ancestor: str) -> bool:
    """True when `candidate` is `ancestor` or lies below it."""
    keys = {row["id"]: key for key, row in by_key.items()}
    seen: set[str] = set()
    current: str | None = candidate
    while current is not None and current not in seen:
        if current == ancestor:
            return True
        seen.add(current)
        parent = by_key[current]["parent"]
        current = keys.get(parent) if parent else None
    return False
