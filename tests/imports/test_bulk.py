"""An import's rows, written in bulk (COPY under ids taken beforehand on PostgreSQL): all of
them or none, each row under the ids of the rows it references, and no id another writer has."""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt

import pytest

from civicfutures.auth.actor import SYSTEM
from civicfutures.db.sql import fetch
from civicfutures.db.tables import (
    Story,
    Translation,
    Workshop,
)
from civicfutures.imports import service
from civicfutures.imports.service import ImportService
from civicfutures.imports.sources import SourceFile
from civicfutures.search.index import StoryText, tables
from imports.spreadsheets import csv_bytes
from imports.stored import counts as stored_counts


class WriteFailed(Exception):
    """Raised inside the import's transaction once every row is written."""


def stories(polish_rows: list[list[object]], count: int = 6) -> list[list[object]]:
    """`count` stories alternating the two template rows: a stored storyteller with a
    translation and one theme, a new storyteller at a new workshop with two themes."""
    header, stored, new = polish_rows
    rows = [header]
    for n in range(count):
        row = list(stored if n % 2 == 0 else new)
        row[9], row[10] = f"Historia {n}", f"Treść historii numer {n}: żółw i łódź."
        rows.append(row)
    return rows


async def counts() -> dict[str, int]:
    """Rows per table, the search index's included."""
    found = await stored_counts()
    for name in tables():
        found[name] = (await fetch(f"SELECT count(*) AS n FROM {name}"))[0]["n"]
    return found


async def commit(rows: list[list[object]], written=None):
    service = ImportService()
    source = SourceFile(name="stories.csv", data=csv_bytes(rows))
    prepared = await service.prepare(SYSTEM, source, "futures", "gdansk")
    return await service.commit(prepared, written=written)


async def stored_stories() -> dict[str, dict[str, object]]:
    """Each story by its title: its id, storytellers' codes, themes' keys, translation."""
    found: dict[str, dict[str, object]] = {}
    for story in await Story.select(Story.id, Story.title).order_by(Story.id):
        found[story["title"]] = {"id": story["id"]}
    for row in await fetch(
        "SELECT story.title, storyteller.code FROM story_storyteller "
        "JOIN story ON story.id = story_storyteller.story "
        "JOIN storyteller ON storyteller.id = story_storyteller.storyteller"
    ):
        found[row["title"]].setdefault("codes", []).append(row["code"])
    for row in await fetch(
        "SELECT story.title, theme.key FROM coding JOIN story ON story.id = coding.story "
        "JOIN theme ON theme.id = coding.theme"
    ):
        found[row["title"]].setdefault("themes", []).append(row["key"])
    for row in await fetch(
        "SELECT story.title, translation.language FROM translation "
        "JOIN story ON story.id = translation.story"
    ):
        found[row["title"]]["translation"] = row["language"]
    for story in found.values():
        for key in ("codes", "themes"):
            story[key] = sorted(story.get(key, []))
    return found


async def test_a_failure_after_the_rows_leaves_nothing_and_a_retry_writes_each_row_once(
    world, polish_rows
):
    rows = stories(polish_rows)
    before = await counts()

    async def fail(_report) -> None:
        raise WriteFailed

    with pytest.raises(WriteFailed):
        await commit(rows, written=fail)
    assert await counts() == before

    report = await commit(rows)
    assert report.created.stories == 6 and report.created.storytellers == 1
    assert report.created.workshops == 1
    assert report.created.translations == 3 and report.created.codings == 9
    after = await counts()
    assert after["story"] == before["story"] + 6
    for name in tables():
        assert after[name] == before[name] + 6
    # Stories one new event each, the new storyteller and workshop one, the import one.
    assert after["audit_event"] == before["audit_event"] + 6 + 1 + 1 + 1
    stored = await stored_stories()
    titles = [f"Historia {n}" for n in range(6)]
    # Ids ascend in the file's order.
    assert sorted(titles, key=lambda title: stored[title]["id"]) == titles
    for n, title in enumerate(titles):
        story = stored[title]
        if n % 2 == 0:
            assert story["codes"] == ["GDANSK-1"]
            assert story["themes"] == ["youth_voice"]
            assert story["translation"] == "en"
        else:
            assert story["codes"] == ["GDA-NEW-7"]
            assert story["themes"] == ["digital_tools", "youth_voice"]
            assert "translation" not in story

    again = await commit(rows)
    assert again.created.stories == 0 and again.existing.stories == 6
    # Only the import's own event is written again.
    assert await counts() == {**after, "audit_event": after["audit_event"] + 1}


@pytest.mark.parametrize("per_chunk", [4, service.FOLDED_PER_CHUNK])
async def test_the_index_holds_each_story_as_written(
    world, polish_rows, engine_name, per_chunk, monkeypatch
):
    # Four a chunk: the six stories' index rows are written in two chunks, the second shorter.
    monkeypatch.setattr(service, "FOLDED_PER_CHUNK", per_chunk)
    await commit(stories(polish_rows))
    texts = {
        story["id"]: [story["title"], story["body"], []]
        for story in await Story.select(Story.id, Story.title, Story.body)
    }
    for translation in await Translation.select(
        Translation.story, Translation.title, Translation.body
    ):
        texts[translation["story"]][2].append((translation["title"], translation["body"]))
    expected = sorted(
        StoryText(story_id, title, body, tuple(translations)).folded()
        for story_id, (title, body, translations) in texts.items()
    )
    if engine_name == "sqlite":
        rows = await fetch("SELECT rowid AS story, title, body FROM story_search")
        assert sorted((row["story"], row["title"], row["body"]) for row in rows) == expected
        return
    rows = await fetch(
        "SELECT story, title, body, "
        "document = setweight(to_tsvector('simple', title), 'A') "
        "|| setweight(to_tsvector('simple', body), 'B') AS document_as_folded, "
        "(SELECT lexemes FROM story_lexemes WHERE story_lexemes.story = story_search.story) "
        "= strip(to_tsvector('simple', title) || to_tsvector('simple', body)) AS lexemes_as_folded "
        "FROM story_search"
    )
    assert sorted((row["story"], row["title"], row["body"]) for row in rows) == expected
    assert all(row["document_as_folded"] and row["lexemes_as_folded"] for row in rows)


async def test_an_id_taken_by_another_writer_meanwhile_is_never_the_imports(
    world, polish_rows, engine_name
):
    site = world["sites"]["gdansk"]["id"]

    async def another_workshop() -> int:
        rows = await Workshop.insert(
            Workshop(site=site, held_on=dt.date(2025, 6, 1), kind="storytelling", language="pl")
        ).returning(Workshop.id)
        return rows[0]["id"]

    writer: list[asyncio.Task[int]] = []

    async def meanwhile(_report) -> None:
        # Its own context: its own connection and transaction, not the import's.
        task = asyncio.create_task(another_workshop(), context=contextvars.Context())
        writer.append(task)
        if engine_name == "postgresql":
            # It commits while the import, its rows written, is still open; SQLite's writer
            # waits for the import's lock instead.
            await task

    report = await commit(stories(polish_rows), written=meanwhile)
    other = await writer[0]
    assert report.created.workshops == 1 and report.created.stories == 6
    # The import's workshop and the fixture's: all taken before the other writer's.
    earlier = [row["id"] for row in await Workshop.select(Workshop.id).where(Workshop.id != other)]
    assert len(earlier) == 3 and other > max(earlier)
