"""JSON routes of coding (API.md, second wave): HTTP only, the work is in `CodingService`."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from civicfutures.auth.actor import Actor
from civicfutures.coding import schemas as cs
from civicfutures.coding.service import CodingService
from civicfutures.intake import schemas as s
from civicfutures.intake.api import ACTOR, IdPath
from civicfutures.web.auth import readers, requires
from civicfutures.web.idempotent import created

# Coders: researchers, partners (of the story's site, checked by the service), admins.
coders = requires("partner", "researcher")
SERVICE = {**ACTOR, "codings": Provide(CodingService, sync_to_thread=False)}


class StoryCodingController(Controller):
    path = "/api/v1/stories/{story_id:int}"
    tags = ["codings"]
    dependencies = SERVICE

    @post(
        "/codings",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        status_code=201,
        summary="Code a story (or an excerpt of it) as the caller",
        description=(
            "`start` and `end` count Unicode code points of the NFC-normalised original, or of "
            "the translation named by `translation`; both omitted codes the whole story. An "
            "offset may not split a character from its combining marks."
        ),
    )
    async def create(
        self,
        request: Request,
        codings: NamedDependency[CodingService],
        actor: NamedDependency[Actor],
        story_id: IdPath,
        data: JSONBody[cs.CodingCreate],
    ) -> cs.CodingRecord:
        return await created(  # type: ignore[return-value]
            request,
            "coding",
            lambda: codings.create(actor, story_id, data),
            lambda ref: codings.get(actor, int(ref)),
        )

    @get(
        "/codings",
        responses=s.ERROR_RESPONSES,
        guards=[readers],
        summary="A story's codings the caller may see, with their ids and excerpts",
    )
    async def list_codings(
        self,
        codings: NamedDependency[CodingService],
        actor: NamedDependency[Actor],
        story_id: IdPath,
    ) -> list[cs.CodingRecord]:
        return await codings.list(actor, story_id)

    @post(
        "/coding-done",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        status_code=200,
        summary="Mark (or unmark) the caller's coding of the story done",
        description="Under blind coding, a coder sees others' codings of a story once done.",
    )
    async def done(
        self,
        codings: NamedDependency[CodingService],
        actor: NamedDependency[Actor],
        story_id: IdPath,
        data: JSONBody[cs.DoneIn],
    ) -> cs.DoneOut:
        return await codings.mark_done(actor, story_id, data.done)


class CodingController(Controller):
    path = "/api/v1/codings/{coding_id:int}"
    tags = ["codings"]
    dependencies = SERVICE

    @patch(
        "/",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        summary="Change one's coding: another theme or other offsets (admins: any coding)",
    )
    async def change(
        self,
        codings: NamedDependency[CodingService],
        actor: NamedDependency[Actor],
        coding_id: IdPath,
        data: JSONBody[cs.CodingChange],
    ) -> cs.CodingRecord:
        return await codings.change(actor, coding_id, data)

    @delete(
        "/",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        status_code=204,
        summary="Remove one's coding (admins: any coding)",
    )
    async def remove(
        self,
        codings: NamedDependency[CodingService],
        actor: NamedDependency[Actor],
        coding_id: IdPath,
    ) -> None:
        await codings.delete(actor, coding_id)


CONTROLLERS = [StoryCodingController, CodingController]
