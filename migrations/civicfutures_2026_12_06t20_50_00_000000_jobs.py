"""Background jobs: the `job` table the pages and the API read, and on PostgreSQL the queue
itself (Procrastinate's tables, applied by its own schema applier).

Raw SQL, as in the other migrations; SQLite takes INTEGER for SERIAL and has no queue tables
(its jobs run in the process that enqueued them).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T20:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "background jobs and their queue"

STATEMENTS = [
    "CREATE TABLE job ("
    " id VARCHAR(32) PRIMARY KEY,"
    " kind VARCHAR(32) NOT NULL,"
    " subject VARCHAR(64) NOT NULL DEFAULT '',"
    " params JSON NOT NULL,"
    " status VARCHAR(16) NOT NULL DEFAULT 'queued',"
    " step VARCHAR(64) NULL,"
    " progress REAL NOT NULL DEFAULT 0,"
    " result JSON NULL,"
    " error TEXT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " requested_by INTEGER NULL REFERENCES app_user (id) ON DELETE SET NULL,"
    " site INTEGER NULL REFERENCES site (id) ON DELETE SET NULL,"
    " queue_id BIGINT NULL,"
    " created_at TIMESTAMPTZ NOT NULL,"
    " started_at TIMESTAMPTZ NULL,"
    " finished_at TIMESTAMPTZ NULL,"
    " heartbeat_at TIMESTAMPTZ NULL)",
    "CREATE INDEX job_subject ON job (kind, subject)",
    "CREATE INDEX job_status ON job (status)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)
        if engine.engine_type != "sqlite":
            from civicfutures.jobs.runners import apply_queue_schema

            await apply_queue_schema()

    manager.add_raw(run)
    return manager
