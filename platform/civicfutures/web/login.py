"""Sign-in, sign-out and password pages (localized); the session cookie holds only a server-side
session's id."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from msgspec import Struct

from civicfutures.auth.accounts import change_own_password
from civicfutures.auth.login import sign_in
from civicfutures.auth.passwords import MIN_LENGTH
from civicfutures.auth.sessions import close_session, open_session
from civicfutures.errors import FieldError, NotAuthenticated, NotFound, Problem, Throttled
from civicfutures.i18n import SUPPORTED_LOCALES
from civicfutures.i18n import gettext as _
from civicfutures.i18n.negotiation import path_language
from civicfutures.settings import get_settings
from civicfutures.web.auth import SESSION_ID_KEY, current_actor, page_requires, public
from civicfutures.web.client_address import client_address


def login_rate_limit(per_minute: int) -> RateLimitConfig:
    """Sign-in attempts per client address and process (never per forged header)."""
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        set_rate_limit_headers=False,
        identifier_for_request=client_address,
    )


# Per client address, per process: a coarse cap; the back-off in the database is the real limit.
LOGIN_RATE_LIMIT = login_rate_limit(get_settings().login_rate_per_minute)


class LoginForm(Struct, kw_only=True):
    email: str = ""
    password: str = ""
    next: str = ""


def _known_language(lang: str) -> None:
    if lang not in SUPPORTED_LOCALES and lang != "vro":
        raise NotFound(_("Not found."))


def safe_next(target: str, lang: str) -> str:
    """Only a path on this site, never `//elsewhere` or `https://...` (no open redirect);
    a page in another language is opened in the language signed in with."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        if path_language(target):
            return f"/{lang}/" + target.lstrip("/").partition("/")[2]
        return target
    return f"/{lang}/"


@get("/{lang:str}/login", guards=[public], include_in_schema=False, name="login")
async def login_page(request: Request, lang: FromPath[str]) -> Template:
    _known_language(lang)
    target = request.query_params.get("next", "")
    return Template("auth/login.html", context={"next": target, "error": None, "email": ""})


@post(
    "/{lang:str}/login",
    guards=[public],
    include_in_schema=False,
    middleware=[LOGIN_RATE_LIMIT.middleware],
    status_code=200,
)
async def login_submit(
    request: Request,
    lang: FromPath[str],
    data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response | Template:
    _known_language(lang)
    try:
        actor = await sign_in(data.email, data.password, client_address(request))
    except (NotAuthenticated, Throttled) as failure:
        retry_after = getattr(failure, "retry_after", None)
        return Template(
            "auth/login.html",
            context={"next": data.next, "error": failure.detail, "email": data.email},
            status_code=failure.status_code,
            headers={"Retry-After": str(retry_after)} if retry_after is not None else None,
        )
    request.clear_session()
    request.set_session({SESSION_ID_KEY: await open_session(actor.user_id)})
    return Redirect(safe_next(data.next, lang), status_code=303)


@post("/{lang:str}/logout", guards=[public], include_in_schema=False, status_code=303)
async def logout(request: Request, lang: FromPath[str]) -> Redirect:
    if current_actor(request).user_id is not None:
        session_id = request.session.get(SESSION_ID_KEY)
        if isinstance(session_id, str):
            await close_session(session_id)
        request.clear_session()
    return Redirect(f"/{lang}/login", status_code=303)


class PasswordChangeForm(Struct, kw_only=True):
    current_password: str = ""
    password: str = ""


def _password_page(
    errors: list[FieldError] | None = None, changed: bool = False, status_code: int = 200
) -> Template:
    return Template(
        "auth/password.html",
        context={
            "errors": errors or [],
            "field_errors": {e.field: e.message for e in errors or []},
            "changed": changed,
            "min_length": MIN_LENGTH,
        },
        status_code=status_code,
    )


@get(
    "/{lang:str}/account/password",
    guards=[page_requires()],
    include_in_schema=False,
    name="account_password",
)
async def password_page(request: Request, lang: FromPath[str]) -> Template:
    _known_language(lang)
    return _password_page(changed=request.query_params.get("changed") is not None)


@post(
    "/{lang:str}/account/password",
    guards=[page_requires()],
    include_in_schema=False,
    middleware=[LOGIN_RATE_LIMIT.middleware],
    status_code=303,
)
async def password_submit(
    request: Request,
    lang: FromPath[str],
    data: Annotated[PasswordChangeForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect | Template:
    """A new password ends every session of the account; this browser gets a fresh one."""
    _known_language(lang)
    actor = current_actor(request)
    try:
        await change_own_password(actor, data.current_password, data.password)
    except Problem as problem:
        return _password_page(problem.errors, status_code=problem.status_code)
    request.clear_session()
    request.set_session({SESSION_ID_KEY: await open_session(actor.user_id)})
    return Redirect(f"/{lang}/account/password?changed=1", status_code=303)


LOGIN_ROUTES = [login_page, login_submit, logout, password_page, password_submit]
