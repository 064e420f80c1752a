"""Recorded stories: `story_media` holds a story's audio or video recording and its WebVTT
subtitles, one row per file kept in the storage (`civicfutures.storage`).

Raw SQL, as in the coding migration; SQLite takes INTEGER for SERIAL. One recording per story
and one subtitles file per story and language: a unique index (composite `Unique` fails on
SQLite).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T06:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "story recordings and subtitles"

STATEMENTS = [
    "CREATE TABLE story_media ("
    " id SERIAL PRIMARY KEY,"
    " story INTEGER NOT NULL REFERENCES story (id) ON DELETE CASCADE,"
    " kind VARCHAR(16) NOT NULL,"
    " language VARCHAR(35) NOT NULL DEFAULT '',"
    " media_type VARCHAR(64) NOT NULL,"
    " object_key VARCHAR(300) NOT NULL,"
    " size BIGINT NOT NULL,"
    " sha256 VARCHAR(64) NOT NULL,"
    " uploaded_by INTEGER NULL REFERENCES app_user (id) ON DELETE SET NULL,"
    " created_at TIMESTAMPTZ NOT NULL)",
    "CREATE UNIQUE INDEX ux_story_media_story_kind_language ON story_media (story, kind, language)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        statements = list(STATEMENTS)
        if engine.engine_type == "sqlite":
            # AUTOINCREMENT: an id is never given out again after a deletion (see the erasure rules).
            statements = [
                s.replace("SERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT")
                for s in statements
            ]
        for statement in statements:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
