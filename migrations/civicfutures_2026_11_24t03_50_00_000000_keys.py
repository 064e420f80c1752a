"""Composite unique keys and the indexes the hot queries use.

Raw SQL because Piccolo's composite `Unique` constraint fails on SQLite; this SQL runs on
both engines.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T03:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite keys and indexes"

STATEMENTS = [
    "CREATE UNIQUE INDEX uq_theme_project_key ON theme (project, key)",
    "CREATE UNIQUE INDEX uq_outcome_project_key ON outcome (project, key)",
    "CREATE UNIQUE INDEX uq_storyteller_project_code ON storyteller (project, code)",
    "CREATE UNIQUE INDEX uq_story_storyteller ON story_storyteller (story, storyteller)",
    "CREATE UNIQUE INDEX uq_translation_story_language ON translation (story, language)",
    "CREATE UNIQUE INDEX uq_idempotency_scope_key ON idempotency_key (scope, key)",
    "CREATE INDEX ix_story_site_id ON story (site, id)",
    "CREATE INDEX ix_story_workshop ON story (workshop)",
    "CREATE INDEX ix_story_storyteller_storyteller ON story_storyteller (storyteller)",
    "CREATE INDEX ix_coding_story ON coding (story)",
    "CREATE INDEX ix_coding_theme ON coding (theme)",
    "CREATE INDEX ix_translation_story ON translation (story)",
    "CREATE INDEX ix_workshop_site ON workshop (site)",
    "CREATE INDEX ix_storyteller_site ON storyteller (site)",
    "CREATE INDEX ix_membership_user ON membership (user)",
    "CREATE INDEX ix_api_token_user ON api_token (user)",
    "CREATE INDEX ix_evidence_story ON evidence (story)",
    "CREATE INDEX ix_audit_event_entity ON audit_event (entity, entity_id)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(_quote_reserved(statement, engine.engine_type))

    manager.add_raw(run)
    return manager


def _quote_reserved(statement: str, engine_type: str) -> str:
    # `user` is reserved in PostgreSQL; quoting it works on both engines.
    return statement.replace("(user)", '("user")')
