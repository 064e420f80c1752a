"""The public story archive: whether a project publishes it (`off` until an admin publishes).

Raw SQL, as in the coding migration: one statement that both engines accept.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "public story archive: a project's archive state"

STATEMENTS = ["ALTER TABLE project ADD COLUMN archive VARCHAR(16) NOT NULL DEFAULT 'off'"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
