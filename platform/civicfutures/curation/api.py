"""JSON routes for outcomes, insights, quotes and the Theory of Change: HTTP only."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody

from civicfutures.auth.actor import Actor
from civicfutures.curation import schemas as c
from civicfutures.curation.insight_service import InsightFilters, InsightService
from civicfutures.curation.outcome_service import OutcomeService
from civicfutures.curation.quote_translations import set_quote_translation
from civicfutures.curation.quotes import QuoteBank
from civicfutures.curation.theory import theory_diagram, theory_of_change
from civicfutures.i18n import current_locale
from civicfutures.intake.api import ACTOR, IdPath
from civicfutures.intake.schemas import ERROR_RESPONSES
from civicfutures.web.auth import readers, requires
from civicfutures.web.idempotent import created

curators = requires("author")
insight_writers = requires("author", "partner")
TheoryFormat = Literal["json", "svg", "dot", "mermaid"]


def _with_etag(insight: c.InsightOut) -> Response[c.InsightOut]:
    """The insight with its version as the ETag, for the next edit's If-Match."""
    return Response(insight, headers={"ETag": f'"{insight.version}"'})


class OutcomeController(Controller):
    path = "/api/v1/outcomes"
    tags = ["curation"]
    dependencies = {**ACTOR, "outcomes": Provide(OutcomeService, sync_to_thread=False)}

    @post(
        "/",
        responses=ERROR_RESPONSES,
        guards=[curators],
        status_code=201,
        summary="Add a Theory-of-Change outcome",
    )
    async def create(
        self,
        request: Request,
        outcomes: NamedDependency[OutcomeService],
        actor: NamedDependency[Actor],
        data: JSONBody[c.OutcomeIn],
    ) -> c.OutcomeOut:
        return await created(  # type: ignore[return-value]
            request,
            "outcome",
            lambda: outcomes.create(actor, data),
            lambda ref: outcomes.get_by_id(int(ref)),
        )

    @get("/", responses=ERROR_RESPONSES, guards=[readers], summary="A project's outcomes")
    async def list_outcomes(
        self, outcomes: NamedDependency[OutcomeService], project: FromQuery[str]
    ) -> list[c.OutcomeOut]:
        return await outcomes.list(project)

    @get(
        "/{project:str}/{key:str}",
        responses=ERROR_RESPONSES,
        guards=[readers],
        summary="One outcome",
    )
    async def get_outcome(
        self, outcomes: NamedDependency[OutcomeService], project: FromPath[str], key: FromPath[str]
    ) -> c.OutcomeOut:
        return await outcomes.get(project, key)

    @patch(
        "/{project:str}/{key:str}",
        responses=ERROR_RESPONSES,
        guards=[curators],
        summary="Change an outcome",
    )
    async def update_outcome(
        self,
        outcomes: NamedDependency[OutcomeService],
        actor: NamedDependency[Actor],
        project: FromPath[str],
        key: FromPath[str],
        data: JSONBody[c.OutcomePatch],
    ) -> c.OutcomeOut:
        return await outcomes.update(actor, project, key, data)


class InsightController(Controller):
    path = "/api/v1/insights"
    tags = ["curation"]
    dependencies = {**ACTOR, "insights": Provide(InsightService, sync_to_thread=False)}

    @post(
        "/",
        responses=ERROR_RESPONSES,
        guards=[insight_writers],
        status_code=201,
        summary="Write an insight with evidence",
    )
    async def create(
        self,
        request: Request,
        insights: NamedDependency[InsightService],
        actor: NamedDependency[Actor],
        data: JSONBody[c.InsightIn],
    ) -> c.InsightOut:
        return await created(  # type: ignore[return-value]
            request,
            "insight",
            lambda: insights.create(actor, data),
            lambda ref: insights.get(actor, int(ref)),
        )

    @get(
        "/",
        responses=ERROR_RESPONSES,
        guards=[readers],
        summary="A project's insights the caller may read",
    )
    async def list_insights(
        self,
        insights: NamedDependency[InsightService],
        actor: NamedDependency[Actor],
        project: FromQuery[str],
        site: FromQuery[str | None] = None,
        status: FromQuery[c.InsightStatus | None] = None,
        theme: FromQuery[str | None] = None,
        outcome: FromQuery[str | None] = None,
    ) -> list[c.InsightOut]:
        filters = InsightFilters(project, site, status, theme, outcome)
        return await insights.list(actor, filters)

    @get("/{insight_id:int}", responses=ERROR_RESPONSES, guards=[readers], summary="Get an insight")
    async def get_insight(
        self,
        insights: NamedDependency[InsightService],
        actor: NamedDependency[Actor],
        insight_id: IdPath,
    ) -> Response[c.InsightOut]:
        return _with_etag(await insights.get(actor, insight_id))

    @patch(
        "/{insight_id:int}",
        responses=ERROR_RESPONSES,
        guards=[insight_writers],
        summary="Edit an insight (If-Match: version)",
    )
    async def update_insight(
        self,
        insights: NamedDependency[InsightService],
        actor: NamedDependency[Actor],
        insight_id: IdPath,
        data: JSONBody[c.InsightPatch],
        if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
    ) -> Response[c.InsightOut]:
        return _with_etag(await insights.update(actor, insight_id, data, if_match))

    @delete(
        "/{insight_id:int}",
        responses=ERROR_RESPONSES,
        guards=[insight_writers],
        status_code=204,
        summary="Delete an insight",
    )
    async def delete_insight(
        self,
        insights: NamedDependency[InsightService],
        actor: NamedDependency[Actor],
        insight_id: IdPath,
    ) -> None:
        await insights.delete(actor, insight_id)


class QuoteController(Controller):
    path = "/api/v1/quotes"
    tags = ["curation"]
    dependencies = {**ACTOR, "quotes": Provide(QuoteBank, sync_to_thread=False)}

    @get(
        "/",
        responses=ERROR_RESPONSES,
        guards=[readers],
        summary="Quotable excerpts with consent to quote, and translations",
    )
    async def list_quotes(
        self,
        quotes: NamedDependency[QuoteBank],
        actor: NamedDependency[Actor],
        project: FromQuery[str],
        site: FromQuery[str | None] = None,
        theme: FromQuery[str | None] = None,
        lang: FromQuery[str | None] = None,
    ) -> list[c.QuoteOut]:
        return await quotes.list(actor, project, site, theme, lang)

    @put(
        "/translation",
        responses=ERROR_RESPONSES,
        guards=[curators],
        summary="Set or remove the curator's translation of a quote",
    )
    async def translate_quote(
        self, actor: NamedDependency[Actor], data: JSONBody[c.QuoteTranslationIn]
    ) -> c.QuoteOut:
        return await set_quote_translation(actor, data)


class TheoryController(Controller):
    path = "/api/v1/theory-of-change"
    tags = ["curation"]
    dependencies = ACTOR

    @get(
        "/",
        responses=ERROR_RESPONSES,
        guards=[readers],
        summary="Outcomes with their insights and evidence per site",
    )
    async def theory(
        self,
        actor: NamedDependency[Actor],
        project: FromQuery[str],
        lang: FromQuery[str | None] = None,
        format: FromQuery[TheoryFormat] = "json",  # noqa: A002
        drafts: FromQuery[bool] = False,
    ) -> Response:
        language = lang or current_locale()
        if format == "json":
            return Response(await theory_of_change(actor, project, language, drafts))
        drawn = await theory_diagram(actor, project, language, format, drafts)
        return Response(
            drawn.content,
            media_type=drawn.media_type,
            headers={"Content-Disposition": f'inline; filename="{drawn.filename}"'},
        )


CONTROLLERS = [OutcomeController, InsightController, QuoteController, TheoryController]
