"""Answers a GET for a stored object: streamed, with `Accept-Ranges`, `ETag`, and 206 Partial
Content or 416 Range Not Satisfiable when the request carries a `Range` header; 304 when
`If-None-Match` names the stored version."""

from __future__ import annotations

from litestar import Request
from litestar.response import Response, Stream

from civicfutures.storage.objects import ObjectInfo, Storage
from civicfutures.storage.ranges import Unsatisfiable, parse_range


def _if_range_matches(request: Request, info: ObjectInfo) -> bool:
    """An `If-Range` naming another version of the object asks for the whole new one."""
    value = request.headers.get("if-range")
    return value is None or value.strip() == f'"{info.etag}"'


def _already_held(request: Request, info: ObjectInfo) -> bool:
    """`If-None-Match` names this version (or `*`): the client's copy is current."""
    value = request.headers.get("if-none-match")
    if not value:
        return False
    held = {item.strip().removeprefix("W/") for item in value.split(",")}
    return "*" in held or f'"{info.etag}"' in held


async def object_response(
    request: Request,
    storage: Storage,
    info: ObjectInfo,
    media_type: str,
    headers: dict[str, str] | None = None,
) -> Response | Stream:
    """The object `info` as a 200, 206 or 416 answer; `headers` are added to each."""
    common = {
        **(headers or {}),
        "Accept-Ranges": "bytes",
        "ETag": f'"{info.etag}"',
    }
    if _already_held(request, info):
        return Response(b"", status_code=304, headers=common)
    try:
        wanted = (
            parse_range(request.headers.get("range"), info.size)
            if _if_range_matches(request, info)
            else None
        )
    except Unsatisfiable:
        return Response(
            b"",
            status_code=416,
            media_type=media_type,
            headers={**common, "Content-Range": f"bytes */{info.size}"},
        )
    if wanted is None:
        body = await storage.stream(info.key) if info.size else _empty()
        return Stream(
            body, media_type=media_type, headers={**common, "Content-Length": str(info.size)}
        )
    return Stream(
        await storage.stream(info.key, wanted.start, wanted.end + 1),
        status_code=206,
        media_type=media_type,
        headers={
            **common,
            "Content-Length": str(wanted.length),
            "Content-Range": wanted.content_range(info.size),
        },
    )


async def _empty():
    if False:
        yield b""
