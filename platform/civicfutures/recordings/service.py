"""Keeps a story's recording and subtitles: checks who may upload, reads the upload within its
limit into a local spool file, checks it, stores it and records it in one transaction.

The bytes go to the storage before the row is written; a failed transaction deletes them, so
no row ever names a missing object. A replaced file is deleted once the new row is committed
(the new object has its own key, so a reader of the old one is never served half of each).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import msgspec

from civicfutures import audit
from civicfutures.archive.service import ArchiveService, story_gone
from civicfutures.auth.actor import VISITOR, Actor
from civicfutures.consent import readable_stories
from civicfutures.db.tables import Story, StoryMedia
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import FieldError, InvalidInput, NotFound, TooLarge
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_number
from civicfutures.intake.people_service import require_site_write
from civicfutures.intake.validation import canonical_language
from civicfutures.recordings.files import story_prefix
from civicfutures.recordings.sniffing import HEAD_BYTES, is_video, sniff
from civicfutures.recordings.subtitles import FIELD as SUBTITLES_FIELD
from civicfutures.recordings.subtitles import check_webvtt
from civicfutures.settings import get_settings
from civicfutures.storage.objects import ObjectInfo, get_storage

RECORDING, SUBTITLES = "recording", "subtitles"
SUBTITLES_MAX_BYTES = 1024 * 1024


class MediaOut(msgspec.Struct):
    """A stored recording or subtitles file of a story."""

    story: int
    kind: str
    language: str
    media_type: str
    size: int
    sha256: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Player:
    """A public story's recording as its page plays it."""

    media_type: str
    video: bool
    subtitles: list[str]


def _out(row: dict) -> MediaOut:
    return MediaOut(
        story=row["story"],
        kind=row["kind"],
        language=row["language"],
        media_type=row["media_type"],
        size=row["size"],
        sha256=row["sha256"],
        created_at=row["created_at"],
    )


def megabytes(limit: int) -> str:
    return format_number(round(limit / (1024 * 1024), 1))


async def _spool(chunks: AsyncIterable[bytes], limit: int, field: str) -> tuple[Path, int, str]:
    """The upload in a local temporary file, its size and SHA-256; TooLarge past `limit`."""
    digest = hashlib.sha256()
    size = 0
    descriptor, name = tempfile.mkstemp(prefix="civicfutures-upload-")
    os.close(descriptor)
    path = Path(name)
    try:
        async with await anyio.open_file(path, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge(
                        _("The recording is too large."),
                        [
                            FieldError(
                                field,
                                _("A recording may be at most {size} MB.").format(
                                    size=megabytes(limit)
                                ),
                            )
                        ],
                    )
                digest.update(chunk)
                await out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, size, digest.hexdigest()


async def _writable_story(actor: Actor, story_id: int) -> dict:
    """The story when `actor` may change it: another site's story or a withdrawn storyteller's
    is not found (404), as for every other read."""
    row = (
        await Story.select(Story.id, Story.site, Story.language)
        .where(Story.id == story_id, readable_stories(actor))
        .first()
    )
    if row is None or not actor.sees_site(row["site"]):
        raise NotFound(
            _("No such story."), [FieldError("id", _("No story {id}.").format(id=story_id))]
        )
    require_site_write(actor, row["site"])
    return row


class RecordingService:
    def __init__(self) -> None:
        self.storage = get_storage()

    async def check_writable(self, actor: Actor, story_id: int) -> None:
        """NotFound or Forbidden unless `actor` may change the story's media."""
        await _writable_story(actor, story_id)

    async def upload_recording(
        self, actor: Actor, story_id: int, chunks: AsyncIterable[bytes]
    ) -> MediaOut:
        """Keep the story's recording (replacing any earlier one)."""
        await _writable_story(actor, story_id)
        limit = get_settings().recording_max_bytes
        path, _size, sha256 = await _spool(chunks, limit, RECORDING)
        try:
            async with await anyio.open_file(path, "rb") as spooled:
                head = await spooled.read(HEAD_BYTES)
            sniffed = sniff(head)
            if sniffed is None:
                raise InvalidInput(
                    _("The recording is not an audio or video file the archive plays."),
                    [
                        FieldError(
                            RECORDING,
                            _(
                                "Accepted recordings: MP3, M4A or MP4, Ogg or Opus, WebM and WAV; the type is read from the file's content, not its name."
                            ),
                        )
                    ],
                )
            media_type, extension = sniffed
            key = f"{story_prefix(story_id)}/recording-{sha256[:20]}.{extension}"
            info = await self.storage.put(key, path)
        finally:
            path.unlink(missing_ok=True)
        return await self._record(actor, story_id, RECORDING, "", media_type, info, sha256)

    async def put_subtitles(
        self, actor: Actor, story_id: int, language: str, data: bytes
    ) -> MediaOut:
        """Keep the story's subtitles in `language` (replacing earlier ones in it)."""
        await _writable_story(actor, story_id)
        tag = canonical_language(language)
        if tag is None:
            raise InvalidInput(
                _("The request has invalid fields."),
                [
                    FieldError(
                        "lang",
                        _(
                            "“{value}” is not a valid language tag (BCP 47), e.g. pl, et, vro."
                        ).format(value=language[:40]),
                    )
                ],
            )
        if len(data) > SUBTITLES_MAX_BYTES:
            raise TooLarge(
                _("The subtitles are too large."),
                [
                    FieldError(
                        SUBTITLES_FIELD,
                        _("Subtitles may be at most {size} MB.").format(
                            size=megabytes(SUBTITLES_MAX_BYTES)
                        ),
                    )
                ],
            )
        text = check_webvtt(data)
        sha256 = hashlib.sha256(text).hexdigest()
        key = f"{story_prefix(story_id)}/subtitles-{tag}-{sha256[:20]}.vtt"
        info = await self.storage.put(key, text)
        return await self._record(actor, story_id, SUBTITLES, tag, "text/vtt", info, sha256)

    async def _record(
        self,
        actor: Actor,
        story_id: int,
        kind: str,
        language: str,
        media_type: str,
        info: ObjectInfo,
        sha256: str,
    ) -> MediaOut:
        replaced: str | None = None
        try:
            async with write_transaction():
                await _writable_story(actor, story_id)
                same = (StoryMedia.story == story_id) & (StoryMedia.kind == kind)
                same &= StoryMedia.language == language
                old = await StoryMedia.select(StoryMedia.object_key).where(same).first()
                if old is not None:
                    replaced = old["object_key"]
                    await StoryMedia.delete().where(same)
                row = StoryMedia(
                    story=story_id,
                    kind=kind,
                    language=language,
                    media_type=media_type,
                    object_key=info.key,
                    size=info.size,
                    sha256=sha256,
                    uploaded_by=actor.user_id,
                    created_at=dt.datetime.now(dt.UTC),
                )
                await row.save()
                detail = {"kind": kind, "media_type": media_type, "size": info.size}
                if language:
                    detail["language"] = language
                if kind == RECORDING:
                    await audit.record(actor, "upload", "recording", story_id, detail=detail)
                else:
                    await audit.record(actor, "upload", "subtitles", story_id, detail=detail)
        except BaseException:
            if replaced != info.key:
                await self.storage.delete(info.key)
            raise
        if replaced is not None and replaced != info.key:
            await self.storage.delete(replaced)
        saved = await StoryMedia.select().where(StoryMedia.id == row.id).first()
        return _out(saved)

    async def of_story(self, actor: Actor, story_id: int) -> list[MediaOut]:
        """The story's recording and subtitles, for those who may change it."""
        await _writable_story(actor, story_id)
        rows = (
            await StoryMedia.select()
            .where(StoryMedia.story == story_id)
            .order_by(StoryMedia.kind)
            .order_by(StoryMedia.language)
        )
        return [_out(row) for row in rows]

    # ------------------------------------------------------------------ the public archive

    async def public_rows(self, project: str, story_id: int) -> list[dict]:
        """The story's media rows while the story is public (published archive, reviewed,
        every storyteller's archive consent); else 410, as for the story page."""
        found = await ArchiveService().project(project)
        visible = (
            await Story.select(Story.id)
            .where(
                Story.id == story_id,
                Story.site.project == found.id,
                readable_stories(VISITOR),
            )
            .first()
        )
        if visible is None:
            raise story_gone(story_id)
        return await StoryMedia.select().where(StoryMedia.story == story_id)

    async def player(self, story_id: int) -> Player | None:
        """What the page of a story already found public plays: its recording's type and the
        languages of its subtitles; None without a recording."""
        rows = await StoryMedia.select(
            StoryMedia.kind, StoryMedia.language, StoryMedia.media_type
        ).where(StoryMedia.story == story_id)
        recording = next((row for row in rows if row["kind"] == RECORDING), None)
        if recording is None:
            return None
        languages = sorted(row["language"] for row in rows if row["kind"] == SUBTITLES)
        return Player(recording["media_type"], is_video(recording["media_type"]), languages)

    async def public_object(
        self, project: str, story_id: int, kind: str, language: str = ""
    ) -> tuple[dict, ObjectInfo]:
        """A public story's recording or subtitles and their stored object; 404 when the
        story has none (in that language)."""
        for row in await self.public_rows(project, story_id):
            if row["kind"] == kind and row["language"] == language:
                return row, await self.storage.head(row["object_key"])
        raise NotFound(
            _("No such recording."),
            [FieldError(kind, _("Story {id} has no such file.").format(id=story_id))],
        )


async def request_chunks(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The request body as it arrives (empty chunks dropped)."""
    async for chunk in stream:
        if chunk:
            yield chunk
