"""Every page each role may see, opened in Chromium in English and Arabic and checked by axe-core.

The admin, who may see every page, walks all of them; each other role walks its navigation and
the pages reached from it (a story, its edit form, an insight, a briefing). A page that answers
with an error, or shows an error page, fails the walk as surely as an accessibility problem.
"""

from __future__ import annotations

import pytest

from browser.test_navigation import NAV_LINKS, axe_problems, signed_in_page
from builders import demo_places, empty_tables, every_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def places(client) -> dict[str, str]:
    """The demo and its briefing, loaded once: every walk below only reads."""
    await empty_tables()
    return await demo_places()


@pytest.fixture(autouse=True)
def empty_database(places) -> None:
    """Instead of the suite's emptying before each test, which would reload the demo each time."""


# Pages reached from a role's navigation, beyond the navigation's own entries.
REACHED = {
    "partner": ("/stories/{story}", "/stories/{story}/edit", "/sites/gdansk/workshops/new"),
    "researcher": ("/stories/{story}", "/analysis/agreement?project={project}"),
    "author": ("/insights/{insight}", "/briefings/{briefing}", "/stories/{story}"),
}


async def walk(page, base: str, lang: str, paths: list[str], shots: str | None, artifacts):
    problems: list[str] = []
    for number, path in enumerate(paths):
        response = await page.goto(f"{base}/{lang}{path}")
        assert response is not None and response.status == 200, (path, response and response.status)
        assert await page.get_attribute("html", "lang") == lang, path
        problems += await axe_problems(page)
        if shots:
            await page.screenshot(path=str(artifacts / f"{shots}-{lang}-{number:02d}.png"))
    return problems


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_admin_opens_every_page_without_an_accessibility_problem(
    live_server, browser, places, artifacts, lang
):
    page = await signed_in_page(browser, live_server, "admin", lang)
    problems = await walk(page, live_server, lang, every_page(places), "page", artifacts)
    # The error pages and the sign-in page are pages too.
    for path, status in ((f"/{lang}/no-such-page", 404), (f"/{lang}/stories/999999", 404)):
        response = await page.goto(f"{live_server}{path}")
        assert response is not None and response.status == status
        problems += await axe_problems(page)
    await page.context.close()
    anonymous = await browser.new_page(bypass_csp=True)
    await anonymous.goto(f"{live_server}/{lang}/login")
    problems += await axe_problems(anonymous)
    await anonymous.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_no_page_spills_sideways_on_a_phone(live_server, browser, places, artifacts, lang):
    """At 390 CSS pixels wide, wide content scrolls inside its own frame, never the page."""
    page = await signed_in_page(browser, live_server, "admin", lang, width=390)
    spilled = []
    for path in every_page(places):
        await page.goto(f"{live_server}/{lang}{path}")
        scroll, client = await page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if scroll > client:
            spilled.append(f"{path}: {scroll} px in {client}")
    await page.goto(f"{live_server}/{lang}/admin/audit")
    await page.screenshot(path=str(artifacts / f"phone-audit-{lang}.png"), full_page=True)
    await page.context.close()
    assert not spilled, "\n".join(spilled)


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("role", ["partner", "researcher", "author"])
async def test_each_role_walks_its_navigation_and_what_it_reaches(
    live_server, browser, places, artifacts, role, lang
):
    page = await signed_in_page(browser, live_server, role, lang)
    hrefs = [await link.get_attribute("href") for link in await page.query_selector_all(NAV_LINKS)]
    assert hrefs, role
    paths = [href.removeprefix(f"/{lang}") or "/" for href in hrefs]
    paths += [path.format(**places) for path in REACHED[role]]
    problems = await walk(page, live_server, lang, paths, None, artifacts)
    await page.goto(f"{live_server}/{lang}/")
    await page.screenshot(path=str(artifacts / f"home-{role}-{lang}.png"), full_page=True)
    # A page the role may not see is a localized 403 page, itself accessible.
    response = await page.goto(f"{live_server}/{lang}/admin/users")
    assert response is not None and response.status == 403
    assert await page.get_attribute("html", "lang") == lang
    problems += await axe_problems(page)
    await page.context.close()
    assert not problems, "\n".join(problems)


async def test_a_researcher_finds_a_polish_story_typed_without_diacritics_and_reads_it(
    live_server, browser, places, artifacts
):
    page = await signed_in_page(browser, live_server, "researcher", "en")
    await page.click('nav.main-nav a[href="/en/search"]')
    await page.fill("#search-q", "mlodziezowa rada")
    async with page.expect_navigation():
        await page.press("#search-q", "Enter")
    hits = page.locator('h3[lang="pl"] a')
    assert await hits.count() > 0, (page.url, await page.locator("main").inner_text())
    assert "młodzieżowa rada" in (await page.locator("main").inner_text()).lower()
    await page.screenshot(path=str(artifacts / "search-mlodziez-en.png"), full_page=True)
    async with page.expect_navigation():
        await hits.first.click()
    assert "/en/stories/" in page.url
    body = page.locator('[lang="pl"][dir="ltr"]')
    assert await body.count() > 0
    await page.screenshot(path=str(artifacts / "story-read-en.png"), full_page=True)
    assert not await axe_problems(page)
    await page.context.close()
