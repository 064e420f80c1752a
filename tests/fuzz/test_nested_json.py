"""JSON nested beyond the decoder's depth is the client's error on every JSON route, never a 500."""

from __future__ import annotations

import re

import pytest
from litestar.routes import HTTPRoute

DEEP = b"[" * 100_000
DEEP_IN_OBJECT = b'{"title": ' + b"[" * 100_000


def _json_routes(app) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/"):
            continue
        for method in sorted(route.methods & {"POST", "PUT", "PATCH"}):
            path = re.sub(r"\{(\w+):int\}", "1", route.path)
            found.append((method, re.sub(r"\{(\w+)(:\w+)?\}", "x", path)))
    return found


@pytest.mark.parametrize("body", [DEEP, DEEP_IN_OBJECT], ids=["array", "in an object"])
async def test_deep_nesting_is_a_400_on_every_json_route(app, client, world, admin, body):
    routes = _json_routes(app)
    assert ("POST", "/api/v1/stories") in routes
    for method, path in routes:
        headers = {**admin, "Content-Type": "application/json", "Accept-Language": "pl"}
        answer = await client.request(method, path, content=body, headers=headers)
        assert answer.status_code < 500, (method, path, answer.text)
    answer = await client.post("/api/v1/stories", content=body, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "body"
    assert "zagnieżdż" in answer.json()["errors"][0]["message"]
    assert (await client.get("/health")).status_code == 200
