"""Every error in the request's language: JSON `{status_code, detail, errors: [{field, message}]}`
for the API, an HTML page (with the layout and navigation) for anything a browser opens.

API paths (`/api/`, `/health`, `/metrics`) always answer JSON; page paths (`/{lang}/...`, `/`)
always HTML; the rest (`/schema`, `/static/`) HTML when the client accepts `text/html`.
"""

from __future__ import annotations

import logging
import sqlite3

import asyncpg
import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Template

from civicfutures.errors import Problem
from civicfutures.i18n import gettext as _
from civicfutures.i18n import set_locale
from civicfutures.i18n.library_errors import json_message, msgspec_message
from civicfutures.i18n.negotiation import is_page_path
from civicfutures.intake.schemas import ErrorBody, ErrorItem
from civicfutures.web.auth import SignInRequired
from civicfutures.web.locale import api_locale

log = logging.getLogger("civicfutures")


JSON_PREFIXES = ("/api/", "/health", "/metrics")


def wants_html(request: Request) -> bool:
    """Browsers get pages: page paths always, `/schema` and `/static/` when they ask for HTML."""
    path = request.url.path
    if any(path == p.rstrip("/") or path.startswith(p) for p in JSON_PREFIXES):
        return False
    return is_page_path(path) or "text/html" in request.headers.get("accept", "")


def page_titles() -> dict[int, str]:
    return {
        400: _("The request is not valid"),
        401: _("Sign in first"),
        403: _("Not allowed"),
        404: _("Page not found"),
        405: _("Not allowed"),
        409: _("Conflict"),
        410: _("No longer available"),
        412: _("Changed in the meantime"),
        413: _("Too large"),
        422: _("The request is not valid"),
        429: _("Too many attempts"),
        503: _("Temporarily unavailable"),
    }


def error_page(
    status_code: int,
    detail: str,
    errors: list[ErrorItem] | None = None,
    headers: dict[str, str] | None = None,
) -> Template:
    """The HTML error page: a title for the status, what happened, and a way back home."""
    return Template(
        template_name="pages/error.html",
        status_code=status_code,
        headers=headers,
        context={
            "status_code": status_code,
            "title": page_titles().get(status_code, _("Something went wrong")),
            "detail": detail,
            "errors": errors or [],
        },
    )


def error_response(
    status_code: int,
    detail: str,
    errors: list[ErrorItem] | None = None,
    headers: dict[str, str] | None = None,
    request: Request | None = None,
) -> Response:
    """JSON for the API; the HTML page when `request` comes from a browser (see `wants_html`)."""
    if request is not None and wants_html(request):
        return error_page(status_code, detail, errors, headers)  # type: ignore[return-value]
    return Response(
        content=ErrorBody(status_code=status_code, detail=detail, errors=errors or []),
        status_code=status_code,
        media_type=MediaType.JSON,
        headers=headers,
    )


def problem_handler(request: Request, exc: Problem) -> Response:
    retry_after = getattr(exc, "retry_after", None)
    return error_response(
        exc.status_code,
        exc.detail,
        [ErrorItem(e.field, e.message) for e in exc.errors],
        headers={"Retry-After": str(retry_after)} if retry_after is not None else None,
        request=request,
    )


def _localized(message: str, where: str | None = None) -> tuple[str | None, str]:
    """A msgspec message as (field path, localized text); `where` is the path Litestar already
    took out of the message, if it did."""
    return msgspec_message(message, where)


def validation_handler(request: Request, exc: ValidationException) -> Response:
    """Litestar's decoding errors (msgspec) with the field named and the message localized."""
    set_locale(api_locale(request))
    items: list[ErrorItem] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for entry in extra:
        if not isinstance(entry, dict):
            continue
        key = entry.get("key") or ""
        path, text = _localized(str(entry.get("message", "")), key if key != "data" else None)
        field = (
            path
            or (key if key and key != "data" else None)
            or ("body" if entry.get("source") == "body" else key or "body")
        )
        items.append(ErrorItem(field=field, message=text))
    if not items:
        items.append(
            ErrorItem(
                field="body", message=_("The request body is not valid JSON for this operation.")
            )
        )
    return error_response(400, _("The request has invalid fields."), items, request=request)


def http_handler(request: Request, exc: HTTPException) -> Response:
    set_locale(api_locale(request))
    details = {
        401: _("Sign in or send an API token."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request body is too large."),
        429: _("Too many requests; try again later."),
    }
    html = wants_html(request)
    if html:
        details[403] = _("Your account cannot open this page.")
        details[404] = _(
            "There is nothing at this address. Check the link or go back to the start page."
        )
    # Litestar's own details are English and technical: a page shows only our words.
    fallback = _("The request could not be answered.") if html else exc.detail
    detail = details.get(exc.status_code, fallback)
    field = {413: "body"}.get(exc.status_code)
    return error_response(
        exc.status_code,
        detail,
        [ErrorItem(field, detail)] if field and not html else [],
        headers=dict(exc.headers or {}),
        request=request,
    )


_UNAVAILABLE = (
    ConnectionError,
    OSError,  # includes TimeoutError: no connection or statement within the configured time
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.TooManyConnectionsError,
    # The server is shutting down, starting up, or cancelled the statement.
    asyncpg.OperatorInterventionError,
)


def is_unavailable(exc: BaseException) -> bool:
    """The database is away or busy beyond the busy timeout: retrying later will work."""
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc) or "busy" in str(exc)
    return isinstance(exc, _UNAVAILABLE)


def server_error_handler(request: Request, exc: Exception) -> Response:
    """Database outages become 503 with Retry-After; anything else a bare 500, logged, no traceback."""
    set_locale(api_locale(request))
    if isinstance(exc, asyncpg.CharacterNotInRepertoireError):
        # PostgreSQL stores no NUL character; bodies are checked (nfc), but a NUL in a query
        # or path parameter reaches the database as a filter value.
        return error_response(
            400,
            _("The request has invalid fields."),
            [ErrorItem("query", _("The text contains a NUL character."))],
            request=request,
        )
    if isinstance(exc, asyncpg.StringDataRightTruncationError):
        # Input checks count characters as sent; NFC can lengthen text (composition
        # exclusions decompose), so a text at the limit may outgrow its column: the
        # client's input, not our failure.
        log.warning("value too long on %s %s: %s", request.method, request.url.path, exc)
        return error_response(
            422,
            _("The request has invalid fields."),
            [ErrorItem("body", _("A text is too long once normalised; shorten it."))],
            request=request,
        )
    if is_unavailable(exc):
        log.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
        return error_response(
            503,
            _("The database is not available; try again shortly."),
            headers={"Retry-After": "2"},
            request=request,
        )
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(
        500, _("Something went wrong on our side; the error has been logged."), request=request
    )


def decode_error_handler(request: Request, exc: msgspec.DecodeError) -> Response:
    set_locale(api_locale(request))
    return error_response(
        400,
        _("The request body is not valid JSON."),
        [ErrorItem("body", json_message(str(exc)))],
        request=request,
    )


def _too_deep(exc: RecursionError) -> bool:
    """The JSON decoders' own words (msgspec: "while deserializing", json: "while decoding"):
    a body nested past their depth is the client's input; any other recursion is our bug."""
    return any(words in str(exc) for words in ("while deserializing", "while decoding"))


def recursion_handler(request: Request, exc: RecursionError) -> Response:
    if not _too_deep(exc):
        return server_error_handler(request, exc)
    set_locale(api_locale(request))
    return error_response(
        400,
        _("The request body is not valid JSON."),
        [ErrorItem("body", _("The JSON is nested too deeply."))],
        request=request,
    )


def sign_in_handler(request: Request, exc: SignInRequired) -> Response:
    """Pages opened without a session go to the sign-in page, then back."""
    return Response(content=b"", status_code=303, headers={"Location": exc.login_url})


EXCEPTION_HANDLERS = {
    SignInRequired: sign_in_handler,
    Problem: problem_handler,
    ValidationException: validation_handler,
    HTTPException: http_handler,
    msgspec.DecodeError: decode_error_handler,
    RecursionError: recursion_handler,
    Exception: server_error_handler,
}
