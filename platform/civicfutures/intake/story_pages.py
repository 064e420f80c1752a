"""The story page `/{lang}/stories/{id}`: one story as every role that may read it sees it.

HTTP only: the view is assembled by `StoryViewService` under the one consent rule, so a story
the reader may not see is the same 404 page as an unknown id.
"""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from civicfutures.auth.actor import Actor
from civicfutures.errors import NotFound
from civicfutures.forms.definitions import (
    scope_label,
    status_label,
    story_kind_label,
    theme_choices,
    workshop_kind_label,
)
from civicfutures.i18n.labels import LabelContext
from civicfutures.intake import schemas as s
from civicfutures.intake.story_service import StoryService
from civicfutures.intake.story_view import StoryViewService
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import page

READERS = page_requires("partner", "researcher", "author")


async def saved_story(actor: Actor, saved: str | None) -> s.StoryOut | None:
    """The story named by `?saved=ID` after a save, if the reader may still read it."""
    if not saved or not saved.isdigit():
        return None
    try:
        return await StoryService().get(actor, int(saved))
    except NotFound:
        return None


class StoryPages(Controller):
    path = "/stories/{story_id:int}"
    guards = [READERS]
    include_in_schema = False

    @get("/", name="story_page")
    async def story(
        self, request: Request, lang: FromPath[str], story_id: FromPath[int]
    ) -> Template:
        actor = current_actor(request)
        view = await StoryViewService().view(actor, story_id)
        labels = LabelContext(
            tag=lang,
            site_languages=tuple(view.site.languages),
            project_default=view.project["default_language"],
        )
        themes, _groups = await theme_choices(view.project["id"], labels)
        return page(
            "pages/story.html",
            view=view,
            story=view.story,
            themes={c.value: c for c in themes},
            can_write=actor.writes_site(view.site.id),
            story_kind_label=story_kind_label,
            status_label=status_label,
            workshop_kind_label=workshop_kind_label,
            scope_label=scope_label,
        )
