"""JSON routes of the intake API (API.md): HTTP only, the work is in the services."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import (
    FromPath,
    FromQuery,
    HeaderParameter,
    JSONBody,
    PathParameter,
    QueryParameter,
)

from civicfutures.auth.actor import Actor
from civicfutures.intake import schemas as s
from civicfutures.intake.people_service import StorytellerService, WorkshopService
from civicfutures.intake.setup_service import SetupService
from civicfutures.intake.story_service import StoryFilters, StoryService
from civicfutures.search.schemas import SearchPage
from civicfutures.search.service import SearchService
from civicfutures.web.auth import admins, codebook_editors, current_actor, readers, writers
from civicfutures.web.idempotent import created


def provide_actor(request: Request) -> Actor:
    return current_actor(request)


ACTOR = {"actor": Provide(provide_actor, sync_to_thread=False)}
# Ids are 32-bit in the database; larger numbers are a 400, not a database error.
IdPath = Annotated[int, PathParameter(ge=1, le=2_147_483_647)]


class ProjectController(Controller):
    path = "/api/v1/projects"
    tags = ["projects"]
    dependencies = {**ACTOR, "setup": Provide(SetupService, sync_to_thread=False)}

    @post(
        "/",
        responses=s.ERROR_RESPONSES,
        guards=[admins],
        status_code=201,
        summary="Create a project",
    )
    async def create(
        self,
        request: Request,
        setup: NamedDependency[SetupService],
        actor: NamedDependency[Actor],
        data: JSONBody[s.ProjectIn],
    ) -> s.ProjectOut:
        return await created(  # type: ignore[return-value]
            request,
            "project",
            lambda: setup.create_project(actor, data),
            lambda ref: setup.get_project(ref),
        )

    @get("/", responses=s.ERROR_RESPONSES, guards=[readers], summary="List projects")
    async def list_projects(self, setup: NamedDependency[SetupService]) -> list[s.ProjectOut]:
        return await setup.list_projects()

    @get(
        "/{ref:str}",
        responses=s.ERROR_RESPONSES,
        guards=[readers],
        summary="Get a project by id or slug",
    )
    async def get_project(
        self, setup: NamedDependency[SetupService], ref: FromPath[str]
    ) -> s.ProjectOut:
        return await setup.get_project(ref)

    @patch(
        "/{ref:str}",
        responses=s.ERROR_RESPONSES,
        guards=[admins],
        summary="Publish or take down a project's public story archive",
    )
    async def update_project(
        self,
        setup: NamedDependency[SetupService],
        actor: NamedDependency[Actor],
        ref: FromPath[str],
        data: JSONBody[s.ProjectPatch],
    ) -> s.ProjectOut:
        return await setup.update_project(actor, ref, data)


class SiteController(Controller):
    path = "/api/v1/sites"
    tags = ["sites"]
    dependencies = {**ACTOR, "setup": Provide(SetupService, sync_to_thread=False)}

    @post(
        "/", responses=s.ERROR_RESPONSES, guards=[admins], status_code=201, summary="Create a site"
    )
    async def create(
        self,
        request: Request,
        setup: NamedDependency[SetupService],
        actor: NamedDependency[Actor],
        data: JSONBody[s.SiteIn],
    ) -> s.SiteOut:
        return await created(  # type: ignore[return-value]
            request,
            "site",
            lambda: setup.create_site(actor, data),
            lambda ref: setup.get_site(actor, ref),
        )

    @get(
        "/",
        responses=s.ERROR_RESPONSES,
        guards=[readers],
        summary="List the sites the caller may see",
    )
    async def list_sites(
        self,
        setup: NamedDependency[SetupService],
        actor: NamedDependency[Actor],
        project: FromQuery[str | None] = None,
    ) -> list[s.SiteOut]:
        return await setup.list_sites(actor, project)

    @get(
        "/{ref:str}",
        responses=s.ERROR_RESPONSES,
        guards=[readers],
        summary="Get a site by id or slug",
    )
    async def get_site(
        self,
        setup: NamedDependency[SetupService],
        actor: NamedDependency[Actor],
        ref: FromPath[str],
    ) -> s.SiteOut:
        return await setup.get_site(actor, ref)


class ThemeController(Controller):
    path = "/api/v1/themes"
    tags = ["codebook"]
    dependencies = {**ACTOR, "setup": Provide(SetupService, sync_to_thread=False)}

    @post(
        "/",
        responses=s.ERROR_RESPONSES,
        guards=[codebook_editors],
        status_code=201,
        summary="Add a theme to a project's codebook",
    )
    async def create(
        self,
        request: Request,
        setup: NamedDependency[SetupService],
        actor: NamedDependency[Actor],
        data: JSONBody[s.ThemeIn],
    ) -> s.ThemeOut:
        return await created(  # type: ignore[return-value]
            request,
            "theme",
            lambda: setup.create_theme(actor, data),
            lambda ref: setup.get_theme_by_id(int(ref)),
        )

    @get("/", responses=s.ERROR_RESPONSES, guards=[readers], summary="A project's codebook")
    async def list_themes(
        self, setup: NamedDependency[SetupService], project: FromQuery[str]
    ) -> list[s.ThemeOut]:
        return await setup.list_themes(project)

    @get(
        "/{project:str}/{key:str}",
        responses=s.ERROR_RESPONSES,
        guards=[readers],
        summary="One theme",
    )
    async def get_theme(
        self, setup: NamedDependency[SetupService], project: FromPath[str], key: FromPath[str]
    ) -> s.ThemeOut:
        return await setup.get_theme(project, key)

    @patch(
        "/{project:str}/{key:str}",
        guards=[codebook_editors],
        summary="Change a theme's labels, kind or parent",
    )
    async def update_theme(
        self,
        setup: NamedDependency[SetupService],
        actor: NamedDependency[Actor],
        project: FromPath[str],
        key: FromPath[str],
        data: JSONBody[s.ThemePatch],
    ) -> s.ThemeOut:
        return await setup.update_theme(actor, project, key, data)


class WorkshopController(Controller):
    path = "/api/v1/workshops"
    tags = ["workshops"]
    dependencies = {**ACTOR, "workshops": Provide(WorkshopService, sync_to_thread=False)}

    @post(
        "/",
        responses=s.ERROR_RESPONSES,
        guards=[writers],
        status_code=201,
        summary="Record a workshop",
    )
    async def create(
        self,
        request: Request,
        workshops: NamedDependency[WorkshopService],
        actor: NamedDependency[Actor],
        data: JSONBody[s.WorkshopIn],
    ) -> s.WorkshopOut:
        return await created(  # type: ignore[return-value]
            request,
            "workshop",
            lambda: workshops.create(actor, data),
            lambda ref: workshops.get(actor, int(ref)),
        )

    @get("/", responses=s.ERROR_RESPONSES, guards=[readers], summary="List workshops")
    async def list_workshops(
        self,
        workshops: NamedDependency[WorkshopService],
        actor: NamedDependency[Actor],
        site: FromQuery[str | None] = None,
    ) -> list[s.WorkshopOut]:
        return await workshops.list(actor, site)

    @get(
        "/{workshop_id:int}",
        responses=s.ERROR_RESPONSES,
        guards=[readers],
        summary="Get a workshop",
    )
    async def get_workshop(
        self,
        workshops: NamedDependency[WorkshopService],
        actor: NamedDependency[Actor],
        workshop_id: IdPath,
    ) -> s.WorkshopOut:
        return await workshops.get(actor, workshop_id)

    @patch(
        "/{workshop_id:int}",
        responses=s.ERROR_RESPONSES,
        guards=[writers],
        summary="Change a workshop",
    )
    async def update_workshop(
        self,
        workshops: NamedDependency[WorkshopService],
        actor: NamedDependency[Actor],
        workshop_id: IdPath,
        data: JSONBody[s.WorkshopPatch],
    ) -> s.WorkshopOut:
        return await workshops.update(actor, workshop_id, data)


class StorytellerController(Controller):
    path = "/api/v1/storytellers"
    tags = ["storytellers"]
    dependencies = {**ACTOR, "storytellers": Provide(StorytellerService, sync_to_thread=False)}

    @post(
        "/",
        responses=s.ERROR_RESPONSES,
        guards=[writers],
        status_code=201,
        summary="Register a pseudonymous storyteller",
    )
    async def create(
        self,
        request: Request,
        storytellers: NamedDependency[StorytellerService],
        actor: NamedDependency[Actor],
        data: JSONBody[s.StorytellerIn],
    ) -> s.StorytellerOut:
        return await created(  # type: ignore[return-value]
            request,
            "storyteller",
            lambda: storytellers.create(actor, data),
            lambda ref: storytellers.get(actor, int(ref)),
        )

    @get("/", responses=s.ERROR_RESPONSES, guards=[readers], summary="List storytellers")
    async def list_storytellers(
        self,
        storytellers: NamedDependency[StorytellerService],
        actor: NamedDependency[Actor],
        site: FromQuery[str | None] = None,
        project: FromQuery[str | None] = None,
    ) -> list[s.StorytellerOut]:
        return await storytellers.list(actor, site, project)

    @get(
        "/{storyteller_id:int}",
        responses=s.ERROR_RESPONSES,
        guards=[readers],
        summary="Get a storyteller",
    )
    async def get_storyteller(
        self,
        storytellers: NamedDependency[StorytellerService],
        actor: NamedDependency[Actor],
        storyteller_id: IdPath,
    ) -> s.StorytellerOut:
        return await storytellers.get(actor, storyteller_id)

    @patch(
        "/{storyteller_id:int}",
        guards=[writers],
        summary="Change demographics or consent (withdrawal)",
    )
    async def update_storyteller(
        self,
        storytellers: NamedDependency[StorytellerService],
        actor: NamedDependency[Actor],
        storyteller_id: IdPath,
        data: JSONBody[s.StorytellerPatch],
    ) -> s.StorytellerOut:
        return await storytellers.update(actor, storyteller_id, data)

    @delete(
        "/{storyteller_id:int}",
        guards=[writers],
        status_code=204,
        summary="Erase a storyteller and their stories",
    )
    async def erase_storyteller(
        self,
        storytellers: NamedDependency[StorytellerService],
        actor: NamedDependency[Actor],
        storyteller_id: IdPath,
    ) -> None:
        await storytellers.erase(actor, storyteller_id)


class StoryController(Controller):
    path = "/api/v1/stories"
    tags = ["stories"]
    dependencies = {
        **ACTOR,
        "stories": Provide(StoryService, sync_to_thread=False),
        "search": Provide(SearchService, sync_to_thread=False),
    }

    @post(
        "/", responses=s.ERROR_RESPONSES, guards=[writers], status_code=201, summary="Enter a story"
    )
    async def create(
        self,
        request: Request,
        stories: NamedDependency[StoryService],
        actor: NamedDependency[Actor],
        data: JSONBody[s.StoryIn],
    ) -> s.StoryOut:
        return await created(  # type: ignore[return-value]
            request,
            "story",
            lambda: stories.create(actor, data),
            lambda ref: stories.get(actor, int(ref)),
        )

    @get(
        "/",
        responses=s.ERROR_RESPONSES,
        guards=[readers],
        summary="List stories with filters and cursor pagination, or search them with `q`",
        description=(
            "With `q`: full-text search (titles, bodies and translations; case and diacritics "
            "ignored), ranked, paginated by `limit` (at most 100) and `offset`, with facet "
            "counts per filter over the matching stories (a search matching more than 5,000 "
            "stories ranks those whose title holds the words, then the others newest first, "
            "with a score of 0); without it, the list."
        ),
    )
    async def list_stories(
        self,
        stories: NamedDependency[StoryService],
        search: NamedDependency[SearchService],
        actor: NamedDependency[Actor],
        q: FromQuery[str | None] = None,
        project: FromQuery[str | None] = None,
        site: FromQuery[str | None] = None,
        country: FromQuery[str | None] = None,
        kind: FromQuery[s.StoryKind | None] = None,
        language: FromQuery[str | None] = None,
        theme: FromQuery[str | None] = None,
        status: FromQuery[s.StoryStatus | None] = None,
        workshop: Annotated[int | None, QueryParameter(ge=1, le=2_147_483_647)] = None,
        date_from: Annotated[dt.date | None, QueryParameter(name="from")] = None,
        date_to: Annotated[dt.date | None, QueryParameter(name="to")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: FromQuery[str | None] = None,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> s.StoryPage | SearchPage:
        filters = StoryFilters(
            project=project,
            site=site,
            country=country,
            kind=kind,
            language=language,
            theme=theme,
            status=status,
            date_from=date_from,
            workshop=workshop,
            date_to=date_to,
        )
        if q is not None:
            return await search.search(actor, q, filters, limit, offset)
        return await stories.list(actor, filters, limit, cursor)

    @get(
        "/{story_id:int}",
        responses=s.ERROR_RESPONSES,
        guards=[readers],
        summary="Get a story as stored",
    )
    async def get_story(
        self,
        stories: NamedDependency[StoryService],
        actor: NamedDependency[Actor],
        story_id: IdPath,
    ) -> Response[s.StoryOut]:
        story = await stories.get(actor, story_id)
        return Response(story, headers={"ETag": f'"{story.version}"'})

    @patch(
        "/{story_id:int}",
        responses=s.ERROR_RESPONSES,
        guards=[writers],
        summary="Edit a story (If-Match: version)",
    )
    async def update_story(
        self,
        stories: NamedDependency[StoryService],
        actor: NamedDependency[Actor],
        story_id: IdPath,
        data: JSONBody[s.StoryPatch],
        if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
    ) -> Response[s.StoryOut]:
        story = await stories.update(actor, story_id, data, if_match)
        return Response(story, headers={"ETag": f'"{story.version}"'})


CONTROLLERS = [
    ProjectController,
    SiteController,
    ThemeController,
    WorkshopController,
    StorytellerController,
    StoryController,
]
