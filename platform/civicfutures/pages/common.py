"""What every page handler shares: the language guard, HTML error pages, form rendering."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template

from civicfutures.auth.actor import Actor
from civicfutures.errors import FieldError, Problem
from civicfutures.forms.binding import Submission, convert, place_errors, read_form
from civicfutures.forms.definitions import FormDefinition
from civicfutures.i18n import gettext as _
from civicfutures.i18n.languages import PAGE_LANGUAGES

log = logging.getLogger("civicfutures.pages")


async def known_language(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    """Pages exist only under the languages we serve: `/de/...` is a 404.

    A coroutine: Litestar runs a plain function guard in a worker thread.
    """
    if connection.path_params.get("lang") not in PAGE_LANGUAGES:
        raise NotFoundException()


def safe_next(target: str | None, fallback: str) -> str:
    """A path on this site only (never `//host` or `https://...`): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


def page(template: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=template, context=context, status_code=status_code)


def _error_page(request: Request, status_code: int, title: str, detail: str) -> Template:
    return page("pages/error.html", status_code=status_code, title=title, detail=detail)


def http_error_page(request: Request, exc: HTTPException) -> Response:
    titles = {
        403: (_("Not allowed"), _("Your account cannot open this page.")),
        404: (
            _("Page not found"),
            _("There is nothing at this address. Check the link or go back to the start page."),
        ),
        405: (_("Not allowed"), _("This method is not allowed here.")),
    }
    title, detail = titles.get(exc.status_code, (_("Something went wrong"), str(exc.detail)))
    return _error_page(request, exc.status_code, title, detail)  # type: ignore[return-value]


def problem_page(request: Request, exc: Problem) -> Response:
    titles = {403: _("Not allowed"), 404: _("Page not found"), 410: _("Withdrawn")}
    return _error_page(
        request, exc.status_code, titles.get(exc.status_code, _("Something went wrong")), exc.detail
    )  # type: ignore[return-value]


def server_error_page(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _error_page(  # type: ignore[return-value]
        request,
        500,
        _("Something went wrong"),
        _("Something went wrong on our side; the error has been logged."),
    )


PAGE_EXCEPTION_HANDLERS: dict[type[Exception], Callable[[Request, Any], Response]] = {
    Problem: problem_page,
    HTTPException: http_error_page,
    Exception: server_error_page,
}


def form_page(
    form: FormDefinition,
    values: dict[str, Any],
    errors: Iterable[FieldError] = (),
    *,
    status_code: int = 200,
    heading: str | None = None,
    hidden: dict[str, str] | None = None,
    cancel: str | None = None,
    add_links: dict[str, str] | None = None,
    notice: str | None = None,
    **context: Any,
) -> Template:
    """A form page rendered from its definition: typed values kept, each error at its field.

    `add_links` point from an empty choice (no workshop yet) to the form that adds one.
    """
    errors = list(errors)
    by_field, general = place_errors(errors, [f.name for f in form.fields()])
    return page(
        "pages/form.html",
        status_code=status_code,
        form=form,
        values=values,
        field_errors=by_field,
        general_errors=[e.message for e in general],
        error_count=len(errors),
        heading=heading or form.title,
        hidden=hidden or {},
        cancel=cancel,
        add_links=add_links or {},
        notice=notice,
        **context,
    )


async def submit_form(
    request: Request,
    form: FormDefinition,
    struct: type[msgspec.Struct],
    save: Callable[[Any], Awaitable[str]],
    *,
    prepare: Callable[[Submission], None] | None = None,
    **page_context: Any,
) -> Response | Template:
    """Check a posted form, then hand it to the service; redirect (303) on success.

    `save` receives the API struct and returns where to go next. Any problem (the form's own
    checks, msgspec, or the service's) re-renders the same page with everything typed.
    """
    submitted = await request.form()
    submission = read_form(form, submitted.multi_items(), struct)
    if prepare is not None:
        prepare(submission)
    if submission.valid:
        data = convert(submission, struct)
        if data is not None:
            try:
                return Redirect(await save(data), status_code=303)
            except Problem as problem:
                by_field, _general = place_errors(problem.errors, [f.name for f in form.fields()])
                if not by_field:
                    # Nothing to show at a field (a stale version, a refusal): say what happened.
                    submission.errors.append(FieldError("form", problem.detail))
                submission.errors += problem.errors
    return form_page(form, submission.values, submission.errors, status_code=422, **page_context)


def coder_name(actor: Actor) -> str:
    """Codings made through the pages are attributed to the signed-in user."""
    return actor.label[:64]
