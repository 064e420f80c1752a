"""The data version: one counter that every committed write to what search filters, counts or
hides by, or the public archive shows, bumps, so a per-process copy of what is derived from
them (search's columns, the archive's rendered pages) knows it is stale without a clock.

SQLite: row triggers (one writer at a time, nothing to contend for). PostgreSQL: deferred
constraint triggers that bump once per transaction, at commit, so the counter's row is locked
only while a transaction commits, never while a long import runs. An index covering the
story columns that search copies; on PostgreSQL, a GIN index of the titles alone (a broad
search ranks the stories whose title matches first).
"""

import secrets

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T06:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "data version bumped by every write; indexes of story columns and titles"

# Whatever the search's filters, facets and consent rule read, and the public archive shows.
TABLES = (
    "project",
    "site",
    "workshop",
    "theme",
    "storyteller",
    "story",
    "story_storyteller",
    "translation",
    "coding",
    "story_media",
)

_BUMP_ONCE = """
CREATE OR REPLACE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('civicfutures.data_version_bumped', true) IS DISTINCT FROM '1' THEN
        PERFORM set_config('civicfutures.data_version_bumped', '1', true);
        UPDATE data_version SET version = version + 1;
    END IF;
    RETURN NULL;
END
$$
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        sqlite = engine.engine_type == "sqlite"
        await engine.run_ddl(
            "CREATE TABLE IF NOT EXISTS data_version ("
            "id INTEGER PRIMARY KEY CHECK (id = 1), epoch TEXT NOT NULL, version BIGINT NOT NULL)"
        )
        # The epoch tells this database's versions from another's (a process that opened both).
        await engine.run_ddl(
            f"INSERT INTO data_version (id, epoch, version) VALUES (1, '{secrets.token_hex(8)}', 0)"
        )
        # What search reads of every story when its copy is stale: an index that covers it
        # spares reading the stories' texts.
        await engine.run_ddl(
            "CREATE INDEX IF NOT EXISTS story_columns ON story "
            "(site, workshop, kind, language, status)"
        )
        if sqlite:
            for table in TABLES:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    await engine.run_ddl(
                        f"CREATE TRIGGER IF NOT EXISTS data_version_{table}_{event.lower()} "
                        f"AFTER {event} ON {table} "
                        "BEGIN UPDATE data_version SET version = version + 1; END"
                    )
            return
        await engine.run_ddl(_BUMP_ONCE)
        for table in TABLES:
            await engine.run_ddl(
                f"CREATE CONSTRAINT TRIGGER data_version_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_bump()"
            )
            # TRUNCATE fires no row trigger.
            await engine.run_ddl(
                f"CREATE TRIGGER data_version_{table}_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()"
            )
        await engine.run_ddl(
            "CREATE INDEX IF NOT EXISTS story_search_title ON story_search "
            "USING GIN (to_tsvector('simple', title))"
        )

    manager.add_raw(run)
    return manager
