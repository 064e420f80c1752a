"""Admin routes of the API: the audit log and subject access."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from civicfutures.auth import records
from civicfutures.auth.actor import Actor
from civicfutures.intake import schemas as s
from civicfutures.intake.api import ACTOR
from civicfutures.web.auth import admins


class AdminController(Controller):
    path = "/api/v1"
    tags = ["administration"]
    dependencies = {**ACTOR}

    @get(
        "/audit",
        responses=s.ERROR_RESPONSES,
        guards=[admins],
        summary="The audit log, newest first",
    )
    async def audit(
        self,
        actor: NamedDependency[Actor],
        entity: FromQuery[str | None] = None,
        entity_id: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        cursor: FromQuery[str | None] = None,
    ) -> records.AuditPage:
        return await records.audit_events(actor, entity, entity_id, limit, cursor)

    @get(
        "/subject-access",
        responses=s.ERROR_RESPONSES,
        guards=[admins],
        summary="Everything held under a storyteller code",
    )
    async def subject_access(
        self, actor: NamedDependency[Actor], project: FromQuery[str], code: FromQuery[str]
    ) -> records.SubjectAccessExport:
        return await records.subject_access(actor, project, code)
