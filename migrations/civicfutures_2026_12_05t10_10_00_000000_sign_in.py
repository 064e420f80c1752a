"""Sign-in: server-side sessions, throttling state shared by every process, and an expiry for
every API token.

Raw SQL, as in the curation migration; the one date computation differs between the engines.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T10:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sign-in: user sessions, login throttle, token expiry"

STATEMENTS = [
    "CREATE TABLE login_throttle ("
    " id SERIAL PRIMARY KEY,"
    " throttle_key VARCHAR(400) NOT NULL UNIQUE,"
    " failures INTEGER NOT NULL DEFAULT 0,"
    " last_failure_at TIMESTAMPTZ NOT NULL)",
    "CREATE INDEX ix_login_throttle_last_failure_at ON login_throttle (last_failure_at)",
    "CREATE TABLE user_session ("
    " id SERIAL PRIMARY KEY,"
    " session_key VARCHAR(64) NOT NULL UNIQUE,"
    ' "user" INTEGER NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,'
    " created_at TIMESTAMPTZ NOT NULL,"
    " last_seen_at TIMESTAMPTZ NOT NULL,"
    " revoked_at TIMESTAMPTZ NULL)",
    'CREATE INDEX ix_user_session_user ON user_session ("user")',
]


def _token_expiry(engine_type: str, days: int) -> str:
    """Tokens made before every token had to expire: created_at plus the longest lifetime."""
    if engine_type == "postgres":
        expiry = f"created_at + INTERVAL '{days} days'"
    else:
        # Piccolo stores SQLite timestamps as ISO 8601 text with the offset.
        expiry = f"strftime('%Y-%m-%dT%H:%M:%f+00:00', created_at, '+{days} days')"
    return f"UPDATE api_token SET expires_at = {expiry} WHERE expires_at IS NULL"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="civicfutures", description=DESCRIPTION)

    async def run():
        from civicfutures.settings import get_settings

        engine = engine_finder()
        statements = list(STATEMENTS)
        if engine.engine_type == "sqlite":
            statements = [s.replace("SERIAL", "INTEGER") for s in statements]
        statements.append(_token_expiry(engine.engine_type, get_settings().token_max_days))
        for statement in statements:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
