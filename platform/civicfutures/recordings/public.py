"""The public archive's media: a public story's recording and subtitles, streamed with HTTP
ranges, no cookies, and 410 once the story leaves the archive (as its page)."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.params import FromPath
from litestar.response import Stream

from civicfutures.archive.service import story_gone
from civicfutures.recordings.service import RECORDING, SUBTITLES, RecordingService
from civicfutures.storage.downloads import object_response
from civicfutures.web.auth import public
from civicfutures.web.public import CACHE_CONTROL, mark_public

STORY_ID_MAX = 2_147_483_647
# A story page of one origin only: the media are no hotlinks for other sites' players.
HEADERS = {"Cache-Control": CACHE_CONTROL, "Cross-Origin-Resource-Policy": "same-origin"}


def _checked(story_id: int) -> None:
    if not 1 <= story_id <= STORY_ID_MAX:
        raise story_gone(story_id)


@get(
    "/archive/{project:str}/stories/{story_id:int}/recording",
    guards=[public],
    name="archive_recording",
    include_in_schema=False,
)
async def archive_recording(
    request: Request, project: FromPath[str], story_id: FromPath[int]
) -> Response | Stream:
    """A public story's recording (200, 206 with a `Range`, 416 past its end)."""
    mark_public(request)
    _checked(story_id)
    service = RecordingService()
    row, info = await service.public_object(project, story_id, RECORDING)
    return await object_response(request, service.storage, info, row["media_type"], HEADERS)


@get(
    "/archive/{project:str}/stories/{story_id:int}/subtitles/{language:str}",
    guards=[public],
    name="archive_subtitles",
    include_in_schema=False,
)
async def archive_subtitles(
    request: Request, project: FromPath[str], story_id: FromPath[int], language: FromPath[str]
) -> Response | Stream:
    """A public story's WebVTT subtitles in one language."""
    mark_public(request)
    _checked(story_id)
    service = RecordingService()
    _row, info = await service.public_object(project, story_id, SUBTITLES, language)
    return await object_response(request, service.storage, info, "text/vtt; charset=utf-8", HEADERS)


PUBLIC_MEDIA_ROUTES = [archive_recording, archive_subtitles]
