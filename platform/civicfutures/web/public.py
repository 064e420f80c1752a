"""Answers anyone may read and any cache may keep: no cookies, an ETag from the bytes served.

Public pages are rendered the same for every visitor (no account, no session, no CSRF token),
so a reverse proxy or CDN may store them. Their ETag is a digest of the body, so every process
computes the same one from the same data, and a withdrawal, which changes the body (or turns
it into a 410), changes the ETag at once; `no-cache` makes every cache ask again before reuse.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from litestar import Request, Response
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

# Paths that never read or write a session or CSRF cookie (kept out of both middlewares).
PUBLIC_PATHS = (r"^/[^/]+/archive/", r"^/archive/", r"^/sitemap\.xml$")
_PUBLIC = re.compile("|".join(PUBLIC_PATHS))
CACHE_CONTROL = "public, no-cache"
STATE_KEY = "public_page"


def is_public_path(path: str) -> bool:
    return bool(_PUBLIC.match(path))


def mark_public(request: Request) -> None:
    """This answer goes to anyone: `drop_cookies_on_public_answers` removes any cookie from it."""
    request.scope.setdefault("state", {})[STATE_KEY] = True


def etag_of(body: bytes, media_type: str) -> str:
    return '"' + hashlib.sha256(media_type.encode() + b"\0" + body).hexdigest()[:40] + '"'


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return etag in (item.strip().removeprefix("W/") for item in header.split(","))


def cached_answer(
    request: Request,
    body: bytes,
    media_type: str,
    status_code: int = 200,
    etag: str | None = None,
) -> Response:
    """The body with its ETag (computed unless given) and caching headers, or 304 when the
    client already holds it."""
    mark_public(request)
    etag = etag or etag_of(body, media_type)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if status_code == 200 and _matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=304, headers=headers)
    return Response(content=body, status_code=status_code, media_type=media_type, headers=headers)


def render_page(request: Request, template: str, **context: Any) -> bytes:
    """A page as bytes, rendered with the public layout (no account, no forms that post)."""
    engine = request.app.template_engine
    assert engine is not None
    html = engine.get_template(template).render(request=request, public_page=True, **context)
    return html.encode("utf-8")


async def drop_cookies_on_public_answers(message: Message, scope: Scope) -> None:
    """A `before_send` hook: a public answer never sets a cookie (not even the CSRF cookie),
    so that it can be shared and cached and nobody is tracked by reading it."""
    if message["type"] != "http.response.start":
        return
    state = scope.get("state") or {}
    if state.get(STATE_KEY) or is_public_path(scope.get("path", "")):
        headers = MutableScopeHeaders.from_message(message)
        del headers["set-cookie"]
