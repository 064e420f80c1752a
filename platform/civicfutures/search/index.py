"""The search index, written in the same transaction as the stories it describes.

One row per story: `title` holds the folded words of the story's title and its translations'
titles, `body` those of the bodies. SQLite keeps them in the FTS5 table `story_search` (rowid
= story id; tokenizer `unicode61 remove_diacritics 2`, a second line of defence behind the
folding); PostgreSQL in the table `story_search` (`story`, `title`, `body`, and `document`,
the `simple` tsvector of both with the title weighted A, under a GIN index).

Callers pass the texts they have just written rather than have them read again: on
PostgreSQL some rows are held back until just before the commit (`db.sql.write_later`), and
so are the index rows, which must follow the story they reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from civicfutures.db.lifecycle import engine
from civicfutures.db.sql import fetch, placeholders, write_later
from civicfutures.search.text import index_text

ROWS_PER_STATEMENT = 500


@dataclass(frozen=True)
class StoryText:
    """The words one story is found by: its own title and body and its translations'."""

    id: int
    title: str
    body: str
    translations: Sequence[tuple[str, str]] = field(default_factory=tuple)

    def folded(self) -> tuple[int, str, str]:
        titles = [self.title, *(title for title, _ in self.translations)]
        bodies = [self.body, *(body for _, body in self.translations)]
        return self.id, index_text(*titles), index_text(*bodies)


def is_sqlite() -> bool:
    return engine().engine_type == "sqlite"


async def remove(story_ids: Iterable[int]) -> None:
    """Forget stories about to be indexed anew (a deleted story leaves the index by itself:
    trigger on SQLite, cascade on PostgreSQL)."""
    ids = sorted(set(story_ids))
    column = "rowid" if is_sqlite() else "story"
    for start in range(0, len(ids), ROWS_PER_STATEMENT):
        chunk = ids[start : start + ROWS_PER_STATEMENT]
        await fetch(
            f"DELETE FROM story_search WHERE {column} IN ({placeholders(len(chunk))})", *chunk
        )


async def index(stories: Sequence[StoryText], *, fresh: bool = False) -> None:
    """(Re)index stories; `fresh` when none of them can be indexed yet (new ids), which spares
    the delete."""
    if not fresh:
        await remove(story.id for story in stories)
    await write_folded([story.folded() for story in stories])


async def write_folded(rows: Sequence[tuple[int, str, str]]) -> None:
    """Index rows already folded (`StoryText.folded()`) for stories not indexed yet: a large
    import folds its texts in a worker thread while its stories are written."""
    sqlite = is_sqlite()
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        arguments = [value for row in chunk for value in row]
        if sqlite:
            values = ", ".join(
                f"(${3 * i + 1}, ${3 * i + 2}, ${3 * i + 3})" for i in range(len(chunk))
            )
            await write_later(
                f"INSERT INTO story_search (rowid, title, body) VALUES {values}", *arguments
            )
        else:
            values = ", ".join(
                f"(${3 * i + 1}::integer, ${3 * i + 2}::text, ${3 * i + 3}::text)"
                for i in range(len(chunk))
            )
            await write_later(
                "INSERT INTO story_search (story, title, body, document) "
                "SELECT v.story, v.title, v.body, "
                "setweight(to_tsvector('simple', v.title), 'A') || "
                "setweight(to_tsvector('simple', v.body), 'B') "
                f"FROM (VALUES {values}) AS v(story, title, body)",
                *arguments,
            )
