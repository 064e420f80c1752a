"""Where a story's recording and subtitles are kept in the storage: every file of a story
under one prefix, so an erasure deletes them all at once."""

from __future__ import annotations

from civicfutures.storage.objects import Storage, get_storage

PREFIX = "recordings"


def story_prefix(story_id: int) -> str:
    return f"{PREFIX}/story-{int(story_id)}"


async def delete_story_media(story_ids: list[int], storage: Storage | None = None) -> int:
    """Delete the stored recordings and subtitles of these stories (their rows went with an
    erasure); how many objects."""
    storage = storage or get_storage()
    removed = 0
    for story_id in story_ids:
        removed += await storage.delete_prefix(story_prefix(story_id))
    return removed
