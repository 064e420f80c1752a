"""Reconciled codings and memos: `agreed_coding` (kept apart from the coders' own codings)
and `memo` (a note on a story, a coding or a theme).

Raw SQL, as in the coding migration; SQLite takes INTEGER for SERIAL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T03:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "agreed codings and memos"

STATEMENTS = [
    "CREATE TABLE agreed_coding ("
    " id SERIAL PRIMARY KEY,"
    " story INTEGER NOT NULL REFERENCES story (id) ON DELETE CASCADE,"
    " theme INTEGER NOT NULL REFERENCES theme (id) ON DELETE CASCADE,"
    " applies BOOLEAN NOT NULL DEFAULT TRUE,"
    " translation VARCHAR(35) NOT NULL DEFAULT '',"
    " start_offset INTEGER NULL,"
    " end_offset INTEGER NULL,"
    " agreed_by INTEGER NULL REFERENCES app_user (id) ON DELETE SET NULL,"
    " agreed_label VARCHAR(64) NOT NULL DEFAULT '',"
    " created_at TIMESTAMPTZ NOT NULL)",
    "CREATE INDEX ix_agreed_coding_story ON agreed_coding (story)",
    "CREATE TABLE memo ("
    " id SERIAL PRIMARY KEY,"
    " project INTEGER NOT NULL REFERENCES project (id) ON DELETE CASCADE,"
    " site INTEGER NULL REFERENCES site (id) ON DELETE CASCADE,"
    " story INTEGER NULL REFERENCES story (id) ON DELETE CASCADE,"
    " coding INTEGER NULL REFERENCES coding (id) ON DELETE CASCADE,"
    " theme INTEGER NULL REFERENCES theme (id) ON DELETE CASCADE,"
    " body TEXT NOT NULL,"
    " author INTEGER NULL REFERENCES app_user (id) ON DELETE SET NULL,"
    " author_label VARCHAR(64) NOT NULL DEFAULT '',"
    " created_at TIMESTAMPTZ NOT NULL,"
    " updated_at TIMESTAMPTZ NULL)",
    "CREATE INDEX ix_memo_project ON memo (project)",
    "CREATE INDEX ix_memo_story ON memo (story)",
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
