"""Administration pages (admins only): manage accounts and API tokens, read the audit log."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from msgspec import Struct

from civicfutures import audit as audit_log
from civicfutures.admin.labels import action_label, entity_label, role_label
from civicfutures.auth import accounts, records
from civicfutures.auth.actor import ROLES
from civicfutures.errors import FieldError, Problem
from civicfutures.i18n import gettext as _
from civicfutures.intake.setup_service import SetupService
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import known_language, page
from civicfutures.web.tokens import TokenForm, token_days, tokens_template

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
# The site picker's value for a membership on every site; an empty value is no choice made.
ALL_SITES = "*"


def _choices_made(role: str, site: str) -> list[FieldError]:
    """A role and a site are chosen on purpose: no picker starts on a powerful default."""
    errors = []
    if not role:
        errors.append(FieldError("role", _("Choose a role.")))
    if not site:
        errors.append(FieldError("site", _("Choose a site, or all sites.")))
    return errors


def _sites(site: str) -> list[str]:
    return [] if site == ALL_SITES else [site]


class NewUserForm(Struct, kw_only=True):
    email: str = ""
    password: str = ""
    role: str = ""
    site: str = ""


class PasswordForm(Struct, kw_only=True):
    password: str = ""


class GrantForm(Struct, kw_only=True):
    role: str = ""
    site: str = ""


class AdminPages(Controller):
    path = "/{lang:str}/admin"
    guards = [known_language, page_requires("admin")]
    include_in_schema = False

    async def _users_page(
        self,
        request: Request,
        errors: list | None = None,
        values: dict | None = None,
        status: int = 200,
    ) -> Template:
        actor = current_actor(request)
        return page(
            "admin/users.html",
            status_code=status,
            users=await accounts.list_users(actor),
            sites=await SetupService().list_sites(actor),
            roles=ROLES,
            role_label=role_label,
            all_sites=ALL_SITES,
            errors=errors or [],
            values=values or {},
        )

    @get("/users", name="admin_users")
    async def users(self, request: Request, lang: FromPath[str]) -> Template:
        return await self._users_page(request)

    @post("/users", status_code=303)
    async def create_user(
        self, request: Request, lang: FromPath[str], data: Annotated[NewUserForm, Form]
    ) -> Redirect | Template:
        values = {"email": data.email, "role": data.role, "site": data.site}
        errors = _choices_made(data.role, data.site)
        if errors:
            return await self._users_page(request, errors, values, 422)
        try:
            await accounts.create_user(
                data.email,
                data.role,
                _sites(data.site),
                password=data.password or None,
                actor=current_actor(request),
            )
        except Problem as problem:
            return await self._users_page(request, problem.errors, values, 422)
        return Redirect(f"/{lang}/admin/users", status_code=303)

    @post("/users/{user_id:int}/active", status_code=303)
    async def toggle_active(
        self, request: Request, lang: FromPath[str], user_id: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        await accounts.set_active(current_actor(request), user_id, form.get("active") == "1")
        return Redirect(f"/{lang}/admin/users", status_code=303)

    @post("/users/{user_id:int}/password", status_code=303)
    async def set_password(
        self,
        request: Request,
        lang: FromPath[str],
        user_id: FromPath[int],
        data: Annotated[PasswordForm, Form],
    ) -> Redirect | Template:
        try:
            await accounts.set_password(current_actor(request), user_id, data.password)
        except Problem as problem:
            errors = [
                FieldError(f"password-{user_id}", e.message) if e.field == "password" else e
                for e in problem.errors
            ]
            return await self._users_page(request, errors, status=422)
        return Redirect(f"/{lang}/admin/users", status_code=303)

    @post("/users/{user_id:int}/roles", status_code=303)
    async def grant(
        self,
        request: Request,
        lang: FromPath[str],
        user_id: FromPath[int],
        data: Annotated[GrantForm, Form],
    ) -> Redirect | Template:
        errors = _choices_made(data.role, data.site)
        if errors:
            return await self._users_page(request, errors, status=422)
        try:
            await accounts.add_membership(
                current_actor(request), user_id, data.role, (_sites(data.site) or [None])[0]
            )
        except Problem as problem:
            return await self._users_page(request, problem.errors, status=422)
        return Redirect(f"/{lang}/admin/users", status_code=303)

    @post("/memberships/{membership_id:int}/delete", status_code=303)
    async def revoke_role(
        self, request: Request, lang: FromPath[str], membership_id: FromPath[int]
    ) -> Redirect:
        await accounts.remove_membership(current_actor(request), membership_id)
        return Redirect(f"/{lang}/admin/users", status_code=303)

    async def _tokens_page(self, request: Request, status_code: int = 200, **context) -> Template:
        actor = current_actor(request)
        users = await accounts.list_users(actor)
        return tokens_template(
            "admin/tokens.html",
            tokens=await accounts.list_tokens(actor),
            users=users,
            revoked=request.query_params.get("revoked") is not None,
            status_code=status_code,
            **context,
        )

    @get("/tokens", name="admin_tokens")
    async def tokens(self, request: Request, lang: FromPath[str]) -> Template:
        return await self._tokens_page(request)

    @post("/tokens", status_code=200)
    async def create_token(
        self, request: Request, lang: FromPath[str], data: Annotated[TokenForm, Form]
    ) -> Template:
        """The token is in this answer only: it is never stored, so never shown again."""
        values = {"user": data.user, "name": data.name, "expires_days": data.expires_days}
        errors = []
        user = data.user.strip()
        if not (user.isascii() and user.isdigit() and len(user) <= 10):
            errors.append(FieldError("user", _("Choose the account the token is for.")))
        days, day_errors = token_days(data.expires_days)
        errors += day_errors
        if errors or days is None:
            return await self._tokens_page(request, 422, errors=errors, values=values)
        try:
            issued = await accounts.issue_token(int(user), days, data.name, current_actor(request))
        except Problem as problem:
            return await self._tokens_page(
                request, problem.status_code, errors=problem.errors, values=values
            )
        return await self._tokens_page(request, issued=issued)

    @post("/tokens/{token_id:int}/revoke", status_code=303)
    async def revoke_token(
        self, request: Request, lang: FromPath[str], token_id: FromPath[int]
    ) -> Redirect | Template:
        try:
            await accounts.revoke_token_by_id(current_actor(request), token_id)
        except Problem as problem:
            return await self._tokens_page(request, problem.status_code, errors=problem.errors)
        return Redirect(f"/{lang}/admin/tokens?revoked=1", status_code=303)

    @get("/audit", name="admin_audit")
    async def audit(
        self,
        request: Request,
        lang: FromPath[str],
        actor: FromQuery[str] = "",
        entity: FromQuery[str] = "",
        entity_id: FromQuery[str] = "",
        action: FromQuery[str] = "",
        date_from: Annotated[str, QueryParameter(name="from")] = "",
        date_to: Annotated[str, QueryParameter(name="to")] = "",
        page_number: Annotated[str, QueryParameter(name="page")] = "",
    ) -> Template:
        filters = records.AuditFilters(
            actor=actor,
            entity=entity,
            entity_id=entity_id,
            action=action,
            date_from=date_from,
            date_to=date_to,
            page=page_number,
        )
        context = {
            "filters": filters,
            "entities": audit_log.ENTITIES,
            "actions": audit_log.ACTIONS,
            "entity_label": entity_label,
            "action_label": action_label,
        }
        try:
            events = await records.audit_log(current_actor(request), filters)
        except Problem as problem:
            return page(
                "admin/audit.html",
                status_code=problem.status_code,
                events=None,
                errors=problem.errors,
                field_errors={e.field: e.message for e in problem.errors},
                **context,
            )
        return page(
            "admin/audit.html",
            events=events,
            errors=[],
            field_errors={},
            query=_audit_query(filters),
            **context,
        )


def _audit_query(filters: records.AuditFilters) -> str:
    """The filters as a query string for the pager's links (without the page)."""
    pairs = {
        "actor": filters.actor,
        "entity": filters.entity,
        "entity_id": filters.entity_id,
        "action": filters.action,
        "from": filters.date_from,
        "to": filters.date_to,
    }
    return urlencode({k: v for k, v in pairs.items() if v})
