"""Record keys: each storyteller's random key for the cell key method of disclosure control.

Raw SQL (`ALTER TABLE ... ADD COLUMN`) because Piccolo's auto migrations alter little on
SQLite; every statement runs unchanged on both engines. Existing storytellers get their keys
here, drawn in Python (the engines' random functions differ), one UPDATE per key value.
"""

import secrets

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T10:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "record keys of storytellers for disclosure control"

# The range of `civicfutures.db.record_key`, written out: a migration stays as it ran.
KEY_RANGE = 256


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await engine.run_ddl(
            "ALTER TABLE storyteller ADD COLUMN record_key INTEGER NOT NULL DEFAULT 0"
        )
        rows = await engine.run_ddl("SELECT id FROM storyteller")
        by_key: dict[int, list[int]] = {}
        for row in rows or []:
            by_key.setdefault(secrets.randbelow(KEY_RANGE), []).append(int(row["id"]))
        for key, ids in sorted(by_key.items()):
            for start in range(0, len(ids), 500):
                listed = ", ".join(str(i) for i in ids[start : start + 500])
                await engine.run_ddl(
                    f"UPDATE storyteller SET record_key = {key} WHERE id IN ({listed})"
                )

    manager.add_raw(run)
    return manager
