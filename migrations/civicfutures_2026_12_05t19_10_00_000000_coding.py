"""Coding in the browser: who coded (the signed-in user), on which text (the original or a
translation), the project's blind-coding setting and each coder's "story done" mark.

Raw SQL, as in the sign-in migration; SQLite takes INTEGER for SERIAL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T19:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "coding by users: coder user, translation codings, blind coding, done marks"

STATEMENTS = [
    "ALTER TABLE coding ADD COLUMN coder_user INTEGER NULL REFERENCES app_user (id) ON DELETE SET NULL",
    "ALTER TABLE coding ADD COLUMN translation VARCHAR(35) NOT NULL DEFAULT ''",
    "ALTER TABLE coding ADD COLUMN updated_at TIMESTAMPTZ NULL",
    "ALTER TABLE project ADD COLUMN blind_coding BOOLEAN NOT NULL DEFAULT FALSE",
    "CREATE TABLE coding_done ("
    " id SERIAL PRIMARY KEY,"
    " story INTEGER NOT NULL REFERENCES story (id) ON DELETE CASCADE,"
    ' "user" INTEGER NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,'
    " done_at TIMESTAMPTZ NOT NULL)",
    'CREATE UNIQUE INDEX ux_coding_done_story_user ON coding_done (story, "user")',
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
