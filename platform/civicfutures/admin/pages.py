"""Administration pages (admins only): manage accounts and read the audit log."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from msgspec import Struct

from civicfutures.auth import accounts, records
from civicfutures.auth.actor import ROLES
from civicfutures.errors import FieldError, Problem
from civicfutures.intake.setup_service import SetupService
from civicfutures.pages.common import PAGE_EXCEPTION_HANDLERS, known_language, page
from civicfutures.web.auth import current_actor, page_requires

Form = Body(media_type=RequestEncodingType.URL_ENCODED)


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
    exception_handlers = PAGE_EXCEPTION_HANDLERS
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
        try:
            await accounts.create_user(
                data.email,
                data.role,
                [data.site] if data.site else [],
                password=data.password or None,
                actor=current_actor(request),
            )
        except Problem as problem:
            return await self._users_page(
                request,
                problem.errors,
                {"email": data.email, "role": data.role, "site": data.site},
                422,
            )
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
        try:
            await accounts.add_membership(
                current_actor(request), user_id, data.role, data.site or None
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

    @post("/tokens/{token_id:int}/revoke", status_code=303)
    async def revoke_token(
        self, request: Request, lang: FromPath[str], token_id: FromPath[int]
    ) -> Redirect:
        await accounts.revoke_token_by_id(current_actor(request), token_id)
        return Redirect(f"/{lang}/admin/users", status_code=303)

    @get("/audit", name="admin_audit")
    async def audit(
        self,
        request: Request,
        lang: FromPath[str],
        entity: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
    ) -> Template:
        events = await records.audit_events(
            current_actor(request), entity=entity or None, limit=100, cursor=cursor
        )
        return page("admin/audit.html", events=events, entity=entity or "")
