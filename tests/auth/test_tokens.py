"""Every API token expires: a default lifetime, a maximum, and old tokens given an expiry."""

import importlib.util

import pytest

from civicfutures.auth.accounts import create_token, create_user
from civicfutures.db.lifecycle import engine
from civicfutures.db.tables import ApiToken
from civicfutures.errors import InvalidInput
from test_cli import civicfutures

PASSWORD = "correct horse battery"


async def _expiry_days(token_id: int | None = None) -> float:
    query = ApiToken.select(ApiToken.created_at, ApiToken.expires_at).order_by(
        ApiToken.id, ascending=False
    )
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    row = await query.first()
    return (row["expires_at"] - row["created_at"]).total_seconds() / 86400


async def test_a_token_without_a_lifetime_gets_the_default(client):
    await create_user("someone@example.org", "researcher", password=PASSWORD)
    await create_token("someone@example.org")
    assert round(await _expiry_days()) == 30
    await create_token("someone@example.org", 90)
    assert round(await _expiry_days()) == 90


@pytest.mark.parametrize("days", [0, -1, 91])
async def test_no_token_lives_forever_or_past_the_maximum(client, days):
    await create_user("someone@example.org", "researcher", password=PASSWORD)
    with pytest.raises(InvalidInput) as refused:
        await create_token("someone@example.org", days)
    assert [e.field for e in refused.value.errors] == ["expires_days"]
    assert "90" in refused.value.errors[0].message
    assert await ApiToken.count() == 0


async def test_the_command_refuses_zero_days_and_says_the_default(client):
    await create_user("someone@example.org", "researcher", password=PASSWORD)
    zero = civicfutures(
        "tokens", "create", "someone@example.org", "--expires-days", "0", check=False
    )
    assert zero.returncode == 1
    assert "expires_days" in zero.stderr and "Traceback" not in zero.stderr
    made = civicfutures("tokens", "create", "someone@example.org")
    assert "expires in 30 days" in made.stdout
    assert await ApiToken.count() == 1
    help_text = civicfutures("tokens", "create", "--help").stdout
    assert "default: 30" in help_text


async def test_the_migration_gives_tokens_without_expiry_one(client):
    from civicfutures.settings import get_settings

    await create_user("someone@example.org", "researcher", password=PASSWORD)
    await create_token("someone@example.org", 7)
    await ApiToken.update({ApiToken.expires_at: None}, force=True)
    spec = importlib.util.spec_from_file_location(
        "sign_in_migration",
        get_settings().migrations_dir / "civicfutures_2026_12_05t10_10_00_000000_sign_in.py",
    )
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db = engine()
    await db.run_ddl(migration._token_expiry(db.engine_type, 90))
    assert round(await _expiry_days(), 3) == 90
