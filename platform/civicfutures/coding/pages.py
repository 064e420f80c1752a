"""Coding pages: the forms of the story page (code, change, remove, done, reject a suggested
theme) and the project's coding overview `/{lang}/projects/{project}/codings`.

HTTP only: each form calls `CodingService` like the JSON API; a refused form brings the story
page back with the errors at the coding form, a saved one redirects to the story (POST, then
redirect, then GET).
"""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Controller, Request, Response, Router, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from civicfutures.coding import schemas as cs
from civicfutures.coding.agreement_pages import AgreementPages, StoryAgreementPages
from civicfutures.coding.overview import CodingOverview
from civicfutures.coding.service import CodingService, phrase_span
from civicfutures.coding.suggestions import SuggestionService
from civicfutures.db.tables import Theme
from civicfutures.errors import FieldError, Problem
from civicfutures.i18n import gettext as _
from civicfutures.i18n.labels import LabelContext
from civicfutures.intake.schemas import STORY_BODY_MAX
from civicfutures.intake.setup_service import find_project
from civicfutures.intake.story_pages import render_story, theme_options
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import known_language, page

CODERS = page_requires("partner", "researcher")
READERS = page_requires("partner", "researcher", "author")
ADMINS = page_requires("admin")

FORM_FIELDS = ("theme", "text", "start", "end", "phrase", "occurrence")


def _problem_errors(problem: Problem) -> list[FieldError]:
    if problem.status_code == 422 and problem.errors:
        return list(problem.errors)
    return [FieldError("form", problem.detail), *problem.errors]


def _whole(value: str, field: str, errors: list[FieldError]) -> int | None:
    """A form's offset: empty is None; anything but a whole number in range is an error."""
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > STORY_BODY_MAX:
        errors.append(
            FieldError(field, _("Enter a whole number from 0 to {max}.").format(max=STORY_BODY_MAX))
        )
        return None
    return int(value)


async def _theme_key(project_id: int, typed: str) -> str:
    """The key of the theme typed: its key, or its label in any language (case ignored)."""
    typed = typed.strip()
    rows = (
        await Theme.select(Theme.key, Theme.labels)
        .output(load_json=True)
        .where(Theme.project == project_id)
    )
    folded = typed.casefold()
    for row in rows:
        if row["key"] == typed:
            return typed
    for row in rows:
        if any(
            folded == (text or "").strip().casefold() for text in (row["labels"] or {}).values()
        ):
            return row["key"]
    return typed


class StoryCodingPages(Controller):
    path = "/stories/{story_id:int}/codings"
    guards = [CODERS]
    include_in_schema = False

    async def _back(self, request: Request, lang: str, story_id: int, errors: list, values: dict):
        return await render_story(
            request, lang, story_id, errors=errors, values=values, status_code=422
        )

    @post("/", name="coding_create", status_code=200)
    async def create(
        self, request: Request, lang: FromPath[str], story_id: FromPath[int]
    ) -> Response | Template:
        actor = current_actor(request)
        form = await request.form()
        values = {name: str(form.get(name) or "") for name in FORM_FIELDS}
        service = CodingService()
        texts = await service.story(actor, story_id)
        errors: list[FieldError] = []
        start = _whole(values["start"], "start", errors)
        end = _whole(values["end"], "end", errors)
        tag = values["text"].strip() or None
        phrase = values["phrase"].strip()
        if not values["theme"].strip():
            errors.append(FieldError("theme", _("Choose a theme from the codebook.")))
        if phrase and not errors:
            occurrence = _whole(values["occurrence"], "occurrence", errors) or 1
            text = texts.translations.get(tag or "", "") if tag else texts.body
            span = phrase_span(text, phrase, occurrence)
            if span is None:
                errors.append(
                    FieldError(
                        "phrase",
                        _("“{phrase}” is not in this text (occurrence {n}).").format(
                            phrase=phrase[:60], n=occurrence
                        ),
                    )
                )
            else:
                start, end = span
        if errors:
            return await self._back(request, lang, story_id, errors, values)
        key = await _theme_key(texts.project, values["theme"])
        try:
            await service.create(
                actor, story_id, cs.CodingCreate(theme=key, start=start, end=end, translation=tag)
            )
        except Problem as problem:
            if problem.status_code not in (409, 422):
                raise
            return await self._back(request, lang, story_id, _problem_errors(problem), values)
        return Redirect(f"/{lang}/stories/{story_id}?saved=coded#codings-heading", status_code=303)

    @post("/{coding_id:int}/change", name="coding_change", status_code=200)
    async def change(
        self,
        request: Request,
        lang: FromPath[str],
        story_id: FromPath[int],
        coding_id: FromPath[int],
    ) -> Response | Template:
        actor = current_actor(request)
        form = await request.form()
        service = CodingService()
        texts = await service.story(actor, story_id)
        key = await _theme_key(texts.project, str(form.get("theme") or ""))
        try:
            await service.change(actor, coding_id, cs.CodingChange(theme=key or None))
        except Problem as problem:
            if problem.status_code != 422:
                raise
            return await self._back(request, lang, story_id, _problem_errors(problem), {})
        return Redirect(
            f"/{lang}/stories/{story_id}?saved=changed#codings-heading", status_code=303
        )

    @post("/{coding_id:int}/delete", name="coding_delete", status_code=200)
    async def delete(
        self,
        request: Request,
        lang: FromPath[str],
        story_id: FromPath[int],
        coding_id: FromPath[int],
    ) -> Response:
        await CodingService().delete(current_actor(request), coding_id)
        return Redirect(
            f"/{lang}/stories/{story_id}?saved=removed#codings-heading", status_code=303
        )

    @post("/done", name="coding_done", status_code=200)
    async def done(
        self, request: Request, lang: FromPath[str], story_id: FromPath[int]
    ) -> Response:
        form = await request.form()
        done = str(form.get("done") or "1") != "0"
        await CodingService().mark_done(current_actor(request), story_id, done)
        saved = "done" if done else "reopened"
        return Redirect(
            f"/{lang}/stories/{story_id}?saved={saved}#codings-heading", status_code=303
        )


class StorySuggestionPages(Controller):
    path = "/stories/{story_id:int}/suggestions"
    guards = [CODERS]
    include_in_schema = False

    @post("/reject", name="suggestion_reject", status_code=200)
    async def reject(
        self, request: Request, lang: FromPath[str], story_id: FromPath[int]
    ) -> Response | Template:
        form = await request.form()
        theme = str(form.get("theme") or "").strip()[:64] or "-"
        try:
            await SuggestionService().reject(current_actor(request), story_id, theme)
        except Problem as problem:
            if problem.status_code != 422:
                raise
            return await render_story(
                request, lang, story_id, errors=_problem_errors(problem), status_code=422
            )
        return Redirect(
            f"/{lang}/stories/{story_id}?saved=rejected#suggestions-heading", status_code=303
        )


class ProjectCodingPages(Controller):
    path = "/projects/{project:str}/codings"
    include_in_schema = False

    @get("/", guards=[READERS], name="coding_overview")
    async def overview(
        self,
        request: Request,
        lang: FromPath[str],
        project: FromPath[str],
        site: FromQuery[str | None] = None,
        coder: FromQuery[str | None] = None,
        saved: FromQuery[str | None] = None,
    ) -> Template:
        actor = current_actor(request)
        project_row = await find_project(project)
        labels = LabelContext(tag=lang, project_default=project_row["default_language"])
        table = await CodingOverview().build(
            actor, project_row, site=site or None, coder=coder or None
        )
        themes = {
            o["key"]: o
            for o in await theme_options(project_row["id"], labels, include_retired=True)
        }
        return page(
            "pages/codings.html",
            project=project_row,
            table=table,
            themes=themes,
            site=site or "",
            coder=coder or "",
            is_admin=actor.is_admin,
            saved=saved == "1",
            query=urlencode,
        )

    @post("/settings", guards=[ADMINS], name="coding_settings", status_code=200)
    async def settings(
        self, request: Request, lang: FromPath[str], project: FromPath[str]
    ) -> Response:
        actor = current_actor(request)
        form = await request.form()
        blind = str(form.get("blind_coding") or "") == "1"
        await CodingOverview().set_blind(actor, project, blind)
        return Redirect(f"/{lang}/projects/{project}/codings?saved=1", status_code=303)


CODING_PAGES = Router(
    path="/{lang:str}",
    route_handlers=[
        StoryCodingPages,
        StorySuggestionPages,
        ProjectCodingPages,
        AgreementPages,
        StoryAgreementPages,
    ],
    guards=[known_language],
    include_in_schema=False,
)
