"""Back-off after failed sign-ins: it slows a guesser and never locks the real user out."""

import datetime as dt

import httpx
import pytest

from civicfutures.auth.accounts import create_user
from civicfutures.auth.login import sign_in
from civicfutures.db.tables import LoginThrottle
from civicfutures.errors import NotAuthenticated, Throttled

PASSWORD = "correct horse battery"
T0 = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def from_address(app):
    """An HTTP client of the whole app whose requests come from the given address."""
    clients: list[httpx.AsyncClient] = []

    def make(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://testserver.local"))
        return clients[-1]

    yield make


async def _post_sign_in(http: httpx.AsyncClient, email: str, password: str, lang: str = "en"):
    await http.get(f"/{lang}/login")
    return await http.post(
        f"/{lang}/login",
        data={
            "email": email,
            "password": password,
            "_csrf_token": http.cookies.get("civicfutures_csrf"),
        },
    )


async def test_a_guesser_is_slowed_while_the_user_still_signs_in(from_address):
    await create_user("partner@example.org", "researcher", password=PASSWORD)
    attacker = from_address("203.0.113.66")
    answers = [
        (await _post_sign_in(attacker, "partner@example.org", f"guess {n}")).status_code
        for n in range(7)
    ]
    assert answers == [401] * 5 + [429] * 2
    throttled = await _post_sign_in(attacker, "partner@example.org", PASSWORD, lang="pl")
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "2"
    assert "Zbyt wiele" in throttled.text
    # The right password, from the attacker's address, waits too: no guess gets through.
    user = from_address("198.51.100.20")
    signed = await _post_sign_in(user, "partner@example.org", PASSWORD)
    assert signed.status_code == 303
    assert signed.headers["location"] == "/en/"


async def test_the_wait_doubles_and_passes(client):
    await create_user("someone@example.org", "researcher", password=PASSWORD)
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            await sign_in("someone@example.org", "wrong", "203.0.113.1", T0)
    with pytest.raises(Throttled) as first:
        await sign_in("someone@example.org", PASSWORD, "203.0.113.1", T0 + dt.timedelta(seconds=1))
    assert first.value.retry_after == 1
    with pytest.raises(NotAuthenticated):
        await sign_in("someone@example.org", "wrong", "203.0.113.1", T0 + dt.timedelta(seconds=2))
    with pytest.raises(Throttled) as second:
        await sign_in("someone@example.org", PASSWORD, "203.0.113.1", T0 + dt.timedelta(seconds=2))
    assert second.value.retry_after == 4
    actor = await sign_in(
        "someone@example.org", PASSWORD, "203.0.113.1", T0 + dt.timedelta(seconds=6)
    )
    assert actor.label == "someone@example.org"
    rows = await LoginThrottle.select(LoginThrottle.throttle_key).order_by(LoginThrottle.id)
    # The right password clears the e-mail address's count; the client address keeps its own.
    assert [row["throttle_key"] for row in rows] == ["address:203.0.113.1"]


async def test_the_wait_is_capped(client, monkeypatch):
    from civicfutures.settings import get_settings

    monkeypatch.setenv("CIVICFUTURES_LOGIN_BACKOFF_MAX_SECONDS", "10")
    get_settings.cache_clear()
    try:
        at = T0
        for _ in range(12):
            with pytest.raises(NotAuthenticated):
                await sign_in("a@example.org", "wrong", "203.0.113.1", at)
            at += dt.timedelta(seconds=10)
        with pytest.raises(Throttled) as throttled:
            await sign_in("a@example.org", "wrong", "203.0.113.1", at - dt.timedelta(seconds=9))
        assert throttled.value.retry_after == 9
    finally:
        monkeypatch.delenv("CIVICFUTURES_LOGIN_BACKOFF_MAX_SECONDS")
        get_settings.cache_clear()


async def test_unknown_and_known_e_mails_are_throttled_alike(client):
    await create_user("known@example.org", "researcher", password=PASSWORD)
    details = []
    for email in ("known@example.org", "unknown@example.org"):
        address = f"203.0.113.{len(details) + 1}"
        for _ in range(5):
            with pytest.raises(NotAuthenticated):
                await sign_in(email, "wrong", address, T0)
        with pytest.raises(Throttled) as throttled:
            await sign_in(email, "wrong", address, T0)
        details.append((throttled.value.detail, throttled.value.retry_after))
    assert details[0] == details[1]


async def test_old_failures_are_forgotten_and_pruned(client):
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            await sign_in("a@example.org", "wrong", "203.0.113.1", T0)
    later = T0 + dt.timedelta(days=1, seconds=1)
    with pytest.raises(NotAuthenticated):
        await sign_in("b@example.org", "wrong", "203.0.113.2", later)
    rows = await LoginThrottle.select(LoginThrottle.throttle_key, LoginThrottle.failures)
    assert sorted((r["throttle_key"], r["failures"]) for r in rows) == [
        ("account:b@example.org", 1),
        ("address:203.0.113.2", 1),
    ]
