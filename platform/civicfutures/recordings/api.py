"""`POST /api/v1/stories/{id}/recording` and `PUT /api/v1/stories/{id}/subtitles/{lang}`: a
story's recording (the raw bytes as the body, any type header: the type is read from the
content) and its WebVTT subtitles; `GET /api/v1/stories/{id}/media` lists both."""

from __future__ import annotations

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from civicfutures.auth.actor import Actor
from civicfutures.intake import schemas as s
from civicfutures.intake.api import ACTOR, IdPath
from civicfutures.recordings.service import (
    SUBTITLES_MAX_BYTES,
    MediaOut,
    RecordingService,
    request_chunks,
)
from civicfutures.web.auth import readers, writers


class RecordingController(Controller):
    path = "/api/v1/stories"
    tags = ["stories"]
    dependencies = {**ACTOR, "recordings": Provide(RecordingService, sync_to_thread=False)}

    @post(
        "/{story_id:int}/recording",
        responses=s.ERROR_RESPONSES,
        guards=[writers],
        status_code=201,
        # The service counts the streamed body against CIVICFUTURES_RECORDING_MAX_BYTES.
        request_max_body_size=None,
        summary="Upload a story's audio or video recording (the raw file as the body)",
    )
    async def upload_recording(
        self,
        request: Request,
        recordings: NamedDependency[RecordingService],
        actor: NamedDependency[Actor],
        story_id: IdPath,
    ) -> MediaOut:
        return await recordings.upload_recording(actor, story_id, request_chunks(request.stream()))

    @put(
        "/{story_id:int}/subtitles/{lang:str}",
        responses=s.ERROR_RESPONSES,
        guards=[writers],
        request_max_body_size=SUBTITLES_MAX_BYTES,
        summary="Upload a story's WebVTT subtitles in one language (the file as the body)",
    )
    async def put_subtitles(
        self,
        request: Request,
        recordings: NamedDependency[RecordingService],
        actor: NamedDependency[Actor],
        story_id: IdPath,
        lang: FromPath[str],
    ) -> MediaOut:
        return await recordings.put_subtitles(actor, story_id, lang, await request.body())

    @get(
        "/{story_id:int}/media",
        responses=s.ERROR_RESPONSES,
        guards=[readers],
        summary="A story's recording and subtitles files",
    )
    async def list_media(
        self,
        recordings: NamedDependency[RecordingService],
        actor: NamedDependency[Actor],
        story_id: IdPath,
    ) -> list[MediaOut]:
        return await recordings.of_story(actor, story_id)
