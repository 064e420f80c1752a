"""The migrations build exactly the tables the code declares, on the engine under test."""

from civicfutures.db.lifecycle import engine
from civicfutures.db.piccolo_app import APP_CONFIG


async def _columns(table: str) -> set[str]:
    db = engine()
    if db.engine_type == "postgres":
        rows = await db.run_ddl(
            f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'"
        )
        return {row["column_name"] for row in rows}
    rows = await db.run_ddl(f'PRAGMA table_info("{table}")')
    return {row["name"] for row in rows}


async def test_every_table_class_matches_the_migrated_schema(client):
    mismatches = {}
    for table in APP_CONFIG.table_classes:
        declared = {column._meta.db_column_name for column in table._meta.columns}
        migrated = await _columns(table._meta.tablename)
        if declared != migrated:
            mismatches[table._meta.tablename] = {
                "only in code": sorted(declared - migrated),
                "only in database": sorted(migrated - declared),
            }
    assert not mismatches, mismatches


async def test_composite_keys_are_enforced(client, world):
    """The unique indexes of the raw-SQL migration exist (a duplicate theme key is refused)."""
    import pytest

    from civicfutures.db.tables import Project, Theme

    project = await Project.select(Project.id).first()
    with pytest.raises(Exception, match=r"(?i)unique"):
        await Theme.insert(Theme(project=project["id"], key="youth_voice", kind="other"))


async def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(engine_name, client):
    import sqlite3

    import pytest

    from civicfutures.settings import get_settings

    if engine_name != "sqlite":
        pytest.skip("SQLite pragmas apply to the SQLite engine only")
    settings = get_settings()
    with sqlite3.connect(settings.sqlite_path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db = engine()
    assert db.connection_kwargs["timeout"] == settings.sqlite_busy_timeout_s
    rows = await db.run_ddl("PRAGMA foreign_keys")
    assert rows[0]["foreign_keys"] == 1
