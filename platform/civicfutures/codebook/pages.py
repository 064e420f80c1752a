"""Codebook pages under `/{lang}/projects/{project}/codebook`: the codebook with its
translations, and for researchers and admins the forms that add, edit, nest, merge, split,
retire, import and download themes.

HTTP only: each form calls the same services as the JSON API; a refused form brings its page
back with the errors and what was typed (422), a saved one redirects (POST, redirect, GET).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Controller, Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from civicfutures.codebook.service import (
    THEME_KINDS,
    CodebookService,
    MergeIn,
    RetireIn,
    SplitIn,
    SplitPart,
)
from civicfutures.db.tables import Coding, Theme
from civicfutures.errors import FieldError, InvalidInput, Problem
from civicfutures.forms.definitions import theme_kind_label
from civicfutures.i18n import gettext as _
from civicfutures.i18n.codebook import codebook_coverage, project_languages
from civicfutures.i18n.labels import LabelContext, pick
from civicfutures.intake import schemas as s
from civicfutures.intake.setup_service import SetupService, find_project
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import known_language, page

READERS = page_requires()
EDITORS = page_requires("researcher")
SAVED = ("added", "saved", "merged", "split", "retired", "restored", "imported")


def _errors(problem: Problem) -> list[FieldError]:
    if problem.errors:
        return list(problem.errors)
    return [FieldError("form", problem.detail)]


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: str(value) for name, value in form.items() if not isinstance(value, UploadFile)}


async def _themes(project: dict[str, Any], labels: LabelContext) -> list[dict[str, Any]]:
    """The codebook in tree order (each theme after its parent), with depths, labels along the
    page's fallback chain and how many codings each theme holds."""
    rows = (
        await Theme.select()
        .output(load_json=True)
        .where(Theme.project == project["id"])
        .order_by(Theme.position)
        .order_by(Theme.id)
    )
    counts: dict[int, int] = {}
    for coding in await Coding.select(Coding.theme).where(
        Coding.theme.is_in([row["id"] for row in rows] or [-1])
    ):
        counts[coding["theme"]] = counts.get(coding["theme"], 0) + 1
    by_id = {row["id"]: row for row in rows}
    children: dict[int | None, list[dict[str, Any]]] = {}
    for row in rows:
        parent = row["parent"] if row["parent"] in by_id else None
        children.setdefault(parent, []).append(row)
    ordered: list[dict[str, Any]] = []

    def visit(row: dict[str, Any], depth: int) -> None:
        if any(item["id"] == row["id"] for item in ordered):
            return
        parent = by_id.get(row["parent"]) if row["parent"] else None
        merged = by_id.get(row["merged_into"]) if row["merged_into"] else None
        ordered.append(
            {
                "id": row["id"],
                "key": row["key"],
                "kind": row["kind"],
                "kind_label": theme_kind_label(row["kind"]),
                "depth": depth,
                "label": labels.label(row["labels"], row["key"]),
                "description": labels.description(row["descriptions"]),
                "parent": parent["key"] if parent else None,
                "parent_label": labels.label(parent["labels"], parent["key"]) if parent else None,
                "retired": row["retired_at"] is not None,
                "merged_into": merged["key"] if merged else None,
                "codings": counts.get(row["id"], 0),
                "labels": row["labels"] or {},
                "descriptions": row["descriptions"] or {},
            }
        )
        for child in children.get(row["id"], []):
            visit(child, depth + 1)

    for row in children.get(None, []):
        visit(row, 0)
    return ordered


class CodebookPages(Controller):
    path = "/projects/{project:str}/codebook"
    include_in_schema = False

    async def _render(
        self,
        request: Request,
        lang: str,
        project: str,
        *,
        errors: list[FieldError] | None = None,
        values: dict[str, str] | None = None,
        saved: str | None = None,
        status_code: int = 200,
    ) -> Template:
        actor = current_actor(request)
        project_row = await find_project(project)
        labels = LabelContext(tag=lang, project_default=project_row["default_language"])
        return page(
            "codebook/codebook.html",
            status_code=status_code,
            project=project_row,
            themes=await _themes(project_row, labels),
            coverage=await codebook_coverage(project),
            chain=labels.chain,
            kinds=[(kind, theme_kind_label(kind)) for kind in THEME_KINDS],
            may_edit=actor.has_any("researcher"),
            errors=errors or [],
            values=values or {},
            saved=saved if saved in SAVED else None,
            lang=lang,
        )

    async def _act(
        self,
        request: Request,
        lang: str,
        project: str,
        action: Callable[[dict[str, str]], Awaitable[Any]],
        saved: str,
        anchor: str = "codebook-heading",
    ) -> Response | Template:
        values = await _form(request)
        try:
            await action(values)
        except Problem as problem:
            if problem.status_code not in (404, 409, 422):
                raise
            return await self._render(
                request, lang, project, errors=_errors(problem), values=values, status_code=422
            )
        return Redirect(
            f"/{lang}/projects/{project}/codebook?saved={saved}#{anchor}", status_code=303
        )

    @get("/", guards=[READERS], name="codebook")
    async def show(
        self,
        request: Request,
        lang: FromPath[str],
        project: FromPath[str],
        saved: FromQuery[str | None] = None,
    ) -> Template:
        """The codebook in the page's language, and the labels each language still lacks."""
        return await self._render(request, lang, project, saved=saved)

    @post("/themes", guards=[EDITORS], name="codebook_add", status_code=200)
    async def add(
        self, request: Request, lang: FromPath[str], project: FromPath[str]
    ) -> Response | Template:
        async def action(values: dict[str, str]) -> None:
            label = values.get("label", "").strip()
            await SetupService().create_theme(
                current_actor(request),
                _theme_in(project, values, {lang: label} if label else {}),
            )

        return await self._act(request, lang, project, action, "added")

    @post("/merge", guards=[EDITORS], name="codebook_merge", status_code=200)
    async def merge(
        self, request: Request, lang: FromPath[str], project: FromPath[str]
    ) -> Response | Template:
        async def action(values: dict[str, str]) -> None:
            await CodebookService().merge(
                current_actor(request),
                project,
                MergeIn(source=values.get("source", ""), into=values.get("into", "")),
            )

        return await self._act(request, lang, project, action, "merged")

    @post("/import", guards=[EDITORS], name="codebook_import", status_code=200)
    async def import_file(
        self, request: Request, lang: FromPath[str], project: FromPath[str]
    ) -> Response | Template:
        form = await request.form()
        upload = form.get("file")
        values = await _form(request)
        fmt = values.get("format", "qdc")
        try:
            if not isinstance(upload, UploadFile):
                raise InvalidInput(
                    _("The request has invalid fields."),
                    [FieldError("file", _("Choose a file to import."))],
                )
            data = await upload.read()
            await CodebookService().import_file(
                current_actor(request), project, fmt, data, values.get("language") or None
            )
        except Problem as problem:
            if problem.status_code not in (400, 404, 409, 422):
                raise
            return await self._render(
                request, lang, project, errors=_errors(problem), values=values, status_code=422
            )
        return Redirect(
            f"/{lang}/projects/{project}/codebook?saved=imported#codebook-heading",
            status_code=303,
        )

    @get("/download/{fmt:str}", guards=[READERS], name="codebook_download")
    async def download(
        self, lang: FromPath[str], project: FromPath[str], fmt: FromPath[str]
    ) -> Response[bytes]:
        file = await CodebookService().export(project, fmt, lang)
        return Response(
            file.content,
            media_type=file.media_type,
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{project}-codebook-{lang}.{file.extension}"'
                )
            },
        )

    # ------------------------------------------------------------------ one theme

    async def _render_theme(
        self,
        request: Request,
        lang: str,
        project: str,
        key: str,
        *,
        errors: list[FieldError] | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        project_row = await find_project(project)
        labels = LabelContext(tag=lang, project_default=project_row["default_language"])
        themes = await _themes(project_row, labels)
        theme = next((t for t in themes if t["key"] == key), None)
        if theme is None:
            await SetupService().get_theme(project, key)  # the service's NotFound
        assert theme is not None
        below = _descendants(themes, key)
        languages = []
        for tag in await project_languages(project_row):
            reader = LabelContext(tag=tag, project_default=project_row["default_language"])
            languages.append(
                {
                    "tag": tag,
                    "label": theme["labels"].get(tag, ""),
                    "description": theme["descriptions"].get(tag, ""),
                    "fallback": pick(theme["labels"], [t for t in reader.chain if t != tag]),
                    "chain": reader.chain,
                }
            )
        return page(
            "codebook/theme.html",
            status_code=status_code,
            project=project_row,
            theme=theme,
            languages=languages,
            parents=[t for t in themes if t["key"] != key and t["key"] not in below],
            kinds=[(kind, theme_kind_label(kind)) for kind in THEME_KINDS],
            may_edit=current_actor(request).has_any("researcher"),
            errors=errors or [],
            values=values or {},
            lang=lang,
        )

    @get("/themes/{key:str}", guards=[READERS], name="codebook_theme")
    async def theme(
        self, request: Request, lang: FromPath[str], project: FromPath[str], key: FromPath[str]
    ) -> Template:
        return await self._render_theme(request, lang, project, key)

    async def _act_on_theme(
        self,
        request: Request,
        lang: str,
        project: str,
        key: str,
        action: Callable[[dict[str, str]], Awaitable[Any]],
        saved: str,
    ) -> Response | Template:
        values = await _form(request)
        try:
            await action(values)
        except Problem as problem:
            if problem.status_code not in (404, 409, 422):
                raise
            return await self._render_theme(
                request, lang, project, key, errors=_errors(problem), values=values, status_code=422
            )
        return Redirect(
            f"/{lang}/projects/{project}/codebook?saved={saved}#theme-{key}", status_code=303
        )

    @post("/themes/{key:str}", guards=[EDITORS], name="codebook_theme_save", status_code=200)
    async def save(
        self, request: Request, lang: FromPath[str], project: FromPath[str], key: FromPath[str]
    ) -> Response | Template:
        async def action(values: dict[str, str]) -> None:
            current = await SetupService().get_theme(project, key)
            labels, descriptions = dict(current.labels), dict(current.descriptions)
            for name, value in values.items():
                part, _sep, tag = name.partition(".")
                target = {"label": labels, "description": descriptions}.get(part)
                if target is None or not tag:
                    continue
                if value.strip():
                    target[tag] = value.strip()
                else:
                    target.pop(tag, None)
            kind = values.get("kind") or current.kind
            await SetupService().update_theme(
                current_actor(request),
                project,
                key,
                s.ThemePatch(
                    labels=labels,
                    descriptions=descriptions,
                    parent=values.get("parent") or None,
                    kind=kind if kind in THEME_KINDS else current.kind,  # type: ignore[arg-type]
                ),
            )

        return await self._act_on_theme(request, lang, project, key, action, "saved")

    @post("/themes/{key:str}/retire", guards=[EDITORS], name="codebook_retire", status_code=200)
    async def retire(
        self, request: Request, lang: FromPath[str], project: FromPath[str], key: FromPath[str]
    ) -> Response | Template:
        values = await _form(request)
        retired = values.get("retired", "1") != "0"

        async def action(_values: dict[str, str]) -> None:
            await CodebookService().retire(
                current_actor(request), project, key, RetireIn(retired=retired)
            )

        return await self._act_on_theme(
            request, lang, project, key, action, "retired" if retired else "restored"
        )

    @post("/themes/{key:str}/split", guards=[EDITORS], name="codebook_split", status_code=200)
    async def split(
        self, request: Request, lang: FromPath[str], project: FromPath[str], key: FromPath[str]
    ) -> Response | Template:
        async def action(values: dict[str, str]) -> None:
            new_key = values.get("new_key", "").strip()
            if not new_key:
                raise InvalidInput(
                    _("The request has invalid fields."),
                    [FieldError("new_key", _("Give the new theme a key."))],
                )
            label = values.get("new_label", "").strip()
            try:
                part = msgspec.convert(
                    {"key": new_key, "labels": {lang: label} if label else {}}, SplitPart
                )
            except msgspec.ValidationError:
                raise _bad_key("new_key") from None
            await CodebookService().split(
                current_actor(request), project, SplitIn(theme=key, into=[part])
            )

        return await self._act_on_theme(request, lang, project, key, action, "split")


def _descendants(themes: list[dict[str, Any]], key: str) -> set[str]:
    found, frontier = set(), {key}
    while frontier:
        frontier = {t["key"] for t in themes if t["parent"] in frontier} - found
        found |= frontier
    return found


def _bad_key(field: str) -> InvalidInput:
    return InvalidInput(
        _("The request has invalid fields."),
        [
            FieldError(
                field,
                _(
                    "A key is lower-case letters, digits, “_”, “.” or “-”, starting with a "
                    "letter or digit."
                ),
            )
        ],
    )


def _theme_in(project: str, values: dict[str, str], labels: dict[str, str]) -> s.ThemeIn:
    kind = values.get("kind", "other")
    try:
        return msgspec.convert(
            {
                "project": project,
                "key": values.get("key", "").strip(),
                "kind": kind if kind in THEME_KINDS else "other",
                "parent": values.get("parent") or None,
                "labels": labels,
            },
            s.ThemeIn,
        )
    except msgspec.ValidationError:
        raise _bad_key("key") from None


CODEBOOK_PAGES = Router(
    path="/{lang:str}",
    route_handlers=[CodebookPages],
    guards=[known_language],
    include_in_schema=False,
)
