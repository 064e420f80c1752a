"""JSON routes of coding (API.md, second wave): HTTP only, the work is in `CodingService`."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from civicfutures.auth.actor import Actor
from civicfutures.coding import schemas as cs
from civicfutures.coding.agreed import AgreedCodingService
from civicfutures.coding.agreement import AgreementService
from civicfutures.coding.memos import MemoService
from civicfutures.coding.service import CodingService
from civicfutures.coding.suggestions import SuggestionService
from civicfutures.intake import schemas as s
from civicfutures.intake.api import ACTOR, IdPath
from civicfutures.web.auth import readers, requires
from civicfutures.web.idempotent import created

# Coders: researchers, partners (of the story's site, checked by the service), admins.
coders = requires("partner", "researcher")
SERVICE = {**ACTOR, "codings": Provide(CodingService, sync_to_thread=False)}
AGREED = {**ACTOR, "agreed": Provide(AgreedCodingService, sync_to_thread=False)}
MEMOS = {**ACTOR, "memos": Provide(MemoService, sync_to_thread=False)}
SUGGESTIONS = {**ACTOR, "suggestions": Provide(SuggestionService, sync_to_thread=False)}


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


class AgreedCodingController(Controller):
    path = "/api/v1"
    tags = ["codings"]
    dependencies = AGREED

    @post(
        "/stories/{story_id:int}/agreed-codings",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        status_code=201,
        summary="Record a reconciled (agreed) coding of a story",
        description=(
            "Kept apart from the coders' own codings, which stay for the agreement statistics. "
            "`applies: false` records that the theme does not apply (no offsets). Under blind "
            "coding the caller must have marked their own coding of the story done."
        ),
    )
    async def create(
        self,
        request: Request,
        agreed: NamedDependency[AgreedCodingService],
        actor: NamedDependency[Actor],
        story_id: IdPath,
        data: JSONBody[cs.AgreedCreate],
    ) -> cs.AgreedRecord:
        return await created(  # type: ignore[return-value]
            request,
            "agreed_coding",
            lambda: agreed.create(actor, story_id, data),
            lambda ref: agreed.get(actor, int(ref)),
        )

    @get(
        "/stories/{story_id:int}/agreed-codings",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        summary="A story's agreed codings",
    )
    async def list_agreed(
        self,
        agreed: NamedDependency[AgreedCodingService],
        actor: NamedDependency[Actor],
        story_id: IdPath,
    ) -> list[cs.AgreedRecord]:
        return await agreed.list(actor, story_id)

    @delete(
        "/agreed-codings/{agreed_id:int}",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        status_code=204,
        summary="Remove an agreed coding",
    )
    async def remove(
        self,
        agreed: NamedDependency[AgreedCodingService],
        actor: NamedDependency[Actor],
        agreed_id: IdPath,
    ) -> None:
        await agreed.delete(actor, agreed_id)


class AgreementController(Controller):
    path = "/api/v1/projects/{project:str}/agreement"
    tags = ["codings"]
    dependencies = ACTOR

    @get(
        "/",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        summary="Coder agreement per theme and site, with intervals, and the disagreements",
        description=(
            "Kappa (exactly two coders) and Krippendorff's alpha per theme, for the project "
            "(`site` empty) and per site, with 95 % percentile bootstrap intervals and the "
            "number of doubly-coded stories each rests on; the stories where coders differ "
            "on a theme, with any reconciled decision."
        ),
    )
    async def report(
        self,
        actor: NamedDependency[Actor],
        project: FromPath[str],
        site: FromQuery[str | None] = None,
    ) -> cs.AgreementReport:
        return await AgreementService().report(actor, project, site or None)


class MemoController(Controller):
    path = "/api/v1"
    tags = ["memos"]
    dependencies = MEMOS

    @post(
        "/memos",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        status_code=201,
        summary="Attach a memo to a story, a coding (its excerpt) or a theme",
    )
    async def create(
        self,
        request: Request,
        memos: NamedDependency[MemoService],
        actor: NamedDependency[Actor],
        data: JSONBody[cs.MemoCreate],
    ) -> cs.MemoRecord:
        return await created(  # type: ignore[return-value]
            request,
            "memo",
            lambda: memos.create(actor, data),
            lambda ref: memos.get(actor, int(ref)),
        )

    @get(
        "/stories/{story_id:int}/memos",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        summary="Memos on a story and on its codings",
    )
    async def for_story(
        self, memos: NamedDependency[MemoService], actor: NamedDependency[Actor], story_id: IdPath
    ) -> list[cs.MemoRecord]:
        return await memos.for_story(actor, story_id)

    @get(
        "/projects/{project:str}/memos",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        summary="Memos on the project's themes (researchers and admins)",
    )
    async def for_themes(
        self,
        memos: NamedDependency[MemoService],
        actor: NamedDependency[Actor],
        project: FromPath[str],
    ) -> list[cs.MemoRecord]:
        return await memos.for_themes(actor, project)

    @patch(
        "/memos/{memo_id:int}",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        summary="Change one's memo (admins: any)",
    )
    async def change(
        self,
        memos: NamedDependency[MemoService],
        actor: NamedDependency[Actor],
        memo_id: IdPath,
        data: JSONBody[cs.MemoChange],
    ) -> cs.MemoRecord:
        return await memos.change(actor, memo_id, data)

    @delete(
        "/memos/{memo_id:int}",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        status_code=204,
        summary="Remove one's memo (admins: any)",
    )
    async def remove(
        self, memos: NamedDependency[MemoService], actor: NamedDependency[Actor], memo_id: IdPath
    ) -> None:
        await memos.delete(actor, memo_id)


class SuggestionController(Controller):
    path = "/api/v1"
    tags = ["codings"]
    dependencies = SUGGESTIONS

    @get(
        "/stories/{story_id:int}/suggestions",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        summary="Suggested themes for a story, with a score; never stored as codings",
        description=(
            "A classifier of character n-grams per project, trained on the agreed decisions "
            "(reconciled or unanimous) of the stories the caller may read, suggests themes "
            "with at least `minimum_examples` agreed examples. Themes the caller coded or "
            "rejected on the story, or agreed on it, are left out."
        ),
    )
    async def suggest(
        self,
        suggestions: NamedDependency[SuggestionService],
        actor: NamedDependency[Actor],
        story_id: IdPath,
    ) -> cs.Suggestions:
        return await suggestions.suggest(actor, story_id)

    @post(
        "/stories/{story_id:int}/suggestions/rejections",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        status_code=204,
        summary="Reject a suggested theme: not suggested to the caller for this story again",
    )
    async def reject(
        self,
        suggestions: NamedDependency[SuggestionService],
        actor: NamedDependency[Actor],
        story_id: IdPath,
        data: JSONBody[cs.RejectionIn],
    ) -> None:
        await suggestions.reject(actor, story_id, data.theme)

    @get(
        "/projects/{project:str}/suggestions/quality",
        responses=s.ERROR_RESPONSES,
        guards=[coders],
        summary="The suggestions' Cohen's kappa against agreed decisions on held-out stories",
        description=(
            "5-fold cross-validation with a fixed seed over the stories the caller may read: "
            "per theme and pooled, with the number of stories each figure rests on."
        ),
    )
    async def quality(
        self,
        suggestions: NamedDependency[SuggestionService],
        actor: NamedDependency[Actor],
        project: FromPath[str],
    ) -> cs.SuggestionQuality:
        return await suggestions.quality(actor, project)


CONTROLLERS = [
    StoryCodingController,
    CodingController,
    AgreedCodingController,
    AgreementController,
    MemoController,
    SuggestionController,
]
