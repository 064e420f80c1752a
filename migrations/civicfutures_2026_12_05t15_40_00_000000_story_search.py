"""Story search: each engine's own full-text index, filled for the stories already stored.

SQLite: the FTS5 table `story_search` (rowid = story id). PostgreSQL: the table `story_search`
with a `simple` tsvector under a GIN index. A deleted story leaves the index with it (a
trigger on SQLite, the foreign key's cascade on PostgreSQL). Both hold text
folded in Python (`civicfutures.search.text`), the same folding every later write uses.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

from civicfutures.search.text import index_text

ID = "2026-12-05T15:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "full-text index of stories"

BATCH = 500


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        sqlite = engine.engine_type == "sqlite"
        if sqlite:
            await engine.run_ddl(
                "CREATE VIRTUAL TABLE IF NOT EXISTS story_search USING fts5("
                "title, body, tokenize = 'unicode61 remove_diacritics 2')"
            )
            # A virtual table takes no foreign key: a deleted story leaves the index by trigger,
            # as PostgreSQL's cascade does.
            await engine.run_ddl(
                "CREATE TRIGGER IF NOT EXISTS story_search_forget AFTER DELETE ON story "
                "BEGIN DELETE FROM story_search WHERE rowid = old.id; END"
            )
        else:
            await engine.run_ddl(
                "CREATE TABLE IF NOT EXISTS story_search ("
                "story INTEGER PRIMARY KEY REFERENCES story(id) ON DELETE CASCADE, "
                "title TEXT NOT NULL, body TEXT NOT NULL, document TSVECTOR NOT NULL)"
            )
            await engine.run_ddl(
                "CREATE INDEX IF NOT EXISTS story_search_document ON story_search "
                "USING GIN (document)"
            )
        stories = await engine.run_ddl("SELECT id, title, body FROM story ORDER BY id") or []
        translations = await engine.run_ddl("SELECT story, title, body FROM translation") or []
        extra: dict[int, list[dict]] = {}
        for row in translations:
            extra.setdefault(int(row["story"]), []).append(row)
        for start in range(0, len(stories), BATCH):
            for row in stories[start : start + BATCH]:
                more = extra.get(int(row["id"]), [])
                title = index_text(row["title"], *(t["title"] for t in more))
                body = index_text(row["body"], *(t["body"] for t in more))
                if sqlite:
                    query = QueryString(
                        "INSERT INTO story_search (rowid, title, body) VALUES ({}, {}, {})",
                        int(row["id"]),
                        title,
                        body,
                    )
                else:
                    query = QueryString(
                        "INSERT INTO story_search (story, title, body, document) VALUES "
                        "({}, {}, {}, setweight(to_tsvector('simple', {}), 'A') || "
                        "setweight(to_tsvector('simple', {}), 'B'))",
                        int(row["id"]),
                        title,
                        body,
                        title,
                        body,
                    )
                await engine.run_querystring(query)

    manager.add_raw(run)
    return manager
