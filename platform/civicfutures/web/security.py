"""Security headers on every answer."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

# No inline script anywhere; styles come from our own stylesheet.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Briefings are single self-contained files with inline styles and inline SVG, never scripts.
DOCUMENT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "script-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# The API viewers under /schema: our own copies of their scripts, which start from an inline
# script and inject their styles; nothing from another host.
SCHEMA_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


def csp_for(path: str) -> str:
    if path.startswith("/schema"):
        return SCHEMA_CSP
    if "/files/" in path and path.startswith("/api/v1/briefings/"):
        return DOCUMENT_CSP
    return STRICT_CSP


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A `before_send` hook: it sees every answer, routing errors (404, 405) included.

    A coroutine, because Litestar runs a plain function hook in a worker thread, twice per
    answer (its start and its body).
    """
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in BASE_HEADERS.items():
        headers[name] = value
    if "content-security-policy" not in headers:
        headers["content-security-policy"] = csp_for(scope.get("path", ""))
