"""Suggested themes in a real browser: shown on the story page of a coder in English and
Arabic, rejected with "Not this theme" and accepted by coding the whole story; axe-core finds
no serious or critical problem on the page in either language."""

from __future__ import annotations

import datetime as dt

import pytest

from browser.conftest import sign_in_page
from browser.test_navigation import axe_problems
from civicfutures.auth.accounts import create_user
from civicfutures.auth.actor import SYSTEM
from civicfutures.db.tables import Coding, Site, SuggestionRejection, Theme, Workshop
from civicfutures.intake import schemas as s
from civicfutures.intake.people_service import StorytellerService
from civicfutures.intake.story_service import StoryService
from coding.test_suggestions import BUS, NET, NEW_BUS
from pages.conftest import PASSWORD

pytestmark = pytest.mark.browser


async def _story(body: str, n: int) -> int:
    site = await Site.select(Site.id).where(Site.slug == "gdansk").first()
    workshop = await Workshop.select(Workshop.id).where(Workshop.site == site["id"]).first()
    consent = s.ConsentIn(
        version="v1", given_at=dt.datetime(2025, 3, 15, tzinfo=dt.UTC), scopes=["research"]
    )
    teller = await StorytellerService().create(
        SYSTEM, s.StorytellerIn(site="gdansk", code=f"BR-SUGGEST-{n}", consent=consent)
    )
    story = await StoryService().create(
        SYSTEM,
        s.StoryIn(
            workshop=workshop["id"],
            storytellers=[teller.id],
            kind="present",
            language="pl",
            title=f"Suggestion {n}",
            body=body,
        ),
    )
    return story.id


async def test_a_coder_rejects_one_suggestion_and_accepts_another(
    live_server, browser, demo, artifacts
):
    themes = [row["key"] for row in await Theme.select(Theme.key, Theme.id).order_by(Theme.id)]
    bus, net = themes[0], themes[1]
    now = dt.datetime.now(dt.UTC)
    for n, (body, theme) in enumerate([*((b, bus) for b in BUS), *((b, net) for b in NET)]):
        story = await _story(body, n)
        theme_id = (await Theme.select(Theme.id).where(Theme.key == theme).first())["id"]
        for coder in ("coder-a", "coder-b"):
            await Coding.insert(Coding(story=story, theme=theme_id, coder=coder, created_at=now))
    first, second = await _story(NEW_BUS, 100), await _story(NEW_BUS + " Autobus!", 101)
    email = "browser-suggestions@test.civicfutures.eu"
    await create_user(email, "researcher", (), password=PASSWORD)

    page = await browser.new_page(viewport={"width": 1100, "height": 900})
    await sign_in_page(page, live_server, "ar", email)
    await page.goto(f"{live_server}/ar/stories/{first}")
    assert await page.get_attribute("html", "dir") == "rtl"
    item = page.locator(f'li[data-suggestion="{bus}"]')
    assert await item.count() == 1
    await page.screenshot(path=str(artifacts / "suggestions-ar.png"), full_page=True)
    problems = await axe_problems(page)
    async with page.expect_navigation():
        await item.locator("form").last.locator("button").click()
    assert "saved=rejected" in page.url
    assert await page.locator(f'li[data-suggestion="{bus}"]').count() == 0
    assert await SuggestionRejection.count() == 1

    await page.goto(f"{live_server}/en/stories/{second}")
    problems += await axe_problems(page)
    async with page.expect_navigation():
        await page.locator(f'li[data-suggestion="{bus}"] form').first.locator("button").click()
    assert "saved=coded" in page.url
    coded = await Coding.select(Coding.coder, Coding.start_offset).where(Coding.story == second)
    assert coded == [{"coder": email, "start_offset": None}]
    assert await page.locator(f'li[data-suggestion="{bus}"]').count() == 0
    await page.close()
    assert not problems, "\n".join(problems)
