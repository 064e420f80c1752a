"""The OpenAPI document at /schema describes every API route and its models."""

import json
import re
from pathlib import Path


def _api_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if not (route.path.startswith("/api/") or route.path == "/health"):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods - {"HEAD", "OPTIONS"}:
                found.add((method.lower(), re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)))
    return found


async def test_every_api_route_is_in_the_document(client, app):
    document = (await client.get("/schema/openapi.json")).json()
    described = {(method, path) for path, item in document["paths"].items() for method in item}
    missing = sorted(_api_routes(app) - described)
    assert not missing, f"API routes missing from the OpenAPI document: {missing}"


async def test_story_models_are_described_with_their_limits(client):
    document = (await client.get("/schema/openapi.json")).json()
    schemas = document["components"]["schemas"]
    story_in = schemas["StoryIn"]
    assert story_in["properties"]["body"]["maxLength"] == 100_000
    assert set(story_in["required"]) >= {"workshop", "storytellers", "kind", "language", "body"}
    for name in (
        "StoryOut",
        "StoryPage",
        "SiteIn",
        "ThemeIn",
        "StorytellerIn",
        "WorkshopIn",
        "ErrorBody",
    ):
        assert name in schemas, name


async def test_the_viewers_load_only_the_platforms_own_copies_of_their_scripts(client):
    from civicfutures.web.apidocs import VENDOR_DIR

    for path in ("/schema", "/schema/swagger"):
        answer = await client.get(path)
        assert answer.status_code == 200
        linked = re.findall(r"""(?:src|href)=["']([^"']+)["']""", answer.text)
        assert linked and all(url.startswith(("/", "data:")) for url in linked), linked
        assert "https:" not in answer.headers["content-security-policy"]
        for url in linked:
            if url.startswith("/static/"):
                assert (await client.get(url)).status_code == 200, url
    manifest = json.loads((VENDOR_DIR / "vendor.json").read_text())
    for name, package in manifest["packages"].items():
        folder = VENDOR_DIR / f"{name.lstrip('@').replace('/', '-')}-{package['version']}"
        shipped = {p.name for p in folder.iterdir()}
        assert shipped == {Path(f).name for f in package["files"]}, "run make vendor"
