"""Rejected theme suggestions: `suggestion_rejection`, one row per coder, story and theme.

Raw SQL, as in the coding migration; SQLite takes INTEGER for SERIAL. The unique index keeps
one rejection per coder, story and theme (a composite UNIQUE constraint fails on SQLite).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T06:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "rejected theme suggestions"

STATEMENTS = [
    "CREATE TABLE suggestion_rejection ("
    " id SERIAL PRIMARY KEY,"
    " story INTEGER NOT NULL REFERENCES story (id) ON DELETE CASCADE,"
    " theme INTEGER NOT NULL REFERENCES theme (id) ON DELETE CASCADE,"
    ' "user" INTEGER NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,'
    " rejected_at TIMESTAMPTZ NOT NULL)",
    'CREATE UNIQUE INDEX ux_suggestion_rejection ON suggestion_rejection (story, theme, "user")',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        statements = list(STATEMENTS)
        if engine.engine_type == "sqlite":
            statements = [
                s.replace("SERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT")
                for s in statements
            ]
        for statement in statements:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
