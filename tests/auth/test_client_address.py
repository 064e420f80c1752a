"""The client's address: forged X-Forwarded-For headers never give a fresh sign-in budget."""

import dataclasses

import httpx
import pytest
from litestar import Litestar, Request, get

from civicfutures.settings import get_settings
from civicfutures.web.client_address import client_address
from civicfutures.web.login import LOGIN_RATE_LIMIT


@get("/whoami", sync_to_thread=False)
def whoami(request: Request) -> str:
    return client_address(request)


def _client(app: Litestar, peer: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


@pytest.fixture
def trusted_proxies(monkeypatch):
    def set_(value: str) -> None:
        monkeypatch.setenv("CIVICFUTURES_TRUSTED_PROXIES", value)
        get_settings.cache_clear()

    yield set_
    monkeypatch.delenv("CIVICFUTURES_TRUSTED_PROXIES", raising=False)
    get_settings.cache_clear()


async def test_a_forged_forwarded_for_does_not_reset_the_sign_in_limit(trusted_proxies):
    trusted_proxies("")
    limit = dataclasses.replace(LOGIN_RATE_LIMIT, rate_limit=("minute", 2))
    app = Litestar([whoami], middleware=[limit.middleware])
    async with _client(app, "203.0.113.7") as http:
        answers = [
            (await http.get("/whoami", headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code
            for n in range(4)
        ]
    assert answers == [200, 200, 429, 429]


async def test_without_trusted_proxies_the_peer_is_the_client(trusted_proxies):
    trusted_proxies("")
    async with _client(Litestar([whoami]), "203.0.113.7") as http:
        answer = await http.get("/whoami", headers={"X-Forwarded-For": "198.51.100.1"})
    assert answer.text == "203.0.113.7"


async def test_behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client(trusted_proxies):
    trusted_proxies("10.0.0.0/8, 192.0.2.1")
    app = Litestar([whoami])
    async with _client(app, "10.1.2.3") as http:
        # The client forged the leftmost entry; our two proxies appended the rest.
        forged = await http.get(
            "/whoami", headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.50, 192.0.2.1"}
        )
        plain = await http.get("/whoami")
    async with _client(app, "203.0.113.99") as http:
        untrusted_peer = await http.get("/whoami", headers={"X-Forwarded-For": "198.51.100.9"})
    assert forged.text == "203.0.113.50"
    assert plain.text == "10.1.2.3"
    assert untrusted_peer.text == "203.0.113.99"
