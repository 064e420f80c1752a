"""`/{lang}/analysis`: the analysis explorer (HTTP only; the work is in `analysis.explorer`).

The same guard as the API (researchers, authors, admins); the same parameters, read by the
same parser; the same service, so the page shows what the API would answer.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, Router, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from civicfutures.analysis import cell_labels, explorer
from civicfutures.analysis.explorer_charts import render_svg
from civicfutures.analysis.service import ANALYST_ROLES
from civicfutures.errors import InvalidInput
from civicfutures.i18n.runtime import current_locale
from civicfutures.intake.setup_service import SetupService
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import known_language, page

QUERY_FIELDS = (*explorer.SCOPE_FIELDS, "by", "unsuppressed")


def _kind(kind: str) -> str:
    if not explorer.known(kind):
        raise NotFoundException()
    return kind


def _values(request: Request) -> dict[str, str]:
    return {name: (request.query_params.get(name) or "").strip() for name in QUERY_FIELDS}


async def _form(request: Request, kind: str) -> dict[str, Any]:
    actor = current_actor(request)
    sites = await SetupService().list_sites(actor)
    projects, attributes = await explorer.project_choices(
        sorted({s.project for s in sites}), current_locale()
    )
    values = _values(request)
    chosen = values["project"] or (projects[0][0] if projects else "")
    return {
        "kind": kind,
        "values": values,
        "fields": explorer.fields(
            kind, projects, attributes.get(chosen, []), explorer.may_unsuppress(actor)
        ),
        "projects": [slug for slug, _name in projects],
    }


class AnalysisPages(Controller):
    path = "/analysis"
    guards = [page_requires(*ANALYST_ROLES)]
    include_in_schema = False

    @get("/", name="analysis")
    async def index(self, lang: FromPath[str]) -> Template:
        return page(
            "analysis/index.html",
            kinds=list(explorer.titles().items()),
            descriptions=explorer.descriptions(),
        )

    @get("/{kind:str}", name="analysis_kind")
    async def kind(self, request: Request, lang: FromPath[str], kind: FromPath[str]) -> Template:
        form = await _form(request, _kind(kind))
        context: dict[str, Any] = {
            **form,
            "title": explorer.titles()[kind],
            "description": explorer.descriptions()[kind],
            "errors": {},
            "explored": None,
        }
        if not form["values"]["project"]:
            return page("analysis/kind.html", **context)
        try:
            request_in = explorer.read_form(kind, form["values"])
            explored = await explorer.explore(current_actor(request), request_in, lang)
        except InvalidInput as problem:
            context["errors"] = explorer.localized_errors(problem.errors or [])
            return page("analysis/kind.html", status_code=400, **context)
        language = current_locale()
        query = request.url.query or ""
        context["explored"] = explored
        return page(
            "analysis/kind.html",
            **context,
            rows=explored.table.rows(named=True),
            columns=explored.shown_columns,
            foreign=explored.foreign,
            headers=explorer.column_headers(),
            svg=render_svg(kind, explored.table, language),
            query=query,
            formats=list(explorer.DOWNLOADS),
            cell_text=explorer.cell_text,
            shown=cell_labels.shown,
        )

    @get("/{kind:str}/{file:str}", name="analysis_download")
    async def download(
        self, request: Request, lang: FromPath[str], kind: FromPath[str], file: FromPath[str]
    ) -> Response:
        # `download.csv`: a path parameter is a whole segment, so the format is read from it.
        stem, _dot, fmt = file.partition(".")
        if stem != "download" or fmt not in explorer.DOWNLOADS:
            raise NotFoundException()
        form = await _form(request, _kind(kind))
        try:
            request_in = explorer.read_form(kind, form["values"])
            explored = await explorer.explore(current_actor(request), request_in, lang)
        except InvalidInput as problem:
            context = {
                **form,
                "title": explorer.titles()[kind],
                "description": explorer.descriptions()[kind],
                "errors": explorer.localized_errors(problem.errors or []),
                "explored": None,
            }
            return page("analysis/kind.html", status_code=400, **context)
        content, media_type, name = explorer.download(explored, fmt, lang)
        return Response(
            content,
            media_type=media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Snapshot-Id": explored.result.snapshot.id,
                "X-Publication": explored.result.publication,
            },
        )


ANALYSIS_PAGES = Router(
    path="/{lang:str}",
    route_handlers=[AnalysisPages],
    guards=[known_language],
    include_in_schema=False,
)
