"""The search index, written in the same transaction as the stories it describes.

One row per story: `title` holds the folded words of the story's title and its translations'
titles, `body` those of the bodies. SQLite keeps them in the FTS5 table `story_search` (rowid
= story id; tokenizer `unicode61 remove_diacritics 2`, a second line of defence behind the
folding); PostgreSQL in the table `story_search` (`story`, `title`, `body`, and `document`,
the `simple` tsvector of both with the title weighted A, under a GIN index), which ranks and
finds title matches, and in the narrow table `story_lexemes` (`story`, `lexemes`: the same
words stripped of positions and weights, under a GIN index), which lists every match: a
broad search reads its ids from pages a fifth the size of `story_search`'s.

Callers pass the texts they have just written rather than have them read again: on
PostgreSQL some rows are held back until just before the commit (`db.sql.write_later`), and
so are the index rows, which must follow the story they reference. An import, whose stories
are written at once, indexes them a chunk at a time (`write_new`), each chunk's tsvectors
worked out beforehand on a connection of their own (`documents_worker`) while the import's
connection writes the chunk before.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from civicfutures.db.lifecycle import engine
from civicfutures.db.sql import fetch, fetch_one, placeholders, write_later
from civicfutures.search.text import fts5_query, index_text, tsquery

ROWS_PER_STATEMENT = 500
# PostgreSQL's tables of the index (SQLite has the one FTS5 table `story_search`).
TABLES = ("story_search", "story_lexemes")


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


def tables() -> tuple[str, ...]:
    """The engine's tables of the index (for statistics after a large import)."""
    return ("story_search",) if is_sqlite() else TABLES


async def remove(story_ids: Iterable[int]) -> None:
    """Forget stories about to be indexed anew (a deleted story leaves the index by itself:
    trigger on SQLite, cascade on PostgreSQL)."""
    ids = sorted(set(story_ids))
    tables = {"story_search": "rowid"} if is_sqlite() else dict.fromkeys(TABLES, "story")
    for start in range(0, len(ids), ROWS_PER_STATEMENT):
        chunk = ids[start : start + ROWS_PER_STATEMENT]
        for table, column in tables.items():
            await fetch(
                f"DELETE FROM {table} WHERE {column} IN ({placeholders(len(chunk))})", *chunk
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
            await write_later(
                "INSERT INTO story_lexemes (story, lexemes) "
                "SELECT v.story, strip(to_tsvector('simple', v.title) || "
                "to_tsvector('simple', v.body)) "
                f"FROM (VALUES {values}) AS v(story, title, body)",
                *arguments,
            )


# Each story's tsvector (title weighted A, body B) and the same stripped of positions and
# weights, in their binary form (`tsvectorsend`: what COPY takes), with the story's place in the
# arrays given: the rows are put in order by the caller (sorting them in the server spills to
# disk past `work_mem`).
_DOCUMENTS = (
    "SELECT given_order, tsvectorsend(document) AS document, "
    "tsvectorsend(strip(document)) AS lexemes FROM ("
    "SELECT given_order, setweight(to_tsvector('simple', title), 'A') || "
    "setweight(to_tsvector('simple', body), 'B') AS document "
    "FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS given(title, body, given_order)"
    ") AS worked_out"
)
# Stories per statement or COPY: a statement's arrays hold a few kilobytes a story.
NEW_ROWS_PER_STATEMENT = 10_000


Documents = Callable[[Sequence[tuple[str, str]]], Awaitable[list[tuple[bytes, bytes]]]]


@contextlib.asynccontextmanager
async def documents_worker() -> AsyncIterator[Documents | None]:
    """PostgreSQL: a function giving, for stories' folded titles and bodies, each one's
    `story_search.document` and `story_lexemes.lexemes`, for `write_new`; SQLite: None (FTS5
    indexes the words as written).

    It works on a connection of its own, outside the caller's transaction: folding words into
    tsvectors is the larger part of the server's work on the index, and a second server process
    does it while the transaction's own writes the stories' rows.
    """
    if is_sqlite():
        yield None
        return
    connection = await engine().get_new_connection()

    async def documents(folded: Sequence[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
        found: list[tuple[bytes, bytes]] = []
        for start in range(0, len(folded), NEW_ROWS_PER_STATEMENT):
            titles, bodies = zip(*folded[start : start + NEW_ROWS_PER_STATEMENT], strict=True)
            placed: list[tuple[bytes, bytes]] = [(b"", b"")] * len(titles)
            for row in await connection.fetch(_DOCUMENTS, list(titles), list(bodies)):
                placed[row["given_order"] - 1] = (row["document"], row["lexemes"])
            found += placed
        return found

    try:
        yield documents
    finally:
        await connection.close()


async def write_new(
    rows: Sequence[tuple[int, str, str]], documents: Sequence[tuple[bytes, bytes]] | None = None
) -> None:
    """Index many new stories whose rows are written already (an import), folded as
    `StoryText.folded()` folds them, with their documents (`documents_worker`) on PostgreSQL, where both tables
    are written by COPY at once rather than held back. On SQLite as `write_folded`."""
    if is_sqlite():
        await write_folded(rows)
        return
    if documents is None or len(documents) != len(rows):
        raise ValueError("write_new needs each story's documents on PostgreSQL")
    transaction = engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("write_new runs inside write_transaction()")
    connection = transaction.connection
    # asyncpg has no codec of its own for tsvector: for these COPYs the values pass as the
    # bytes of their binary form, and the connection goes back to the pool as it came.
    await connection.set_type_codec(
        "tsvector", schema="pg_catalog", encoder=bytes, decoder=bytes, format="binary"
    )
    try:
        for start in range(0, len(rows), NEW_ROWS_PER_STATEMENT):
            end = start + NEW_ROWS_PER_STATEMENT
            chunk = list(zip(rows[start:end], documents[start:end], strict=True))
            await connection.copy_records_to_table(
                "story_search",
                records=[
                    (story, title, body, document) for (story, title, body), (document, _) in chunk
                ],
                columns=["story", "title", "body", "document"],
            )
            await connection.copy_records_to_table(
                "story_lexemes",
                records=[(story, lexemes) for (story, _, _), (_, lexemes) in chunk],
                columns=["story", "lexemes"],
            )
    finally:
        await connection.reset_type_codec("tsvector", schema="pg_catalog")


# What the index answers for the words of a query, on each engine: every match, the matches by
# title alone, and the rank (lower is better) of every match; `{}` is the query's one parameter.
_SQLITE = {
    "ids": "SELECT group_concat(rowid) FROM story_search WHERE story_search MATCH $1",
    "ranks": "SELECT rowid AS id, bm25(story_search, {title}, {body}) AS rank "
    "FROM story_search WHERE story_search MATCH $1",
}
_POSTGRESQL = {
    "ids": "SELECT string_agg(CAST(story AS TEXT), ',') FROM story_lexemes "
    "WHERE lexemes @@ {parse}('simple', $1)",
    "title_ids": "SELECT string_agg(CAST(story AS TEXT), ',') FROM story_search "
    "WHERE to_tsvector('simple', title) @@ {parse}('simple', $1)",
    "ranks": "SELECT story AS id, -ts_rank(document, query) AS rank "
    "FROM story_search, {parse}('simple', $1) AS query WHERE document @@ query",
    "title_ranks": "SELECT story AS id, -ts_rank(document, query) AS rank "
    "FROM story_search, {parse}('simple', $1) AS query "
    "WHERE to_tsvector('simple', title) @@ query",
}
TITLE_WEIGHT, BODY_WEIGHT = 5.0, 1.0


def _expression(words: list[str], title_only: bool, prefix: bool) -> str:
    """The query's one parameter; with `prefix`, each word also matches the words it begins."""
    if is_sqlite():
        expression = fts5_query(words, prefix)
        return "{title} : (" + expression + ")" if title_only else expression
    # plainto_tsquery reads plain words joined by AND: no operator of the input survives; the
    # prefix form is built of quoted lexemes (`tsquery`), so none survives there either.
    return tsquery(words) if prefix else " ".join(words)


def _postgresql(name: str, prefix: bool) -> str:
    return _POSTGRESQL[name].format(parse="to_tsquery" if prefix else "plainto_tsquery")


def _ids(text: str | None) -> np.ndarray:
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


async def matches(
    words: list[str], version_sql: str, prefix: bool = False
) -> tuple[str, np.ndarray]:
    """The data version and the ids of every story matching all the words, read in one
    statement (one snapshot), so the ids belong to that version."""
    sql = _SQLITE["ids"] if is_sqlite() else _postgresql("ids", prefix)
    row = await fetch_one(
        f"SELECT ({version_sql}) AS version, ({sql}) AS ids", _expression(words, False, prefix)
    )
    assert row is not None
    return str(row["version"]), _ids(row["ids"])


async def title_matches(words: list[str], prefix: bool = False) -> np.ndarray:
    """The ids of the stories whose titles (or translated titles) hold all the words."""
    if is_sqlite():
        sql, expression = _SQLITE["ids"], _expression(words, True, prefix)
    else:
        sql, expression = _postgresql("title_ids", prefix), _expression(words, False, prefix)
    row = await fetch_one(f"SELECT ({sql}) AS ids", expression)
    return _ids(row["ids"] if row else None)


async def ranks(
    words: list[str], *, title_only: bool = False, prefix: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The ids and ranks (lower is better) of the matches: bm25 on SQLite, `ts_rank` on
    PostgreSQL, the title weighted above the body; `title_only`: of the title matches."""
    if is_sqlite():
        sql = _SQLITE["ranks"].format(title=TITLE_WEIGHT, body=BODY_WEIGHT)
    else:
        sql = _postgresql("title_ranks" if title_only else "ranks", prefix)
    rows = await fetch(sql, _expression(words, title_only, prefix))
    ids = np.fromiter((row["id"] for row in rows), dtype=np.int64, count=len(rows))
    rank = np.fromiter((row["rank"] for row in rows), dtype=np.float64, count=len(rows))
    return ids, rank
