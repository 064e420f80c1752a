"""The public story archive in Chromium, signed out: nothing until an admin publishes; then a
Polish story found from the Italian interface without diacritics, the Atom feed followed, a
withdrawal seen at once; axe-core on every archive page in English and Arabic; every request
the pages make goes to the platform itself, and no cookie is ever set."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest

from archive.conftest import SCOPES, fill_shelf, publish_archive, set_consent
from browser.test_navigation import axe_problems

pytestmark = pytest.mark.browser

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
async def shelf(client, admin, world) -> dict:
    return await fill_shelf(client, admin, world)


async def test_a_visitor_reads_searches_and_follows_the_archive(
    live_server, browser, client, admin, shelf
):
    context = await browser.new_context(bypass_csp=True, locale="it")
    page = await context.new_page()
    requested: list[str] = []
    cookies_set: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    async def remember_cookies(response) -> None:
        value = await response.header_value("set-cookie")
        if value:
            cookies_set.append(f"{response.url}: {value}")

    page.on("response", remember_cookies)

    # Nothing is public before an admin publishes.
    closed = await page.goto(f"{live_server}/it/archive/futures")
    assert closed.status == 404
    await page.goto(f"{live_server}/it/")
    assert await page.locator('a[href="/it/archive/futures"]').count() == 0
    assert await page.locator('a[href="/it/login"]').count() == 1

    await publish_archive(client, admin)

    # From the start page to the archive, then a search without Polish letters.
    await page.goto(f"{live_server}/it/")
    async with page.expect_navigation():
        await page.click('a[href="/it/archive/futures"]')
    assert await page.locator("html").get_attribute("lang") == "it"
    await page.fill("#archive-q", "mlodziezowa rada")
    async with page.expect_navigation():
        await page.press("#archive-q", "Enter")
    results = page.locator("ol.search-results li h3 a")
    assert await results.count() == 1
    assert await results.inner_text() == "Młodzieżowa rada miasta"
    async with page.expect_navigation():
        await results.click()
    story_url = page.url
    assert story_url.endswith(f"/it/archive/futures/stories/{shelf['public']}")
    heading = page.locator("h1")
    assert await heading.get_attribute("lang") == "pl"
    # Printed, the story keeps its text and drops the page's controls.
    await page.emulate_media(media="print")
    assert not await page.locator("nav.languages").is_visible()
    assert await page.locator(".story-body").first.is_visible()
    await page.emulate_media(media="screen")

    # The Atom feed the archive announces, followed to the story.
    await page.goto(f"{live_server}/it/archive/futures")
    feed_href = await page.locator(
        'link[rel="alternate"][type="application/atom+xml"]'
    ).get_attribute("href")
    feed = await page.request.get(f"{live_server}{feed_href}")
    assert feed.status == 200
    entries = ET.fromstring(await feed.body()).findall(f"{ATOM}entry")
    assert len(entries) == 1
    share = entries[0].find(f"{ATOM}id").text
    shared = await page.goto(share)
    assert shared.status == 200 and page.url == story_url

    # axe-core on every archive page, in English and Arabic.
    problems: list[str] = []
    for lang in ("en", "ar"):
        for path in (
            f"/{lang}/",
            f"/{lang}/archive/futures",
            f"/{lang}/archive/futures?q=mlodziezowa",
            f"/{lang}/archive/futures/stories/{shelf['public']}",
        ):
            answer = await page.goto(f"{live_server}{path}")
            assert answer.status == 200, path
            problems += await axe_problems(page)
    assert await page.locator("html").get_attribute("dir") == "rtl"
    assert not problems, "\n".join(problems)

    # A withdrawal: the page is gone at once, and the list no longer shows the story.
    await set_consent(client, admin, shelf["first"], SCOPES, withdrawn=True)
    gone = await page.goto(story_url)
    assert gone.status == 410
    await page.goto(f"{live_server}/it/archive/futures?q=mlodziezowa")
    assert await page.locator("ol.search-results li").count() == 0

    origin = urlsplit(live_server).netloc
    foreign = [url for url in requested if urlsplit(url).netloc != origin]
    assert not foreign, foreign
    assert not cookies_set, cookies_set
    assert await context.cookies() == []
    await context.close()
