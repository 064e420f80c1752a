"""`GET /health`: 200 when the database answers, 503 when it does not."""

from litestar import MediaType, Response, get

from civicfutures.db.lifecycle import database_answers
from civicfutures.web.auth import public


@get(
    "/health",
    guards=[public],
    tags=["operations"],
    summary="Liveness and database check",
    media_type=MediaType.JSON,
)
async def health() -> Response[dict[str, str]]:
    if await database_answers():
        return Response({"status": "ok"})
    return Response({"status": "unavailable"}, status_code=503, headers={"Retry-After": "2"})
