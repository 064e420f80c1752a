"""Erasure: idempotency records keep references instead of answers; SQLite ids are never reused.

1. `idempotency_key` loses `response_body` (a copy of the first answer: story text, codes)
   and gains `resource_type`, `resource_id` and `answer_sha256`. Existing rows are converted
   in place: the id is read from the stored answer, the type from the request path, so a
   retry made across the upgrade still finds what it created.
2. On SQLite every table with an integer id is rebuilt with AUTOINCREMENT (SQLite cannot
   ALTER that): without it a deleted row's id is given to the next row, and one id in the
   audit log would stand for several people. The documented twelve-step rebuild runs on a
   connection of its own with foreign keys off (a DROP TABLE would otherwise cascade), keeps
   every column, constraint, index and trigger as it was, and checks the foreign keys before
   it commits. PostgreSQL's sequences never hand out an id twice: nothing to do there.
"""

import hashlib
import json
import re
import sqlite3

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T15:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "erasure: idempotency records by reference, ids never reused"

# The request paths of keyed POSTs as they were when this ran, and what each creates.
RESOURCE_OF_PATH = {
    "projects": "project",
    "sites": "site",
    "themes": "theme",
    "workshops": "workshop",
    "storytellers": "storyteller",
    "stories": "story",
    "outcomes": "outcome",
    "insights": "insight",
    "imports": "import",
}
IMPORT_COUNTS = ("workshops", "storytellers", "stories", "translations", "codings")

_ID_COLUMN = re.compile(
    r'^(\s*CREATE TABLE[^(]*\(\s*"?id"?\s+INTEGER\s+PRIMARY\s+KEY)(?!\s+AUTOINCREMENT)', re.I
)
_TABLE_NAME = re.compile(r'^(\s*CREATE TABLE\s+(?:IF NOT EXISTS\s+)?)("?)(\w+)("?)', re.I)


def _reference(scope: str, body: str) -> tuple[str, str]:
    path = scope.split(":", 1)[-1].rstrip("/")
    resource_type = RESOURCE_OF_PATH.get(path.rsplit("/", 1)[-1], "")
    try:
        answer = json.loads(body)
    except ValueError:
        return resource_type, ""
    if not isinstance(answer, dict):
        return resource_type, ""
    if resource_type == "import":
        created = answer.get("created") or {}
        return resource_type, ",".join(str(int(created.get(name, 0))) for name in IMPORT_COUNTS)
    return resource_type, str(answer.get("id", ""))


async def _convert_idempotency_keys(engine) -> None:
    for column in (
        "resource_type VARCHAR(32)",
        "resource_id VARCHAR(64)",
        "answer_sha256 VARCHAR(64)",
    ):
        await engine.run_ddl(f"ALTER TABLE idempotency_key ADD COLUMN {column} NOT NULL DEFAULT ''")
    rows = await engine.run_ddl("SELECT id, scope, response_body FROM idempotency_key") or []
    for row in rows:
        resource_type, resource_id = _reference(row["scope"], row["response_body"] or "")
        digest = hashlib.sha256((row["response_body"] or "").encode()).hexdigest()
        # Values are quoted by hand (run_ddl binds none); they are hex, digits and fixed words.
        await engine.run_ddl(
            f"UPDATE idempotency_key SET resource_type = '{resource_type}', "
            f"resource_id = '{re.sub(r'[^0-9,]', '', resource_id)}', answer_sha256 = '{digest}' "
            f"WHERE id = {int(row['id'])}"
        )
    await engine.run_ddl("ALTER TABLE idempotency_key DROP COLUMN response_body")
    await engine.run_ddl(
        "CREATE INDEX ix_idempotency_key_created_at ON idempotency_key (created_at)"
    )


def rebuild_with_autoincrement(path: str) -> list[str]:
    """Every table with an integer id, rebuilt so that ids are never reused; their names."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    rebuilt: list[str] = []
    try:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("PRAGMA secure_delete = ON")
        connection.execute("BEGIN IMMEDIATE")
        try:
            tables = connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name != 'migration' ORDER BY name"
            ).fetchall()
            for name, sql in tables:
                if not _ID_COLUMN.match(sql):
                    continue
                others = connection.execute(
                    "SELECT sql FROM sqlite_master WHERE tbl_name = ? "
                    "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
                    (name,),
                ).fetchall()
                temporary = f"{name}__rebuild"
                new_sql = _ID_COLUMN.sub(r"\1 AUTOINCREMENT", sql, count=1)
                new_sql = _TABLE_NAME.sub(lambda m, t=temporary: f'{m[1]}"{t}"', new_sql, count=1)
                connection.execute(new_sql)
                connection.execute(f'INSERT INTO "{temporary}" SELECT * FROM "{name}"')
                connection.execute(f'DROP TABLE "{name}"')
                connection.execute(f'ALTER TABLE "{temporary}" RENAME TO "{name}"')
                for (other,) in others:
                    connection.execute(other)
                rebuilt.append(name)
            problems = connection.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"foreign keys broken by the rebuild: {problems[:5]}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    finally:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.close()
    return rebuilt


async def forwards():
    manager = MigrationManager(
        migration_id=ID,
        app_name="civicfutures",
        description=DESCRIPTION,
        # The SQLite rebuild must run outside a transaction: foreign keys can only be
        # switched off there.
        wrap_in_transaction=False,
    )

    async def run():
        engine = engine_finder()
        async with engine.transaction():
            await _convert_idempotency_keys(engine)
        if engine.engine_type == "sqlite":
            rebuild_with_autoincrement(engine.connection_kwargs["database"])

    manager.add_raw(run)
    return manager
