"""The data version also moves with each coder's state of a story: done marks, agreed codings,
memos and rejected suggestions.

The story page is kept per reader and data version (`intake/story_pages.py`); it shows whether
the reader marked the story done (and, under blind coding, others' codings once they did), the
agreed codings, the memos and the suggestions the reader has not rejected. A write to any of
these must reach every process's next page at once, as a write to a story does: the same
triggers as the migration `data_version` (per row on SQLite; once per transaction, at commit,
on PostgreSQL).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "data version bumped by coding done marks, agreed codings, memos, rejections"

TABLES = ("coding_done", "agreed_coding", "memo", "suggestion_rejection")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        if engine.engine_type == "sqlite":
            for table in TABLES:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    await engine.run_ddl(
                        f"CREATE TRIGGER IF NOT EXISTS data_version_{table}_{event.lower()} "
                        f"AFTER {event} ON {table} "
                        "BEGIN UPDATE data_version SET version = version + 1; END"
                    )
            return
        # data_version_bump() comes from the migration `data_version`.
        for table in TABLES:
            await engine.run_ddl(
                f"CREATE CONSTRAINT TRIGGER data_version_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_bump()"
            )
            await engine.run_ddl(
                f"CREATE TRIGGER data_version_{table}_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()"
            )

    manager.add_raw(run)
    return manager
