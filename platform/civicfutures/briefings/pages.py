"""Briefing pages: build a briefing, list them, open one and download its files.

Same services as the JSON API. Authors and admins build any briefing, partners local ones of
their sites; researchers read. Downloads go through the session (the API takes only bearer
tokens) and carry the document CSP, so the HTML briefing shows with its inline styles.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Controller, Request, Response, Router, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Stream, Template

from civicfutures.briefings.api import file_response
from civicfutures.briefings.params import RECOMMENDATIONS_LIMIT, SUMMARY_LIMIT, BriefingIn
from civicfutures.briefings.progress import ProgressOut
from civicfutures.briefings.service import BriefingService, can_build
from civicfutures.errors import FieldError, InvalidInput
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_datetime
from civicfutures.i18n.languages import PAGE_LANGUAGES
from civicfutures.i18n.library_errors import msgspec_message
from civicfutures.intake.setup_service import SetupService
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import known_language, page
from civicfutures.web.security import DOCUMENT_CSP

FIELDS = ("project", "site", "language", "from", "to", "suppression")
TEXTS = ("summary", "recommendations")
"""The author's texts: kept as typed (line breaks and all), unlike the one-line fields."""
REFRESH_SECONDS = 5
"""How often a page without JavaScript reloads itself while its briefing is being built."""


def status_label(status: str) -> str:
    return {"building": _("Building"), "ready": _("Ready"), "failed": _("Failed")}.get(
        status, status
    )


def moment(iso: str | None) -> str:
    """A stored time in the page's language, its zone named."""
    return format_datetime(dt.datetime.fromisoformat(iso), "short") if iso else ""


async def _choices(request: Request) -> dict[str, Any]:
    actor = current_actor(request)
    sites = await SetupService().list_sites(actor)
    names = await SetupService().project_names(sorted({site.project for site in sites}))
    return {
        "projects": list(names),
        "project_names": names,
        "site_names": {site.slug: site.name for site in sites},
        "sites": sites,
        "languages": sorted({*PAGE_LANGUAGES, *(tag for site in sites for tag in site.languages)}),
        "can_build": can_build(actor),
        "cross_site": actor.has_any("author"),
    }


def _read(values: dict[str, str]) -> tuple[BriefingIn | None, list[FieldError]]:
    """The posted form as the API's input, or the problems with it (each at its field)."""
    errors: list[FieldError] = []
    dates: dict[str, dt.date | None] = {}
    for name in ("from", "to"):
        try:
            dates[name] = dt.date.fromisoformat(values[name]) if values[name] else None
        except ValueError:
            dates[name] = None
            errors.append(FieldError(name, _("Enter a date as year-month-day, e.g. 2025-03-15.")))
    suppression = None
    if values["suppression"]:
        try:
            suppression = int(values["suppression"])
        except ValueError:
            errors.append(FieldError("suppression", _("Enter a whole number.")))
    if not values["project"]:
        errors.append(FieldError("project", _("Choose a project.")))
    if errors:
        return None, errors
    try:
        data = msgspec.convert(
            {
                "project": values["project"],
                "site": values["site"] or None,
                "language": values["language"] or None,
                "from": dates["from"].isoformat() if dates["from"] else None,
                "to": dates["to"].isoformat() if dates["to"] else None,
                "suppression": suppression,
                "summary": values.get("summary") or None,
                "recommendations": values.get("recommendations") or None,
            },
            BriefingIn,
        )
    except msgspec.ValidationError as error:
        path, message = msgspec_message(str(error))
        return None, [FieldError(path or "form", message)]
    return data, []


class BriefingPages(Controller):
    """`/{lang}/briefings`: the list with the build form, one briefing, its files."""

    path = "/briefings"
    guards = [page_requires("author", "researcher", "partner")]
    include_in_schema = False

    async def _list_page(
        self,
        request: Request,
        values: dict[str, str],
        errors: list[FieldError],
        status_code: int = 200,
        drafted: bool = False,
    ) -> Template:
        actor = current_actor(request)
        return page(
            "briefings/list.html",
            status_code=status_code,
            drafted=drafted,
            summary_limit=SUMMARY_LIMIT,
            recommendations_limit=RECOMMENDATIONS_LIMIT,
            briefings=await BriefingService().list(actor),
            values=values,
            errors={e.field: e.message for e in errors},
            error_count=len(errors),
            status_label=status_label,
            moment=moment,
            **await _choices(request),
        )

    @get("/", name="briefings")
    async def index(self, request: Request, lang: FromPath[str]) -> Template:
        values = dict.fromkeys((*FIELDS, *TEXTS), "")
        return await self._list_page(request, values, [])

    @post("/", name="briefings_build", guards=[page_requires("author", "partner")], status_code=200)
    async def build(self, request: Request, lang: FromPath[str]) -> Response | Template:
        form = await request.form()
        values = {name: (form.get(name) or "").strip() for name in FIELDS}
        values.update({name: form.get(name) or "" for name in TEXTS})
        data, errors = _read(values)
        if data is not None:
            try:
                if form.get("action") == "draft":
                    # The author asked for the draft to edit: the form again, prefilled.
                    values["summary"] = await BriefingService().draft(current_actor(request), data)
                    return await self._list_page(request, values, [], drafted=True)
                out = await BriefingService().request(current_actor(request), data)
                return Redirect(f"/{lang}/briefings/{out.id}", status_code=303)
            except InvalidInput as problem:
                # Refusals (403) and another site (404) answer as error pages, like the API.
                errors = problem.errors or [FieldError("form", problem.detail)]
        return await self._list_page(request, values, errors, status_code=422)

    @get("/{briefing_id:str}", name="briefing")
    async def detail(
        self, request: Request, lang: FromPath[str], briefing_id: FromPath[str]
    ) -> Template:
        service = BriefingService()
        actor = current_actor(request)
        briefing = await service.get(actor, briefing_id)
        sites = await SetupService().list_sites(actor)
        return page(
            "briefings/detail.html",
            briefing=briefing,
            project_names=await SetupService().project_names([briefing.project]),
            site_names={site.slug: site.name for site in sites},
            progress=await service.progress(actor, briefing_id),
            status_label=status_label,
            moment=moment,
            refresh_seconds=REFRESH_SECONDS,
        )

    @get("/{briefing_id:str}/progress", name="briefing_progress")
    async def progress(
        self, request: Request, lang: FromPath[str], briefing_id: FromPath[str]
    ) -> ProgressOut:
        """The build's progress as JSON, for the page's script (signed in by the session)."""
        return await BriefingService().progress(current_actor(request), briefing_id)

    @get("/{briefing_id:str}/files/{name:path}", name="briefing_file")
    async def download(
        self, request: Request, lang: FromPath[str], briefing_id: FromPath[str], name: FromPath[str]
    ) -> Response | Stream:
        return await file_response(
            request,
            BriefingService(),
            current_actor(request),
            briefing_id,
            name.lstrip("/"),
            {"Content-Security-Policy": DOCUMENT_CSP},
        )


BRIEFING_PAGES = Router(
    path="/{lang:str}",
    route_handlers=[BriefingPages],
    guards=[known_language],
    include_in_schema=False,
)
