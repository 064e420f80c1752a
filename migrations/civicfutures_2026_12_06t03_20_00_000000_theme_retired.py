"""A living codebook: a theme can be retired (kept with its history, hidden from pickers) and
remembers the theme it was merged into.

Raw SQL, as in the coding migration: both engines take these ALTERs.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T03:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "retired themes and the theme a merged one went into"

STATEMENTS = [
    "ALTER TABLE theme ADD COLUMN retired_at TIMESTAMPTZ NULL",
    "ALTER TABLE theme ADD COLUMN merged_into INTEGER NULL REFERENCES theme (id) ON DELETE SET NULL",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
