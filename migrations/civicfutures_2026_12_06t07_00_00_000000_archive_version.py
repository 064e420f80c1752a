"""The archive's version: one number that every change to what the public archive shows bumps.

Triggers on the tables the archive reads (projects, sites, workshops, themes, storytellers,
stories, their links, translations and codings) bump `archive_version.version` in the
database itself, so no write path can forget it and every server process sees the change
with the data. PostgreSQL bumps it once per transaction at commit (a deferred constraint
trigger), so concurrent writers hold the row's lock only while they commit; a TRUNCATE
bumps it too. SQLite serialises its writers anyway and bumps it per row.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "archive version bumped by every change the public archive shows"

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
)
EVENTS = ("INSERT", "UPDATE", "DELETE")
BUMP = "UPDATE archive_version SET version = version + 1 WHERE id = 1"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION archive_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('civicfutures.archive_bumped', true) IS DISTINCT FROM
            txid_current()::text THEN
        PERFORM set_config('civicfutures.archive_bumped', txid_current()::text, true);
        {BUMP};
    END IF;
    RETURN NULL;
END
$$"""


def sqlite_statements() -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS archive_version_{table}_{event.lower()} "
        f"AFTER {event} ON {table} BEGIN {BUMP}; END"
        for table in TABLES
        for event in EVENTS
    ]


def postgres_statements() -> list[str]:
    statements = [PG_FUNCTION]
    for table in TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS archive_version_{table} ON {table}",
            f"CREATE CONSTRAINT TRIGGER archive_version_{table} "
            f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION archive_version_bump()",
            f"DROP TRIGGER IF EXISTS archive_version_{table}_truncate ON {table}",
            f"CREATE TRIGGER archive_version_{table}_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION archive_version_bump()",
        ]
    return statements


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await engine.run_ddl(
            "CREATE TABLE IF NOT EXISTS archive_version ("
            "id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)"
        )
        await engine.run_ddl(
            "INSERT INTO archive_version (id, version) VALUES (1, 1) ON CONFLICT (id) DO NOTHING"
        )
        sqlite = engine.engine_type == "sqlite"
        for statement in sqlite_statements() if sqlite else postgres_statements():
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
