"""API tokens in the browser: the account page, where every signed-in user makes, lists and
revokes their own tokens (researchers call the API with them), and the form reading shared
with the administrators' token page (`admin/pages.py`).

A new token is shown once, in the answer to the form that made it (never stored, never
cached: `Cache-Control: no-store`); only its digest is kept, so it cannot be shown again.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from msgspec import Struct

from civicfutures.auth import accounts
from civicfutures.errors import FieldError, Problem
from civicfutures.i18n import gettext as _
from civicfutures.settings import get_settings
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import known_language

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
# The page that shows a token's value must not be kept by the browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


class TokenForm(Struct, kw_only=True):
    user: str = ""
    name: str = ""
    expires_days: str = ""


def token_days(text: str) -> tuple[int | None, list[FieldError]]:
    """The typed lifetime in days; the range itself is the service's rule."""
    text = text.strip()
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 9):
        max_days = get_settings().token_max_days
        message = _("Choose between 1 and {max} days.").format(max=max_days)
        return None, [FieldError("expires_days", message)]
    return int(text), []


def token_context() -> dict[str, Any]:
    settings = get_settings()
    return {
        "max_days": settings.token_max_days,
        "default_days": min(settings.token_default_days, settings.token_max_days),
    }


def tokens_template(
    template: str,
    *,
    errors: list[FieldError] | None = None,
    values: dict[str, str] | None = None,
    issued: accounts.IssuedToken | None = None,
    status_code: int = 200,
    **context: Any,
) -> Template:
    errors = errors or []
    return Template(
        template_name=template,
        context={
            **token_context(),
            "errors": errors,
            "field_errors": {e.field: e.message for e in errors},
            "values": values or {},
            "issued": issued,
            **context,
        },
        status_code=status_code,
        headers=NO_STORE,
    )


async def _account_page(request: Request, status_code: int = 200, **context: Any) -> Template:
    actor = current_actor(request)
    return tokens_template(
        "auth/account.html",
        tokens=await accounts.list_tokens(actor, own=True),
        revoked=request.query_params.get("revoked") is not None,
        status_code=status_code,
        **context,
    )


@get(
    "/{lang:str}/account",
    guards=[known_language, page_requires()],
    include_in_schema=False,
    name="account",
)
async def account_page(request: Request, lang: FromPath[str]) -> Template:
    return await _account_page(request)


@post(
    "/{lang:str}/account/tokens",
    guards=[known_language, page_requires()],
    include_in_schema=False,
    status_code=200,
)
async def account_token_create(
    request: Request, lang: FromPath[str], data: Annotated[TokenForm, Form]
) -> Template:
    actor = current_actor(request)
    values = {"name": data.name, "expires_days": data.expires_days}
    days, errors = token_days(data.expires_days)
    if errors or days is None:
        return await _account_page(request, 422, errors=errors, values=values)
    try:
        issued = await accounts.issue_token(actor.user_id or -1, days, data.name, actor)
    except Problem as problem:
        return await _account_page(
            request, problem.status_code, errors=problem.errors, values=values
        )
    return await _account_page(request, issued=issued)


@post(
    "/{lang:str}/account/tokens/{token_id:int}/revoke",
    guards=[known_language, page_requires()],
    include_in_schema=False,
    status_code=303,
)
async def account_token_revoke(
    request: Request, lang: FromPath[str], token_id: FromPath[int]
) -> Redirect | Template:
    try:
        await accounts.revoke_token_by_id(current_actor(request), token_id, own=True)
    except Problem as problem:
        return await _account_page(request, problem.status_code, errors=problem.errors)
    return Redirect(f"/{lang}/account?revoked=1", status_code=303)


ACCOUNT_ROUTES = [account_page, account_token_create, account_token_revoke]
