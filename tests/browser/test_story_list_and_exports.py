"""The story list and the exports page in a real browser, in English and Arabic: filters,
downloads, the export form with an error, and no serious or critical axe-core violation."""

from __future__ import annotations

import io

import polars as pl
import pytest

from browser.conftest import sign_in_page
from browser.test_navigation import axe_problems
from civicfutures.auth.accounts import create_user
from pages.conftest import PASSWORD

pytestmark = pytest.mark.browser

PROJECT = "euarenas-futures"


@pytest.fixture
async def researcher(demo) -> str:
    email = "browser-lists@test.civicfutures.eu"
    await create_user(email, "researcher", (), password=PASSWORD)
    return email


async def _page(browser, live_server, lang: str, email: str):
    context = await browser.new_context(
        bypass_csp=True,
        locale=lang,
        viewport={"width": 1200, "height": 900},
        accept_downloads=True,
    )
    page = await context.new_page()
    await sign_in_page(page, live_server, lang, email)
    return page


async def _no_sideways_scroll(page) -> None:
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_story_list(live_server, browser, researcher, artifacts, lang):
    page = await _page(browser, live_server, lang, researcher)
    response = await page.goto(f"{live_server}/{lang}/stories")
    assert response is not None and response.status == 200
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    current = page.locator('nav.main-nav a[aria-current="page"]')
    assert await current.get_attribute("href") == f"/{lang}/stories"
    rows = page.locator("table.story-list tbody tr")
    everything = await rows.count()
    assert everything > 10
    first = rows.first.locator("td a").first
    assert await first.get_attribute("lang")
    assert await first.get_attribute("dir") in ("ltr", "rtl")
    problems = await axe_problems(page)
    await _no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / f"stories-{lang}.png"), full_page=True)

    # Filter by one site through the form, then download exactly that list.
    await page.select_option("#stories-site", index=1)
    chosen = await page.eval_on_selector("#stories-site", "e => e.value")
    async with page.expect_navigation():
        await page.click("form.filters button[type=submit]")
    assert f"site={chosen}" in page.url
    shown = await page.locator("table.story-list tbody tr").count()
    assert 0 < shown < everything
    async with page.expect_download() as waiting:
        await page.click("ul.downloads a[href*='/download/csv']")
    download = await waiting.value
    table = pl.read_csv(await download.path())
    assert table.height == shown and set(table["site"].to_list()) == {chosen}
    hrefs = await page.eval_on_selector_all(
        "table.story-list tbody td:first-child a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert [f"/{lang}/stories/{i}" for i in table["id"].to_list()] == hrefs
    problems += await axe_problems(page)
    await page.context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_exports_page(live_server, browser, researcher, artifacts, lang):
    page = await _page(browser, live_server, lang, researcher)
    response = await page.goto(f"{live_server}/{lang}/exports")
    assert response is not None and response.status == 200
    problems = await axe_problems(page)

    # A format the kind does not offer: the page says so at the field, in the page's language.
    await page.select_option("#export-project", PROJECT)
    await page.select_option("#export-kind", "qdc")
    await page.select_option("#export-format", "csv")
    async with page.expect_navigation():
        await page.click("form.intake-form button[type=submit]")
    assert await page.locator("#export-format-error").is_visible()
    assert await page.locator(".error-summary").is_visible()
    problems += await axe_problems(page)
    await page.screenshot(path=str(artifacts / f"exports-error-{lang}.png"), full_page=True)

    await page.select_option("#export-kind", "stories")
    await page.select_option("#export-format", "csv")
    async with page.expect_navigation():
        await page.click("form.intake-form button[type=submit]")
    assert "built=export-" in page.url
    assert await page.locator("table.export-list tbody tr").count() == 1
    async with page.expect_download() as waiting:
        await page.click("table.export-list tbody tr a[download]")
    download = await waiting.value
    table = pl.read_csv(io.BytesIO((await download.path()).read_bytes()), infer_schema=False)
    assert table.height > 10 and "title" in table.columns
    problems += await axe_problems(page)
    await _no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / f"exports-{lang}.png"), full_page=True)
    await page.context.close()
    assert not problems, "\n".join(problems)
