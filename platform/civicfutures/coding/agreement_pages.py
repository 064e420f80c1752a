"""Agreement pages: `/{lang}/projects/{project}/agreement` (numbers, disagreements, theme
memos) and the story page's forms to reconcile a disagreement and to write memos.

HTTP only: each form calls the same service as the JSON API; a refused form brings its page
back with the errors, a saved one redirects (POST, then redirect, then GET).
"""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from civicfutures.coding import schemas as cs
from civicfutures.coding.agreed import AgreedCodingService
from civicfutures.coding.agreement import AgreementService
from civicfutures.coding.memos import MemoService
from civicfutures.coding.suggestions import SuggestionService
from civicfutures.coding.visibility import reaches_every_site
from civicfutures.db.tables import Site
from civicfutures.errors import FieldError, Problem
from civicfutures.i18n import gettext as _
from civicfutures.i18n.labels import LabelContext
from civicfutures.intake.setup_service import find_project
from civicfutures.intake.story_pages import render_story, theme_options
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import page

CODERS = page_requires("partner", "researcher")
# A refused form is shown again; anything else (404, 403) is the error page as elsewhere.
SHOWN_AGAIN = (409, 422)


def _errors(problem: Problem) -> list[FieldError]:
    if problem.status_code == 422 and problem.errors:
        return list(problem.errors)
    return [FieldError("form", problem.detail)]


def _offset(value: str) -> int | None:
    """A whole number from a form (an offset or an id); past the largest id, the largest id
    (no such row: the service answers as for any unknown one)."""
    value = value.strip()
    return min(int(value), 2_147_483_647) if value.isascii() and value.isdigit() else None


class AgreementPages(Controller):
    path = "/projects/{project:str}/agreement"
    guards = [CODERS]
    include_in_schema = False

    async def _render(
        self,
        request: Request,
        lang: str,
        project: str,
        site: str | None = None,
        notice: str | None = None,
        memo_errors: list[FieldError] | None = None,
        status_code: int = 200,
    ) -> Template:
        actor = current_actor(request)
        row = await find_project(project)
        labels = LabelContext(tag=lang, project_default=row["default_language"])
        sites = [
            {"slug": s["slug"], "name": s["name"]}
            for s in await Site.select(Site.id, Site.slug, Site.name)
            .where(Site.project == row["id"])
            .order_by(Site.slug)
            if actor.sees_site(s["id"])
        ]
        options = await theme_options(row["id"], labels)
        return page(
            "pages/agreement.html",
            status_code=status_code,
            project=row,
            report=await AgreementService().report(actor, project, site),
            quality=await SuggestionService().quality(actor, project),
            sites=sites,
            site_names={s["slug"]: s["name"] for s in sites},
            site=site or "",
            themes={o["key"]: o for o in options},
            theme_options=options,
            memos=await MemoService().for_themes(actor, project),
            theme_memos_allowed=reaches_every_site(actor),
            memo_errors=memo_errors or [],
            is_admin=actor.is_admin,
            notice=notice,
        )

    @get("/", name="agreement_page")
    async def show(
        self,
        request: Request,
        lang: FromPath[str],
        project: FromPath[str],
        site: FromQuery[str | None] = None,
        saved: FromQuery[str | None] = None,
    ) -> Template:
        notices = {
            "memo": _("The memo is saved."),
            "memo-removed": _("The memo is removed."),
        }
        return await self._render(
            request, lang, project, site or None, notice=notices.get(saved or "")
        )

    @post("/memos", name="theme_memo_create", status_code=200)
    async def create_memo(
        self, request: Request, lang: FromPath[str], project: FromPath[str]
    ) -> Response | Template:
        form = await request.form()
        data = cs.MemoCreate(
            text=str(form.get("text") or ""),
            theme=str(form.get("theme") or "").strip()[:64] or "-",
            project=project,
        )
        try:
            await MemoService().create(current_actor(request), data)
        except Problem as problem:
            if problem.status_code not in SHOWN_AGAIN:
                raise
            return await self._render(
                request, lang, project, memo_errors=_errors(problem), status_code=422
            )
        return Redirect(
            f"/{lang}/projects/{project}/agreement?saved=memo#theme-memos-heading", status_code=303
        )

    @post("/memos/{memo_id:int}/change", name="theme_memo_change", status_code=200)
    async def change_memo(
        self, request: Request, lang: FromPath[str], project: FromPath[str], memo_id: FromPath[int]
    ) -> Response | Template:
        form = await request.form()
        try:
            await MemoService().change(
                current_actor(request), memo_id, cs.MemoChange(text=str(form.get("text") or ""))
            )
        except Problem as problem:
            if problem.status_code not in SHOWN_AGAIN:
                raise
            return await self._render(
                request, lang, project, memo_errors=_errors(problem), status_code=422
            )
        return Redirect(
            f"/{lang}/projects/{project}/agreement?saved=memo#theme-memos-heading", status_code=303
        )

    @post("/memos/{memo_id:int}/delete", name="theme_memo_delete", status_code=200)
    async def delete_memo(
        self, request: Request, lang: FromPath[str], project: FromPath[str], memo_id: FromPath[int]
    ) -> Response:
        await MemoService().delete(current_actor(request), memo_id)
        return Redirect(
            f"/{lang}/projects/{project}/agreement?saved=memo-removed#theme-memos-heading",
            status_code=303,
        )


class StoryAgreementPages(Controller):
    path = "/stories/{story_id:int}"
    guards = [CODERS]
    include_in_schema = False

    @post("/agreed", name="agreed_create", status_code=200)
    async def agree(
        self, request: Request, lang: FromPath[str], story_id: FromPath[int]
    ) -> Response | Template:
        form = await request.form()
        theme = str(form.get("theme") or "").strip()[:64]
        applies = str(form.get("applies") or "1") != "0"
        data = cs.AgreedCreate(
            theme=theme or "-",
            applies=applies,
            start=_offset(str(form.get("start") or "")) if applies else None,
            end=_offset(str(form.get("end") or "")) if applies else None,
            translation=str(form.get("text") or "").strip() or None,
        )
        try:
            await AgreedCodingService().create(current_actor(request), story_id, data)
        except Problem as problem:
            if problem.status_code not in SHOWN_AGAIN:
                raise
            return await render_story(
                request,
                lang,
                story_id,
                reconcile=theme,
                agreed_errors=_errors(problem),
                status_code=422,
            )
        return Redirect(
            f"/{lang}/stories/{story_id}?saved=agreed&reconcile={quote(theme)}#agreed-heading",
            status_code=303,
        )

    @post("/agreed/{agreed_id:int}/delete", name="agreed_delete", status_code=200)
    async def unagree(
        self,
        request: Request,
        lang: FromPath[str],
        story_id: FromPath[int],
        agreed_id: FromPath[int],
    ) -> Response:
        await AgreedCodingService().delete(current_actor(request), agreed_id)
        return Redirect(
            f"/{lang}/stories/{story_id}?saved=unagreed#agreed-heading", status_code=303
        )

    @post("/memos", name="story_memo_create", status_code=200)
    async def create_memo(
        self, request: Request, lang: FromPath[str], story_id: FromPath[int]
    ) -> Response | Template:
        form = await request.form()
        about = _offset(str(form.get("about") or ""))
        data = cs.MemoCreate(
            text=str(form.get("text") or ""),
            story=None if about is not None else story_id,
            coding=about,
        )
        try:
            await MemoService().create(current_actor(request), data)
        except Problem as problem:
            if problem.status_code not in (*SHOWN_AGAIN, 404):
                raise
            return await render_story(
                request, lang, story_id, memo_errors=_errors(problem), status_code=422
            )
        return Redirect(f"/{lang}/stories/{story_id}?saved=memo#memos-heading", status_code=303)

    @post("/memos/{memo_id:int}/change", name="story_memo_change", status_code=200)
    async def change_memo(
        self, request: Request, lang: FromPath[str], story_id: FromPath[int], memo_id: FromPath[int]
    ) -> Response | Template:
        form = await request.form()
        try:
            await MemoService().change(
                current_actor(request), memo_id, cs.MemoChange(text=str(form.get("text") or ""))
            )
        except Problem as problem:
            if problem.status_code not in SHOWN_AGAIN:
                raise
            return await render_story(
                request, lang, story_id, memo_errors=_errors(problem), status_code=422
            )
        return Redirect(f"/{lang}/stories/{story_id}?saved=memo#memos-heading", status_code=303)

    @post("/memos/{memo_id:int}/delete", name="story_memo_delete", status_code=200)
    async def delete_memo(
        self, request: Request, lang: FromPath[str], story_id: FromPath[int], memo_id: FromPath[int]
    ) -> Response:
        await MemoService().delete(current_actor(request), memo_id)
        return Redirect(
            f"/{lang}/stories/{story_id}?saved=memo-removed#memos-heading", status_code=303
        )
