"""201 answers for POSTs, made idempotent by the `Idempotency-Key` header."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import msgspec
from litestar import MediaType, Request, Response

from civicfutures.idempotency import run_once
from civicfutures.web.auth import current_actor


async def created(
    request: Request,
    resource_type: str,
    create: Callable[[], Awaitable[msgspec.Struct]],
    reread: Callable[[str], Awaitable[msgspec.Struct]],
) -> Response:
    """Run `create` once per key; a retry with the same key and body gets the resource as it
    is now (`reread` by its id), or 410 when it was withdrawn or erased."""
    key = request.headers.get("idempotency-key")
    if not key:
        return Response(content=await create(), status_code=201, media_type=MediaType.JSON)
    actor = current_actor(request)
    scope = f"{actor.user_id or actor.label}:{request.url.path}"
    answer = await run_once(
        scope, key.strip()[:200], await request.body(), resource_type, create, reread
    )
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    return Response(
        content=answer.body,
        status_code=answer.status_code,
        media_type=MediaType.JSON,
        headers=headers,
    )
