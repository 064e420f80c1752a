"""The navigation in a real browser, walked by keyboard (axe-core's walk of every page is in
`test_every_page.py`).

axe-core is served by the platform itself (`static/vendor/`, see `vendor.json`), never fetched
from elsewhere; pages are opened with the CSP bypassed so that the test may inject it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civicfutures.demo.accounts import DEMO_PASSWORD, DEMO_USERS, load_demo_with_users

pytestmark = pytest.mark.browser

VENDOR = Path(__file__).resolve().parents[2] / "platform/civicfutures/static/vendor"
AXE_VERSION = json.loads((VENDOR / "vendor.json").read_text())["packages"]["axe-core"]["version"]
AXE = f"/static/vendor/axe-core-{AXE_VERSION}/axe.min.js"
NAV_LINKS = "nav.main-nav a"
GRAVE = {"serious", "critical"}


def account(role: str) -> str:
    return next(email for email, r, _ in DEMO_USERS if r == role)


@pytest.fixture
async def demo_accounts() -> str:
    return (await load_demo_with_users()).project


async def signed_in_page(browser, base: str, role: str, lang: str, width: int = 1200):
    context = await browser.new_context(
        bypass_csp=True, locale=lang, viewport={"width": width, "height": 900}
    )
    page = await context.new_page()
    await page.goto(f"{base}/{lang}/login")
    await page.fill("#email", account(role))
    await page.fill("#password", DEMO_PASSWORD)
    async with page.expect_navigation():
        await page.press("#password", "Enter")
    assert page.url == f"{base}/{lang}/", page.url
    return page


async def focused(page) -> dict:
    return await page.evaluate(
        "() => { const e = document.activeElement;"
        " return {tag: e.tagName, id: e.id, href: e.getAttribute('href'),"
        " nav: !!e.closest('nav.main-nav')}; }"
    )


async def tab_to(page, href: str, limit: int = 40) -> None:
    """Press Tab from the top of the page until the navigation link `href` has the focus."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        now = await focused(page)
        if now["nav"] and now["href"] == href:
            return
    raise AssertionError(f"{href} never got the focus by keyboard")


async def axe_problems(page) -> list[str]:
    await page.add_script_tag(url=AXE)
    assert await page.evaluate("() => axe.version") == AXE_VERSION
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [
        f"{page.url}: {v['id']} ({v['impact']}) at {v['nodes'][:3]}"
        for v in result
        if v["impact"] in GRAVE
    ]


@pytest.mark.parametrize("role", ["partner", "researcher", "author", "admin"])
async def test_the_navigation_by_keyboard(live_server, browser, demo_accounts, role):
    page = await signed_in_page(browser, live_server, role, "en")
    # The first Tab reaches the skip link; Enter on it moves the focus to the main content.
    await page.keyboard.press("Tab")
    first = await focused(page)
    assert (first["tag"], first["href"]) == ("A", "#main")
    await page.keyboard.press("Enter")
    assert (await focused(page))["id"] == "main"

    hrefs = [await link.get_attribute("href") for link in await page.query_selector_all(NAV_LINKS)]
    assert hrefs and hrefs[0] == "/en/"
    for href in hrefs[1:]:
        await page.goto(f"{live_server}/en/")
        await tab_to(page, href)
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        assert page.url == f"{live_server}{href}"
        current = page.locator(f'{NAV_LINKS}[aria-current="page"]')
        assert await current.count() == 1
        assert await current.get_attribute("href") == href
    await page.context.close()
