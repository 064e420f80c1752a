"""The OpenAPI viewers render in Chromium with no request leaving the machine."""

from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = pytest.mark.browser


async def _open(browser, url: str):
    """The page at `url`, with every request it made and every console error."""
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(url)
    return page, requested, errors


def _hosts(urls: list[str]) -> set[str]:
    return {urlsplit(url).netloc for url in urls if urlsplit(url).scheme in ("http", "https")}


async def test_scalar_lists_the_operations_offline(live_server, browser, artifacts):
    document = httpx.get(f"{live_server}/schema/openapi.json").json()
    health = document["paths"]["/health"]["get"]["summary"]
    tags = {
        tag for path in document["paths"].values() for op in path.values() for tag in op["tags"]
    }
    page, requested, errors = await _open(browser, f"{live_server}/schema")
    # The first group opens by itself: its operation is listed by its summary.
    await page.get_by_text(health, exact=True).first.wait_for(timeout=30_000)
    listed = set(await page.locator("aside li").all_inner_texts())
    assert tags <= {text.strip() for text in listed for text in text.splitlines()}, listed
    await page.screenshot(path=artifacts / "schema-scalar.png")
    assert _hosts(requested) == {urlsplit(live_server).netloc}, requested
    assert not errors, errors


async def test_swagger_ui_lists_the_operations_offline(live_server, browser, artifacts):
    page, requested, errors = await _open(browser, f"{live_server}/schema/swagger")
    operations = page.locator(".opblock-summary-path")
    await operations.first.wait_for(timeout=30_000)
    paths = set(await operations.all_inner_texts())
    assert "/api/v1/stories" in {p.replace("\u200b", "") for p in paths}
    assert await operations.count() > 40
    await page.screenshot(path=artifacts / "schema-swagger.png")
    assert _hosts(requested) == {urlsplit(live_server).netloc}, requested
    assert not errors, errors
