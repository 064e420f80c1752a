"""One log line and one set of metric samples per request, and the log format of the process.

The request's line names its id, method, route template, status, duration and the acting
account's id, and nothing else about it: no raw path (it may carry codes), no query string,
no body, no name or e-mail address, so story text and storyteller codes never reach the logs.

`observe(app)` wraps Litestar's whole ASGI handler rather than joining the middleware list:
app middleware runs only for requests that matched a route, so 404s, 405s and answers of the
exception handler would go unlogged and uncounted.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import TYPE_CHECKING

import structlog
from litestar.datastructures import MutableScopeHeaders
from litestar.logging.config import LoggingConfig

from civicfutures.auth.actor import Actor
from civicfutures.web.metrics import IN_FLIGHT, LATENCY, REQUESTS, sample_database_pool

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from civicfutures.settings import Settings

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only when it looks like an id: a client must not write arbitrary
# (or huge) text into our logs and answers.
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"
"""The route label of requests no route answered (their raw paths are anyone's to invent)."""

request_log = logging.getLogger("civicfutures.requests")


def request_id_from(scope: Scope) -> str:
    """The caller's `X-Request-ID` when well-formed, else a new one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _WELL_FORMED_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class RequestObserver:
    """ASGI wrapper: gives each request an id, echoes it, then logs and counts the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500  # what the server answers when the app ends without a response

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        started = time.perf_counter()
        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            IN_FLIGHT.dec()
            duration = time.perf_counter() - started
            route = scope.get("path_template") or UNMATCHED
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            REQUESTS.labels(route, method, str(status)).inc()
            LATENCY.labels(route, method, str(status)).observe(duration)
            sample_database_pool()
            user = scope.get("user")
            request_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(duration * 1000, 2),
                    "actor_id": user.user_id if isinstance(user, Actor) else None,
                },
            )


def observe(app: Litestar) -> Litestar:
    """The app, with every HTTP request observed (see the module's docstring for why here)."""
    app.asgi_handler = RequestObserver(app.asgi_handler)
    return app


def log_formatter(log_format: str) -> logging.Formatter:
    """Records of every logger as JSON lines (`json`) or readable lines (`text`)."""
    renderer = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def logging_config(settings: Settings) -> LoggingConfig:
    """Litestar's logging set-up with every logger's records in the configured format."""
    if settings.log_format not in {"json", "text"}:
        raise ValueError(
            f"CIVICFUTURES_LOG_FORMAT must be `json` or `text`, not {settings.log_format!r}"
        )
    level = "DEBUG" if settings.debug else "INFO"
    return LoggingConfig(
        # Litestar's `standard` formatter serves its console and queue handlers.
        formatters={"standard": {"()": log_formatter, "log_format": settings.log_format}},
        root={"handlers": ["queue_listener"], "level": level},
        loggers={
            "litestar": {"level": level, "handlers": ["queue_listener"], "propagate": False},
            "httpx": {"level": "WARNING"},
        },
    )
