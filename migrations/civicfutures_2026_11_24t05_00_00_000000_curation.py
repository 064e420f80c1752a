"""Curation: an insight's original language, curators' translations of evidence excerpts,
and the indexes the insight, quote and Theory-of-Change queries use.

Raw SQL (`ALTER TABLE ... ADD COLUMN`) because Piccolo's auto migrations alter little on
SQLite; every statement runs unchanged on both engines.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "curation: insight language, excerpt translations, indexes"

STATEMENTS = [
    "ALTER TABLE insight ADD COLUMN language VARCHAR(35) NOT NULL DEFAULT ''",
    "ALTER TABLE evidence ADD COLUMN translations JSON NOT NULL DEFAULT '{}'",
    "CREATE INDEX ix_insight_project ON insight (project)",
    "CREATE INDEX ix_evidence_insight ON evidence (insight)",
    "CREATE INDEX ix_insight_theme_insight ON insight_theme (insight)",
    "CREATE INDEX ix_insight_outcome_insight ON insight_outcome (insight)",
    "CREATE INDEX ix_insight_outcome_outcome ON insight_outcome (outcome)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
