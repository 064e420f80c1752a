"""Drop `app_user.failed_logins` and `app_user.locked_until`: sign-in throttling keeps its state
in `login_throttle`, and an account is never locked.

Raw SQL: `ALTER TABLE ... DROP COLUMN` runs unchanged on PostgreSQL and on SQLite (3.35 and
later; neither column is indexed or constrained beyond NOT NULL).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "drop the unused lock-out columns of users"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for column in ("failed_logins", "locked_until"):
            await engine.run_ddl(f"ALTER TABLE app_user DROP COLUMN {column}")

    manager.add_raw(run)
    return manager
