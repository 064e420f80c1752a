"""Stories keep the sha256 of their text, so an import recognises stories it already wrote
from the hashes alone rather than by reading every stored text back.

Raw SQL, as in the other column migrations: both engines take this ALTER. Existing stories get
their hashes here, computed in Python (SQLite has no sha256 function) a few thousand at a time.
"""

import hashlib

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T06:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sha256 of each story's text"

BATCH = 2_000


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await engine.run_ddl("ALTER TABLE story ADD COLUMN body_sha256 VARCHAR(64) NULL")
        last = 0
        while True:
            rows = await engine.run_ddl(
                f"SELECT id, body FROM story WHERE id > {last} ORDER BY id LIMIT {BATCH}"
            )
            if not rows:
                break
            # Hex digests and integer ids only: nothing here needs quoting.
            cases = " ".join(
                f"WHEN {int(row['id'])} THEN "
                f"'{hashlib.sha256(row['body'].encode('utf-8')).hexdigest()}'"
                for row in rows
            )
            listed = ", ".join(str(int(row["id"])) for row in rows)
            await engine.run_ddl(
                f"UPDATE story SET body_sha256 = CASE id {cases} END WHERE id IN ({listed})"
            )
            last = int(rows[-1]["id"])

    manager.add_raw(run)
    return manager
