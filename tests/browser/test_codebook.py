"""The living codebook in a real browser: a researcher adds a theme, renames it, nests it under
another and merges it into a third (its coding moves); axe-core finds no serious or critical
problem on the codebook and theme pages in English and Arabic, and on a phone they do not
widen the page."""

from __future__ import annotations

import pytest

from browser.conftest import sign_in_page
from browser.test_navigation import axe_problems
from civicfutures.auth.accounts import create_user
from civicfutures.auth.actor import SYSTEM
from civicfutures.coding.schemas import CodingCreate
from civicfutures.coding.service import CodingService
from civicfutures.db.tables import Coding, Story, Theme
from pages.conftest import PASSWORD

pytestmark = pytest.mark.browser

DEMO = "euarenas-futures"


async def _theme(key: str) -> dict:
    return (
        await Theme.select(
            Theme.id, Theme.labels, Theme.parent.key, Theme.retired_at, Theme.merged_into.key
        )
        .output(load_json=True)
        .where(Theme.key == key)
        .first()
    )


async def test_a_researcher_adds_renames_nests_and_merges_a_theme(
    live_server, browser, demo, artifacts
):
    first, second = demo["themes"][0]["key"], demo["themes"][1]["key"]
    email = "browser-codebook@test.civicfutures.eu"
    await create_user(email, "researcher", (), password=PASSWORD)
    page = await browser.new_page(viewport={"width": 1100, "height": 900})
    await sign_in_page(page, live_server, "en", email)
    base = f"{live_server}/en/projects/{DEMO}/codebook"

    await page.goto(base)
    await page.fill("#add-key", "bus_lines")
    await page.fill("#add-label", "Bus lines")
    await page.select_option("#add-kind", "challenge")
    async with page.expect_navigation():
        await page.click("#add-form button[type=submit]")
    assert "saved=added" in page.url
    assert await page.locator("#theme-bus_lines").count() == 1
    added = await _theme("bus_lines")
    assert added["labels"] == {"en": "Bus lines"}

    # Rename and nest on the theme's own page, reached from the codebook by its link.
    async with page.expect_navigation():
        await page.click("#theme-bus_lines a")
    await page.fill("#label-en", "Bus lines cut")
    await page.fill("#label-ar", "خطوط الحافلات الملغاة")
    await page.select_option("#theme-parent", first)
    await page.screenshot(path=str(artifacts / "codebook-theme-en.png"), full_page=True)
    problems = await axe_problems(page)
    async with page.expect_navigation():
        await page.click("#theme-form button[type=submit]")
    assert "saved=saved" in page.url
    nested = await _theme("bus_lines")
    assert nested["labels"] == {"en": "Bus lines cut", "ar": "خطوط الحافلات الملغاة"}
    assert nested["parent.key"] == first
    assert await page.get_attribute("#theme-bus_lines th", "class") == "theme-depth-1"

    # A coding on the new theme moves with the merge.
    story = (await Story.select(Story.id).order_by(Story.id).first())["id"]
    coding = await CodingService().create(SYSTEM, story, CodingCreate(theme="bus_lines"))
    await page.select_option("#merge-source", "bus_lines")
    await page.select_option("#merge-into", second)
    async with page.expect_navigation():
        await page.click("#merge-form button[type=submit]")
    assert "saved=merged" in page.url
    merged = await _theme("bus_lines")
    assert merged["retired_at"] is not None and merged["merged_into.key"] == second
    moved = await Coding.select(Coding.theme.key).where(Coding.id == coding.id).first()
    assert moved["theme.key"] == second
    assert second in await page.inner_text("#theme-bus_lines")
    await page.screenshot(path=str(artifacts / "codebook-en.png"), full_page=True)
    problems += await axe_problems(page)

    await page.goto(f"{live_server}/ar/projects/{DEMO}/codebook")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert "خطوط الحافلات الملغاة" in await page.inner_text("#theme-bus_lines")
    await page.screenshot(path=str(artifacts / "codebook-ar.png"), full_page=True)
    problems += await axe_problems(page)
    await page.goto(f"{live_server}/ar/projects/{DEMO}/codebook/themes/{first}")
    problems += await axe_problems(page)

    # On a phone the tree scrolls inside its frame and the forms wrap: the page never widens.
    await page.set_viewport_size({"width": 390, "height": 800})
    spilled = []
    for lang in ("en", "ar"):
        for path in ("codebook", f"codebook/themes/{first}"):
            await page.goto(f"{live_server}/{lang}/projects/{DEMO}/{path}")
            scroll, client = await page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if scroll > client:
                spilled.append(f"{lang}/{path}: {scroll} px in {client}")
    await page.close()
    assert not problems, "\n".join(problems)
    assert not spilled, "\n".join(spilled)
