"""Who is calling: bearer tokens for the API; guards that every route declares."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from civicfutures.auth.accounts import actor_for_token
from civicfutures.auth.actor import Actor

ANONYMOUS = Actor(user_id=None, label="anonymous", roles=frozenset(), site_ids=frozenset())


class TokenAuthentication(AbstractAuthenticationMiddleware):
    """Resolves `Authorization: Bearer <token>` to an Actor; without one the caller is anonymous.

    Routes decide what anonymous callers get through their guards (401 for the API).
    """

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            actor = await actor_for_token(token.strip())
            if actor is None:
                raise NotAuthorizedException("invalid or expired token")
            return AuthenticationResult(user=actor, auth="token")
        return AuthenticationResult(user=ANONYMOUS, auth=None)


def current_actor(connection: ASGIConnection) -> Actor:
    user = connection.scope.get("user")
    return user if isinstance(user, Actor) else ANONYMOUS


def requires(*roles: str):
    """A guard: the caller is signed in and holds one of the roles (admin always passes)."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        actor = current_actor(connection)
        if actor.user_id is None and not actor.is_admin:
            raise NotAuthorizedException()
        if roles and not actor.has_any(*roles):
            raise PermissionDeniedException()

    guard.roles = roles  # type: ignore[attr-defined]
    return guard


def public(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The guard of routes anyone may call (health, the API schema)."""


signed_in = requires()
any_role = requires("partner", "researcher", "author")
readers = requires("partner", "researcher", "author")
writers = requires("partner")
admins = requires("admin")
