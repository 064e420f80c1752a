"""PostgreSQL: the words of each story in a narrow table of their own, for listing every match.

A broad search lists tens of thousands of matching ids. The GIN index finds them at once, but
each id is then read from the heap, and `story_search` rows carry the title, the body and the
weighted tsvector (over a kilobyte each): listing a common word's matches read nearly every
page of a 120 MB table. `story_lexemes` holds the story id and the stripped tsvector (words
without positions or weights, all a plain AND query needs), about a fifth of the pages, under
a GIN index of its own. `story_search` keeps ranking and title matching.

Both GIN indexes are rebuilt without the pending list (`fastupdate = off`): with it, every
lookup also scanned the not-yet-merged entries, up to 4 MB, which cost a title lookup more
than its answer. Writes pay the merge instead, in their own transaction.

SQLite is untouched: FTS5 lists rowids from its own index without reading the texts.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "narrow table of story words for listing matches (PostgreSQL)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        if engine.engine_type == "sqlite":
            return
        await engine.run_ddl(
            "CREATE TABLE IF NOT EXISTS story_lexemes ("
            "story INTEGER PRIMARY KEY REFERENCES story(id) ON DELETE CASCADE, "
            "lexemes TSVECTOR NOT NULL)"
        )
        await engine.run_ddl(
            "INSERT INTO story_lexemes (story, lexemes) "
            "SELECT story, strip(document) FROM story_search ORDER BY story "
            "ON CONFLICT (story) DO NOTHING"
        )
        await engine.run_ddl(
            "CREATE INDEX IF NOT EXISTS story_lexemes_words ON story_lexemes "
            "USING GIN (lexemes) WITH (fastupdate = off)"
        )
        for name in ("story_search_document", "story_search_title"):
            await engine.run_ddl(f"ALTER INDEX {name} SET (fastupdate = off)")
            # Turning it off keeps the entries already pending: merge them now.
            await engine.run_ddl(f"SELECT gin_clean_pending_list('{name}'::regclass)")
        await engine.run_ddl("ANALYZE story_lexemes")

    manager.add_raw(run)
    return manager
