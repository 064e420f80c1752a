"""Who is calling: bearer tokens for the API, session cookies for pages; guards on every route.

The API accepts only bearer tokens, never the session cookie: a page session then cannot be
replayed against the API from another site, and CSRF protection can leave the API out.
"""

from __future__ import annotations

from urllib.parse import quote

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from civicfutures.auth.accounts import actor_for_session, actor_for_token
from civicfutures.auth.actor import Actor
from civicfutures.i18n import DEFAULT_LOCALE

# The session cookie holds only this: the id of a server-side session (`auth/sessions.py`).
SESSION_ID_KEY = "sid"

ANONYMOUS = Actor(user_id=None, label="anonymous", roles=frozenset(), site_ids=frozenset())


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


class TokenAuthentication(AbstractAuthenticationMiddleware):
    """Resolves a bearer token (API) or the session's user (pages) to an Actor.

    Without credentials the caller is anonymous; routes decide through their guards what
    anonymous callers get (401 for the API, a redirect to sign-in for pages).
    """

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            actor = await actor_for_token(token.strip())
            if actor is None:
                raise NotAuthorizedException("invalid or expired token")
            return AuthenticationResult(user=actor, auth="token")
        if not is_api_path(connection.url.path):
            session = connection.scope.get("session") or {}
            session_id = session.get(SESSION_ID_KEY) if isinstance(session, dict) else None
            if isinstance(session_id, str):
                actor = await actor_for_session(session_id)
                if actor is not None:
                    return AuthenticationResult(user=actor, auth="session")
        return AuthenticationResult(user=ANONYMOUS, auth=None)


def current_actor(connection: ASGIConnection) -> Actor:
    user = connection.scope.get("user")
    return user if isinstance(user, Actor) else ANONYMOUS


# Guards are coroutines: Litestar runs a plain function guard in a worker thread, a hand-off
# that costs more than the check itself on every request.


def requires(*roles: str):
    """A guard: the caller is signed in and holds one of the roles (admin always passes)."""

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        actor = current_actor(connection)
        if actor.user_id is None and not actor.is_admin:
            raise NotAuthorizedException()
        if roles and not actor.has_any(*roles):
            raise PermissionDeniedException()

    guard.roles = roles  # type: ignore[attr-defined]
    return guard


class SignInRequired(Exception):
    """A page was opened without a session; answered with a redirect to the sign-in page."""

    def __init__(self, login_url: str) -> None:
        super().__init__(login_url)
        self.login_url = login_url


def login_url_for(connection: ASGIConnection) -> str:
    locale = (connection.scope.get("state") or {}).get("locale", DEFAULT_LOCALE)
    target = connection.url.path + (f"?{connection.url.query}" if connection.url.query else "")
    return f"/{locale}/login?next={quote(target, safe='/')}"


def page_requires(*roles: str):
    """A page guard: anonymous visitors go to sign-in; signed-in users need one of the roles."""

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        actor = current_actor(connection)
        if actor.user_id is None:
            raise SignInRequired(login_url_for(connection))
        if roles and not actor.has_any(*roles):
            raise PermissionDeniedException()

    guard.roles = roles  # type: ignore[attr-defined]
    guard.page = True  # type: ignore[attr-defined]
    return guard


async def public(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The guard of routes anyone may call (health, the API schema)."""


signed_in = requires()
any_role = requires("partner", "researcher", "author")
readers = requires("partner", "researcher", "author")
writers = requires("partner")
admins = requires("admin")
# The codebook is kept by those who code with it: researchers (and admins).
codebook_editors = requires("researcher")
