"""The story form end to end in a real browser: Polish errors, Polish text stored exactly, RTL Arabic."""

import pytest

from browser.conftest import sign_in_page
from civicfutures.auth.accounts import create_user
from civicfutures.db.tables import Coding, Story
from civicfutures.i18n import gettext, use_locale
from pages.conftest import PASSWORD

pytestmark = pytest.mark.browser

DEMO_SITES = ("gdansk", "voru", "reggio-emilia", "greater-manchester")
# Which site's story form each language is shown for (the screenshot tour).
SITE_FOR = {
    "en": "greater-manchester",
    "pl": "gdansk",
    "et": "voru",
    "vro": "voru",
    "it": "reggio-emilia",
    "uk": "gdansk",
    "ar": "reggio-emilia",
}


@pytest.fixture
async def partner(demo) -> str:
    email = "browser-partner@test.civicfutures.eu"
    await create_user(email, "partner", DEMO_SITES, password=PASSWORD)
    return email


async def test_polish_story_form_end_to_end(live_server, browser, partner, artifacts):
    with use_locale("pl"):
        required = gettext("This field is required.")
        saved = gettext("The story was saved.")
    assert required != "This field is required."
    title = "Ławka pod lipą, na której już nikt nie siada"
    body = (
        "Kiedyś na tej ławce sąsiedzi rozmawiali o wszystkim: o szkole, o śmieciach, o wyborach.\n"
        "Dziś plac jest pusty, a decyzje zapadają gdzieś daleko. Chcę, żeby rada dzielnicy "
        "przychodziła tutaj, pod lipę — żółte liście, gęś na stawie i zwykłe „dzień dobry”."
    )
    before = await Story.count()
    page = await browser.new_page(locale="pl-PL", viewport={"width": 1100, "height": 900})
    await sign_in_page(page, live_server, "pl", partner)
    await page.goto(f"{live_server}/pl/sites/gdansk/stories/new")
    assert await page.get_attribute("html", "lang") == "pl"

    await page.fill("#field-title", title)
    await page.check("#field-storytellers-0")
    await page.check("input[name=codings] >> nth=0")
    async with page.expect_navigation():
        await page.click("button.primary")
    # The same page again, in Polish, with the problem at the body field and the title kept.
    error = page.locator("#field-body-error")
    assert required in await error.inner_text()
    assert required in await page.locator("#error-summary").inner_text()
    assert await page.input_value("#field-title") == title
    assert await page.is_checked("#field-storytellers-0")
    assert await Story.count() == before
    await page.screenshot(path=str(artifacts / "story-form-pl-errors.png"), full_page=True)

    await page.fill("#field-body", body)
    async with page.expect_navigation():
        await page.click("button.primary")
    assert "/pl/sites/gdansk?saved=" in page.url
    assert saved in await page.locator(".notice").inner_text()

    assert await Story.count() == before + 1
    stored = (
        await Story.select(Story.id, Story.title, Story.body, Story.language)
        .order_by(Story.id, ascending=False)
        .first()
    )
    assert (stored["title"], stored["body"], stored["language"]) == (title, body, "pl")
    assert page.url.endswith(f"saved={stored['id']}")
    assert await Coding.count().where(Coding.story == stored["id"]) == 1
    await page.close()


async def test_arabic_story_form_is_right_to_left(live_server, browser, partner, artifacts):
    page = await browser.new_page(locale="ar", viewport={"width": 1100, "height": 900})
    await sign_in_page(page, live_server, "ar", partner)
    await page.goto(f"{live_server}/ar/sites/reggio-emilia/stories/new")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.get_attribute("html", "lang") == "ar"
    assert await page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # Right to left for real: the heading starts at the right edge of the main column.
    heading = await page.locator("h1").bounding_box()
    main = await page.locator("main").bounding_box()
    assert heading["x"] + heading["width"] > main["x"] + main["width"] * 0.6
    with use_locale("ar"):
        assert gettext("Save the story") in await page.locator("button.primary").inner_text()
    await page.close()


async def test_story_form_screenshots_in_every_language(live_server, browser, partner, artifacts):
    page = await browser.new_page(viewport={"width": 1100, "height": 900})
    await sign_in_page(page, live_server, "en", partner)
    for lang, site in SITE_FOR.items():
        response = await page.goto(f"{live_server}/{lang}/sites/{site}/stories/new")
        assert response.status == 200, lang
        # Võro pages have an Estonian interface (no Võro catalog): the page says so.
        assert await page.get_attribute("html", "lang") == {"vro": "et"}.get(lang, lang)
        await page.screenshot(path=str(artifacts / f"story-form-{lang}.png"), full_page=True)
    await page.close()
