"""Intake pages under `/{lang}/`: the sites overview, the codebook, workshop, storyteller and
story forms, a site's stories, story edit (the story page and the cross-site story list are in
`story_pages.py` and `story_list.py`).

Handlers are HTTP only: they build the form definition, call the same services as the JSON
API, and re-render or redirect.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, Router, get, post
from litestar.params import FromPath
from litestar.response import Template

from civicfutures.archive.pages import visitor_home
from civicfutures.errors import FieldError, InvalidInput
from civicfutures.forms.binding import Submission
from civicfutures.forms.definitions import (
    FormService,
    language_choices,
    status_label,
    story_kind_label,
    theme_choices,
)
from civicfutures.i18n import gettext as _
from civicfutures.i18n.labels import LabelContext
from civicfutures.intake import schemas as s
from civicfutures.intake.people_service import StorytellerService, WorkshopService
from civicfutures.intake.setup_service import SetupService, find_project
from civicfutures.intake.story_list import StoryListPages
from civicfutures.intake.story_pages import StoryPages, saved_story
from civicfutures.intake.story_service import StoryFilters, StoryService
from civicfutures.web.auth import current_actor, page_requires, public
from civicfutures.web.pages import (
    coder_name,
    form_page,
    known_language,
    page,
    submit_form,
)

PAGE_SIZE = 50
# Reading a site's stories: partners (their sites), researchers and authors; writing: partners.
READERS = page_requires("partner", "researcher", "author")
WRITERS = page_requires("partner")


def _story_values(story: s.StoryOut) -> dict[str, Any]:
    values: dict[str, Any] = {
        "workshop": str(story.workshop),
        "storytellers": [str(t) for t in story.storytellers],
        "kind": story.kind,
        "horizon_year": "" if story.horizon_year is None else str(story.horizon_year),
        "language": story.language,
        "title": story.title,
        "body": story.body,
        "status": story.status,
        "codings": list(dict.fromkeys(c.theme for c in story.codings)),
    }
    for index, item in enumerate(story.translations):
        values[f"translations.{index}.language"] = item.language
        values[f"translations.{index}.title"] = item.title
        values[f"translations.{index}.body"] = item.body
    return values


def _defaults(form: Any) -> dict[str, Any]:
    return {
        f.name: f.default if f.default is not None else ([] if f.type == "checkboxes" else "")
        for f in form.fields()
    }


def _add_links(lang: str, site: str) -> dict[str, str]:
    return {
        "workshop": f"/{lang}/sites/{site}/workshops/new",
        "storytellers": f"/{lang}/sites/{site}/storytellers/new",
    }


def _codings_from_keys(submission: Submission, coder: str) -> None:
    keys = submission.payload.get("codings") or []
    submission.payload["codings"] = [{"theme": key, "coder": coder} for key in keys]


class IntakePages(Controller):
    """Forms and lists of one site, under `/{lang}/sites/{site}/...`."""

    path = "/sites/{site:str}"
    include_in_schema = False

    # ------------------------------------------------------------------ stories of a site

    @get("/", guards=[READERS], name="site_stories")
    async def stories(self, request: Request, lang: FromPath[str], site: FromPath[str]) -> Template:
        actor = current_actor(request)
        site_out = await SetupService().get_site(actor, site)
        project = await find_project(site_out.project)
        query = request.query_params
        filters = {
            name: (query.get(name) or "").strip()
            for name in ("kind", "language", "theme", "status", "from", "to")
        }
        problems: list[FieldError] = []
        dates: dict[str, dt.date | None] = {}
        for name in ("from", "to"):
            try:
                dates[name] = dt.date.fromisoformat(filters[name]) if filters[name] else None
            except ValueError:
                dates[name] = None
                problems.append(
                    FieldError(name, _("Enter a date as year-month-day, e.g. 2025-03-15."))
                )
        story_filters = StoryFilters(
            site=site,
            kind=filters["kind"] or None,
            language=filters["language"] or None,
            theme=filters["theme"] or None,
            status=filters["status"] or None,
            date_from=dates["from"],
            date_to=dates["to"],
        )
        try:
            result = await StoryService().list(
                actor, story_filters, PAGE_SIZE, query.get("cursor") or None, newest_first=True
            )
        except InvalidInput as problem:
            problems += problem.errors
            result = await StoryService().list(
                actor, story_filters, PAGE_SIZE, None, newest_first=True
            )
        labels = LabelContext(
            tag=lang,
            site_languages=tuple(site_out.languages),
            project_default=project["default_language"],
        )
        themes, groups = await theme_choices(project["id"], labels)
        workshops = {w.id: w for w in await WorkshopService().list(actor, site)}
        next_link = None
        if result.next_cursor:
            next_link = "?" + urlencode(
                {**{k: v for k, v in filters.items() if v}, "cursor": result.next_cursor}
            )
        languages = sorted({story.language for story in result.items} | set(site_out.languages))
        saved = await saved_story(actor, query.get("saved"))
        return page(
            "pages/stories.html",
            site=site_out,
            project=project,
            stories=result.items,
            total=result.total,
            next_link=next_link,
            first_link="?" + urlencode({k: v for k, v in filters.items() if v})
            if query.get("cursor")
            else None,
            filters=filters,
            problems={e.field: e.message for e in problems},
            themes={c.value: c for c in themes},
            theme_choices=themes,
            theme_groups=groups,
            workshops=workshops,
            language_choices=language_choices(languages),
            kind_choices=[(k, story_kind_label(k)) for k in ("present", "future")],
            status_choices=[(k, status_label(k)) for k in ("draft", "submitted", "reviewed")],
            story_kind_label=story_kind_label,
            status_label=status_label,
            saved=saved,
            can_write=actor.writes_site(site_out.id),
        )

    # ------------------------------------------------------------------ workshop

    @get("/workshops/new", guards=[WRITERS], name="workshop_form")
    async def workshop_form(
        self, request: Request, lang: FromPath[str], site: FromPath[str]
    ) -> Template:
        form = await FormService().definition(
            current_actor(request), "workshop", site=site, language=lang
        )
        return form_page(form, _defaults(form), cancel=f"/{lang}/sites/{site}")

    @post("/workshops/new", guards=[WRITERS], name="workshop_submit", status_code=200)
    async def workshop_submit(
        self, request: Request, lang: FromPath[str], site: FromPath[str]
    ) -> Response | Template:
        actor = current_actor(request)
        form = await FormService().definition(actor, "workshop", site=site, language=lang)

        async def save(data: s.WorkshopIn) -> str:
            workshop = await WorkshopService().create(actor, data)
            return f"/{lang}/sites/{site}/stories/new?" + urlencode(
                {"workshop": workshop.id, "saved": "workshop"}
            )

        return await submit_form(request, form, s.WorkshopIn, save, cancel=f"/{lang}/sites/{site}")

    # ------------------------------------------------------------------ storyteller

    @get("/storytellers/new", guards=[WRITERS], name="storyteller_form")
    async def storyteller_form(
        self, request: Request, lang: FromPath[str], site: FromPath[str]
    ) -> Template:
        form = await FormService().definition(
            current_actor(request), "storyteller", site=site, language=lang
        )
        return form_page(form, _defaults(form), cancel=f"/{lang}/sites/{site}")

    @post("/storytellers/new", guards=[WRITERS], name="storyteller_submit", status_code=200)
    async def storyteller_submit(
        self, request: Request, lang: FromPath[str], site: FromPath[str]
    ) -> Response | Template:
        actor = current_actor(request)
        form = await FormService().definition(actor, "storyteller", site=site, language=lang)

        async def save(data: s.StorytellerIn) -> str:
            teller = await StorytellerService().create(actor, data)
            return f"/{lang}/sites/{site}/stories/new?" + urlencode(
                {"storyteller": teller.id, "saved": "storyteller"}
            )

        return await submit_form(
            request, form, s.StorytellerIn, save, cancel=f"/{lang}/sites/{site}"
        )

    # ------------------------------------------------------------------ story

    @get("/stories/new", guards=[WRITERS], name="story_form")
    async def story_form(
        self, request: Request, lang: FromPath[str], site: FromPath[str]
    ) -> Template:
        form = await FormService().definition(
            current_actor(request), "story", site=site, language=lang
        )
        values = _defaults(form)
        workshop = form.field("workshop")
        if workshop and workshop.choices:
            wanted = request.query_params.get("workshop")
            values["workshop"] = (
                wanted
                if wanted in {c.value for c in workshop.choices}
                else workshop.choices[0].value
            )
        teller = request.query_params.get("storyteller")
        if teller:
            values["storytellers"] = [teller]
        notices = {
            "workshop": _("The workshop was saved."),
            "storyteller": _("The storyteller was saved."),
        }
        return form_page(
            form,
            values,
            cancel=f"/{lang}/sites/{site}",
            notice=notices.get(request.query_params.get("saved", "")),
            add_links=_add_links(lang, site),
        )

    @post("/stories/new", guards=[WRITERS], name="story_submit", status_code=200)
    async def story_submit(
        self, request: Request, lang: FromPath[str], site: FromPath[str]
    ) -> Response | Template:
        actor = current_actor(request)
        form = await FormService().definition(actor, "story", site=site, language=lang)

        async def save(data: s.StoryIn) -> str:
            story = await StoryService().create(actor, data)
            return f"/{lang}/sites/{site}?" + urlencode({"saved": story.id})

        return await submit_form(
            request,
            form,
            s.StoryIn,
            save,
            prepare=lambda submission: _codings_from_keys(submission, coder_name(actor)),
            cancel=f"/{lang}/sites/{site}",
            add_links=_add_links(lang, site),
        )


class StoryEditPages(Controller):
    """Editing one story: `/{lang}/stories/{id}/edit`, with the version it was read at."""

    path = "/stories/{story_id:int}"
    guards = [WRITERS]
    include_in_schema = False

    @get("/edit", name="story_edit")
    async def edit(
        self, request: Request, lang: FromPath[str], story_id: FromPath[int]
    ) -> Template:
        actor = current_actor(request)
        story = await StoryService().get(actor, story_id)
        form = await FormService().definition(
            actor,
            "story",
            site=story.site,
            language=lang,
            translation_slots=len(story.translations) + 1,
        )
        values = {**_defaults(form), **_story_values(story)}
        return form_page(
            form,
            values,
            heading=_("Edit the story"),
            hidden={"version": str(story.version)},
            cancel=f"/{lang}/sites/{story.site}",
        )

    @post("/edit", name="story_update", status_code=200)
    async def update(
        self, request: Request, lang: FromPath[str], story_id: FromPath[int]
    ) -> Response | Template:
        actor = current_actor(request)
        stories = StoryService()
        current = await stories.get(actor, story_id)
        submitted = await request.form()
        slots = sum(
            1 for key in submitted if key.startswith("translations.") and key.endswith(".body")
        )
        form = await FormService().definition(
            actor,
            "story",
            site=current.site,
            language=lang,
            translation_slots=max(slots, len(current.translations) + 1),
        )
        version = (submitted.get("version") or "").strip()

        def prepare(submission: Submission) -> None:
            _codings_from_keys(submission, coder_name(actor))

        async def save(data: s.StoryIn) -> str:
            chosen = [c.theme for c in data.codings]
            had = [c.theme for c in current.codings]
            codings: Any = msgspec.UNSET
            if set(chosen) != set(had):
                kept = [
                    s.CodingIn(theme=c.theme, coder=c.coder, start=c.start, end=c.end)
                    for c in current.codings
                    if c.theme in chosen
                ]
                codings = kept + [c for c in data.codings if c.theme not in had]
            patch = s.StoryPatch(
                workshop=data.workshop,
                storytellers=data.storytellers,
                kind=data.kind,
                horizon_year=data.horizon_year,
                language=data.language,
                title=data.title,
                body=data.body,
                status=data.status,
                translations=data.translations,
                codings=codings,
            )
            await stories.update(actor, story_id, patch, version)
            return f"/{lang}/sites/{current.site}?" + urlencode({"saved": story_id})

        return await submit_form(
            request,
            form,
            s.StoryIn,
            save,
            prepare=prepare,
            heading=_("Edit the story"),
            hidden={"version": version},
            cancel=f"/{lang}/sites/{current.site}",
        )


@get("/", guards=[public], name="home")
async def home(request: Request, lang: FromPath[str]) -> Template:
    """The sites the account sees, with their counts and (where it writes) what to enter next;
    a visitor not signed in sees the published story archives instead."""
    actor = current_actor(request)
    if actor.user_id is None:
        return await visitor_home(request)
    setup, stories, workshops = SetupService(), StoryService(), WorkshopService()
    sites = []
    for site in await setup.list_sites(actor):
        counted = await stories.list(actor, StoryFilters(site=site.slug), limit=1)
        held = await workshops.list(actor, site.slug)
        sites.append(
            {
                "site": site,
                "stories": counted.total,
                "workshops": len(held),
                "last_workshop": held[-1].date if held else None,
                "writable": actor.writes_site(site.id),
            }
        )
    projects = sorted({entry["site"].project for entry in sites})
    return page(
        "pages/home.html", sites=sites, projects=projects, actor=actor, today=dt.date.today()
    )


INTAKE_PAGES = Router(
    path="/{lang:str}",
    route_handlers=[home, IntakePages, StoryEditPages, StoryPages, StoryListPages],
    guards=[known_language],
    include_in_schema=False,
)
