"""Pages for authors, researchers and partners: insights, evidence picking, quotes, Theory of Change.

Handlers are HTTP only: they call the same services as the JSON API, post then redirect
(303), and re-render with every problem next to its field.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from civicfutures.auth.actor import Actor
from civicfutures.curation import forms as f
from civicfutures.curation import schemas as c
from civicfutures.curation.access import is_curator, writes_insight
from civicfutures.curation.diagram import DIAGRAMS, svg_available
from civicfutures.curation.insight_service import InsightFilters, InsightService
from civicfutures.curation.outcome_service import outcome_rows
from civicfutures.curation.quote_translations import set_quote_translation
from civicfutures.curation.quotes import QuoteBank
from civicfutures.curation.texts import insight_text
from civicfutures.curation.theory import (
    site_names,
    theory_diagram,
    theory_of_change,
    visible_sites,
)
from civicfutures.db.tables import Site, Theme
from civicfutures.errors import FieldError, Problem
from civicfutures.forms.binding import Submission, convert, place_errors
from civicfutures.forms.definitions import Choice, language_choices, story_kind_label
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_number
from civicfutures.i18n.labels import LabelContext
from civicfutures.i18n.languages import PAGE_LANGUAGES
from civicfutures.intake.setup_service import find_project
from civicfutures.intake.story_service import StoryFilters, StoryService
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import known_language, page

STORY_PAGE = 25
drafters = page_requires("author", "partner")


async def _project_context(project: str, lang: str) -> tuple[dict[str, Any], LabelContext]:
    row = await find_project(project)
    return row, LabelContext(tag=lang, project_default=row["default_language"])


async def _label_maps(project_id: int, labels: LabelContext) -> dict[str, dict[str, Any]]:
    """Localized labels of themes and outcomes by key, for showing an insight's links."""
    themes = (
        await Theme.select(Theme.key, Theme.labels)
        .output(load_json=True)
        .where(Theme.project == project_id)
    )
    return {
        "themes": {row["key"]: labels.label(row["labels"], row["key"]) for row in themes},
        "outcomes": {
            row["key"]: labels.label(row["labels"], row["key"])
            for row in await outcome_rows(project_id)
        },
    }


def _site_choices(sites: list[dict[str, Any]]) -> list[Choice]:
    return [Choice(value=s["slug"], label=s["name"]) for s in sites]


async def _text_languages(
    actor: Actor, project_row: dict[str, Any], existing: list[str]
) -> list[str]:
    """Languages a text may be written in: the project's, its visible sites' and `existing`."""
    sites = await visible_sites(actor, project_row["id"])
    return f.text_languages(project_row, [t for s in sites for t in s["languages"] or []], existing)


async def _insight_fields(
    actor: Actor, project_row: dict[str, Any], labels: LabelContext, existing: list[str]
) -> f.FieldSet:
    languages = await _text_languages(actor, project_row, existing)
    return await f.insight_fields(actor, project_row, labels, languages)


def _form_page(
    template: str,
    fields: f.FieldSet,
    values: dict[str, Any],
    errors: list[FieldError],
    status_code: int = 200,
    **context: Any,
) -> Template:
    by_field, general = place_errors(errors, [field.name for field in fields.fields()])
    return page(
        template,
        status_code=status_code,
        form=fields,
        values=values,
        field_errors=by_field,
        general_errors=[e.message for e in general],
        error_count=len(errors),
        **context,
    )


def _problem_errors(problem: Problem) -> list[FieldError]:
    """A service's field errors; for a stale version or a refusal, its explanation first."""
    if problem.status_code == 422 and problem.errors:
        return list(problem.errors)
    return [FieldError("form", problem.detail), *problem.errors]


def _insight_payload(stored: c.InsightOut | None, values: dict[str, Any]) -> dict[str, Any]:
    """The fields the new-insight and the edit form share, with texts merged into `stored`'s."""
    language = values["language"]
    return {
        "site": None if values["site"] in (f.CROSS_SITE, "") else values["site"],
        "title": f.merged_texts(stored.title if stored else {}, language, values["title"]),
        "summary": f.merged_texts(stored.summary if stored else {}, language, values["summary"]),
        "themes": values["themes"],
        "outcomes": values["outcomes"],
    }


async def _insight_form(
    actor: Actor,
    project_row: dict[str, Any],
    labels: LabelContext,
    insight: c.InsightOut | None,
    languages: list[str],
    values: dict[str, Any],
    errors: list[FieldError],
    status_code: int = 200,
) -> Template:
    """The new-insight or edit form, with the languages its texts may be written in."""
    fields = await _insight_fields(actor, project_row, labels, languages)
    return _form_page(
        "curation/insight_form.html",
        fields,
        values,
        errors,
        status_code=status_code,
        project=project_row,
        insight=insight,
    )


class CurationPages(Controller):
    """A project's insights, quote bank and Theory of Change: `/{lang}/projects/{project}/...`."""

    path = "/projects/{project:str}"
    guards = [page_requires()]
    include_in_schema = False

    @get("/insights", name="curation_insights")
    async def insights(
        self, request: Request, lang: FromPath[str], project: FromPath[str]
    ) -> Template:
        actor = current_actor(request)
        project_row, labels = await _project_context(project, lang)
        site = request.query_params.get("site") or None
        status = request.query_params.get("status") or None
        if status not in (None, "draft", "agreed"):
            status = None
        found = await InsightService().list(
            actor, InsightFilters(project, site=site, status=status)
        )
        rows = [{"insight": i, "title": insight_text(i.title, lang, i.language)} for i in found]
        sites = await visible_sites(actor, project_row["id"])
        return page(
            "curation/insights.html",
            project=project_row,
            rows=rows,
            site_choices=_site_choices(sites),
            status_choices=f.insight_status_choices(),
            site_names={s["slug"]: s["name"] for s in sites},
            filters={"site": site or "", "status": status or ""},
            status_label=f.insight_status_label,
            can_draft=actor.has_any("author", "partner"),
            labels=await _label_maps(project_row["id"], labels),
        )

    @get("/insights/new", name="curation_insight_form", guards=[drafters])
    async def new_insight(
        self, request: Request, lang: FromPath[str], project: FromPath[str]
    ) -> Template:
        actor = current_actor(request)
        project_row, labels = await _project_context(project, lang)
        fields = await _insight_fields(actor, project_row, labels, [lang])
        site_choices = fields.fields()[0].choices
        values = {
            "site": site_choices[0].value if site_choices else "",
            "language": lang,
            "title": "",
            "summary": "",
            "themes": [],
            "outcomes": [],
            "status": "draft",
        }
        return _form_page(
            "curation/insight_form.html", fields, values, [], project=project_row, insight=None
        )

    @post("/insights/new", name="curation_insight_create", guards=[drafters], status_code=200)
    async def create_insight(
        self, request: Request, lang: FromPath[str], project: FromPath[str]
    ) -> Response | Template:
        actor = current_actor(request)
        project_row, labels = await _project_context(project, lang)
        values = f.read_insight_form(await request.form())
        submission = Submission(
            values=values,
            payload={
                "project": project,
                **_insight_payload(None, values),
                "language": values["language"] or lang,
                "status": values["status"] if is_curator(actor) else "draft",
            },
        )
        data = convert(submission, c.InsightIn)
        if data is not None:
            try:
                created = await InsightService().create(actor, data)
                return Redirect(f"/{lang}/insights/{created.id}/evidence?saved=1", status_code=303)
            except Problem as problem:
                submission.errors += _problem_errors(problem)
        return await _insight_form(
            actor,
            project_row,
            labels,
            None,
            [values["language"] or lang],
            values,
            submission.errors,
            status_code=422,
        )

    async def _quote_bank(
        self,
        request: Request,
        lang: str,
        project: str,
        translation: dict[str, Any] | None = None,
        status_code: int = 200,
    ) -> Template:
        actor = current_actor(request)
        project_row, labels = await _project_context(project, lang)
        query = request.query_params
        filters = {name: (query.get(name) or "").strip() for name in ("site", "theme", "lang")}
        found = await QuoteBank().list(
            actor,
            project,
            filters["site"] or None,
            filters["theme"] or None,
            filters["lang"] or None,
        )
        sites = await visible_sites(actor, project_row["id"])
        languages = sorted(
            {t for s in sites for t in s["languages"] or []} | {q.language for q in found}
        )
        label_maps = await _label_maps(project_row["id"], labels)
        return page(
            "curation/quotes.html",
            status_code=status_code,
            project=project_row,
            quotes=found,
            filters=filters,
            site_choices=_site_choices(sites),
            theme_choices=[
                Choice(value=key, label=label.text) for key, label in label_maps["themes"].items()
            ],
            site_names={s["slug"]: s["name"] for s in sites},
            language_choices=language_choices(languages),
            translation_languages=language_choices(sorted({*languages, *PAGE_LANGUAGES})),
            labels=label_maps,
            can_translate=is_curator(actor),
            translation=translation or {"key": "", "values": {}, "errors": {}},
            saved=query.get("saved") == "1",
        )

    @get("/quotes", name="curation_quotes")
    async def quotes(
        self, request: Request, lang: FromPath[str], project: FromPath[str]
    ) -> Template:
        return await self._quote_bank(request, lang, project)

    @post(
        "/quotes/translation",
        name="curation_quote_translation",
        guards=[page_requires("author")],
        status_code=200,
    )
    async def translate_quote(
        self, request: Request, lang: FromPath[str], project: FromPath[str]
    ) -> Response | Template:
        form = await request.form()
        values = {
            name: (form.get(name) or "").strip()
            for name in ("story", "start", "end", "language", "text")
        }
        values["text"] = (form.get("text") or "").replace("\r\n", "\n").strip()
        errors: list[FieldError] = []
        numbers: dict[str, int] = {}
        for name in ("story", "start", "end"):
            if values[name].isdigit():
                numbers[name] = int(values[name])
            else:
                errors.append(
                    FieldError(name, _("This quote could not be identified; reload the page."))
                )
        if not values["language"]:
            errors.append(FieldError("language", _("Choose the language of the translation.")))
        if len(values["text"]) > 20_000:
            errors.append(
                FieldError(
                    "text",
                    _("Keep the translation under %(n)s characters.")
                    % {"n": format_number(20_000)},
                )
            )
        if not errors:
            submission = Submission(
                values=values,
                payload={
                    "project": project,
                    **numbers,
                    "language": values["language"],
                    "text": values["text"],
                },
            )
            data = convert(submission, c.QuoteTranslationIn)
            errors = submission.errors
            if data is not None:
                try:
                    await set_quote_translation(current_actor(request), data)
                    anchor = f"quote-{data.story}-{data.start}-{data.end}"
                    return Redirect(
                        f"/{lang}/projects/{project}/quotes?saved=1#{anchor}", status_code=303
                    )
                except Problem as problem:
                    errors = _problem_errors(problem)
        key = f"{values['story']}-{values['start']}-{values['end']}"
        return await self._quote_bank(
            request,
            lang,
            project,
            {"key": key, "values": values, "errors": {e.field: e.message for e in errors}},
            status_code=422,
        )

    @get("/theory-of-change", name="curation_theory")
    async def theory(
        self, request: Request, lang: FromPath[str], project: FromPath[str]
    ) -> Template:
        actor = current_actor(request)
        project_row, _labels = await _project_context(project, lang)
        drafts = request.query_params.get("drafts") == "1"
        return page(
            "curation/theory.html",
            project=project_row,
            theory=await theory_of_change(actor, project, lang, drafts),
            site_names=await site_names(actor, project),
            drafts=drafts,
            svg=svg_available(),
            diagram_query="?drafts=1" if drafts else "",
        )

    @get("/theory-of-change/{diagram_format:str}", name="curation_theory_diagram")
    async def diagram(
        self,
        request: Request,
        lang: FromPath[str],
        project: FromPath[str],
        diagram_format: FromPath[str],
    ) -> Response:
        if diagram_format not in DIAGRAMS:
            raise NotFoundException()
        drafts = request.query_params.get("drafts") == "1"
        drawn = await theory_diagram(current_actor(request), project, lang, diagram_format, drafts)
        disposition = "inline" if diagram_format == "svg" else "attachment"
        return Response(
            drawn.content,
            media_type=drawn.media_type,
            headers={"Content-Disposition": f'{disposition}; filename="{drawn.filename}"'},
        )


class InsightPages(Controller):
    """One insight: `/{lang}/insights/{id}`, its edit form and its evidence."""

    path = "/insights/{insight_id:int}"
    guards = [page_requires()]
    include_in_schema = False

    @get("/", name="curation_insight")
    async def view(
        self, request: Request, lang: FromPath[str], insight_id: FromPath[int]
    ) -> Template:
        actor = current_actor(request)
        insight = await InsightService().get(actor, insight_id)
        project_row, labels = await _project_context(insight.project, lang)
        return page(
            "curation/insight.html",
            project=project_row,
            insight=insight,
            title=insight_text(insight.title, lang, insight.language),
            summary=insight_text(insight.summary, lang, insight.language),
            labels=await _label_maps(project_row["id"], labels),
            site_names={
                s["slug"]: s["name"] for s in await visible_sites(actor, project_row["id"])
            },
            status_label=f.insight_status_label,
            can_edit=await self._can_edit(actor, insight),
        )

    async def _can_edit(self, actor: Actor, insight: c.InsightOut) -> bool:
        site_id = None
        if insight.site:
            row = await Site.select(Site.id).where(Site.slug == insight.site).first()
            site_id = row["id"] if row else None
        return writes_insight(actor, site_id) and (insight.status != "agreed" or is_curator(actor))

    @get("/edit", name="curation_insight_edit", guards=[drafters])
    async def edit(
        self, request: Request, lang: FromPath[str], insight_id: FromPath[int]
    ) -> Template:
        actor = current_actor(request)
        insight = await InsightService().get(actor, insight_id)
        project_row, labels = await _project_context(insight.project, lang)
        language = request.query_params.get("text_language") or lang
        return await _insight_form(
            actor,
            project_row,
            labels,
            insight,
            [insight.language, *insight.title, language],
            f.insight_values(insight, language),
            [],
        )

    @post("/edit", name="curation_insight_update", guards=[drafters], status_code=200)
    async def update(
        self, request: Request, lang: FromPath[str], insight_id: FromPath[int]
    ) -> Response | Template:
        actor = current_actor(request)
        service = InsightService()
        insight = await service.get(actor, insight_id)
        project_row, labels = await _project_context(insight.project, lang)
        submitted = await request.form()
        values = f.read_insight_form(submitted)
        payload = _insight_payload(insight, values)
        if is_curator(actor):
            payload["status"] = values["status"]
        submission = Submission(values=values, payload=payload)
        data = convert(submission, c.InsightPatch)
        if data is not None:
            try:
                await service.update(actor, insight_id, data, submitted.get("version") or "")
                return Redirect(f"/{lang}/insights/{insight_id}?saved=1", status_code=303)
            except Problem as problem:
                submission.errors += _problem_errors(problem)
        return await _insight_form(
            actor,
            project_row,
            labels,
            insight,
            [insight.language, *insight.title, values["language"]],
            values,
            submission.errors,
            status_code=422,
        )

    # ------------------------------------------------------------------ evidence

    @get("/evidence", name="curation_evidence", guards=[drafters])
    async def evidence(
        self, request: Request, lang: FromPath[str], insight_id: FromPath[int]
    ) -> Template:
        return await self._evidence_page(request, lang, insight_id, None, [])

    @post("/evidence", name="curation_evidence_add", guards=[drafters], status_code=200)
    async def add_evidence(
        self, request: Request, lang: FromPath[str], insight_id: FromPath[int]
    ) -> Response | Template:
        actor = current_actor(request)
        service = InsightService()
        insight = await service.get(actor, insight_id)
        submitted = await request.form()
        values = f.read_evidence_form(submitted)
        story_ref = (submitted.get("story") or "").strip()
        if not (story_ref.isascii() and story_ref.isdigit()):
            raise NotFoundException()
        story = await StoryService().get(actor, int(story_ref))
        item, errors = f.evidence_from_form(story.id, story.body, values)
        if item is not None:
            try:
                await service.update(
                    actor,
                    insight_id,
                    c.InsightPatch(evidence=[*f.kept_evidence(insight), item]),
                    submitted.get("version") or "",
                )
                return Redirect(
                    f"/{lang}/insights/{insight_id}/evidence?story={story.id}&saved=1",
                    status_code=303,
                )
            except Problem as problem:
                # Service fields are `evidence.N...`: the new excerpt is the one that failed.
                errors = [
                    FieldError("excerpt" if e.field.startswith("evidence") else e.field, e.message)
                    for e in _problem_errors(problem)
                ]
        return await self._evidence_page(
            request, lang, insight_id, values, errors, story_id=story.id
        )

    @post(
        "/evidence/{evidence_id:int}/delete",
        name="curation_evidence_remove",
        guards=[drafters],
        status_code=303,
    )
    async def remove_evidence(
        self,
        request: Request,
        lang: FromPath[str],
        insight_id: FromPath[int],
        evidence_id: FromPath[int],
    ) -> Response:
        actor = current_actor(request)
        service = InsightService()
        insight = await service.get(actor, insight_id)
        submitted = await request.form()
        await service.update(
            actor,
            insight_id,
            c.InsightPatch(evidence=f.kept_evidence(insight, without=evidence_id)),
            submitted.get("version") or "",
        )
        return Redirect(f"/{lang}/insights/{insight_id}/evidence?removed=1", status_code=303)

    async def _evidence_page(
        self,
        request: Request,
        lang: str,
        insight_id: int,
        values: dict[str, Any] | None,
        errors: list[FieldError],
        story_id: int | None = None,
    ) -> Template:
        actor = current_actor(request)
        insight = await InsightService().get(actor, insight_id)
        project_row, labels = await _project_context(insight.project, lang)
        query = request.query_params
        story_ref = query.get("story") or ""
        if story_id is None and story_ref.isascii() and story_ref.isdigit():
            story_id = int(story_ref)
        stories = StoryService()
        story = await stories.get(actor, story_id) if story_id else None
        listing = await stories.list(
            actor,
            StoryFilters(
                project=insight.project, site=insight.site, theme=query.get("theme") or None
            ),
            STORY_PAGE,
            query.get("cursor") or None,
        )
        languages = await _text_languages(actor, project_row, [])
        fields = f.evidence_fields([t for t in languages if not story or t != story.language])
        next_link = None
        if listing.next_cursor:
            next_link = "?" + urlencode(
                {
                    k: v
                    for k, v in {"theme": query.get("theme"), "cursor": listing.next_cursor}.items()
                    if v
                }
            )
        return _form_page(
            "curation/evidence.html",
            fields,
            values
            or {
                "excerpt": "",
                "occurrence": "1",
                "quotable": [],
                "translation_language": "",
                "translation": "",
            },
            errors,
            status_code=422 if errors else 200,
            project=project_row,
            insight=insight,
            title=insight_text(insight.title, lang, insight.language),
            story=story,
            stories=listing.items,
            total=listing.total,
            next_link=next_link,
            story_kind_label=story_kind_label,
            saved=query.get("saved"),
            removed=query.get("removed"),
            labels=await _label_maps(project_row["id"], labels),
        )


CURATION_PAGES = Router(
    path="/{lang:str}",
    route_handlers=[CurationPages, InsightPages],
    guards=[known_language],
    include_in_schema=False,
)
