"""The analysis explorer in a real browser: a chart and a table in English and in Arabic."""

from pathlib import Path

import pytest

from browser.conftest import sign_in_page
from civicfutures.auth.accounts import create_user
from pages.conftest import PASSWORD

pytestmark = pytest.mark.browser

PROJECT = "euarenas-futures"
SCREENS = Path("/work/notes/screens")


@pytest.fixture
async def researcher(demo) -> str:
    email = "browser-researcher@test.civicfutures.eu"
    await create_user(email, "researcher", (), password=PASSWORD)
    return email


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("kind", ["prevalence", "links"])
async def test_two_kinds_in_english_and_arabic(live_server, browser, researcher, lang, kind):
    page = await browser.new_page(viewport={"width": 1200, "height": 1000})
    await sign_in_page(page, live_server, lang, researcher)
    response = await page.goto(f"{live_server}/{lang}/analysis/{kind}?project={PROJECT}")
    assert response is not None and response.status == 200
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    chart = page.locator("figure.analysis-chart svg")
    box = await chart.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 50
    assert await page.locator("table.analysis-table tbody tr").count() > 0
    assert await page.locator("#disclosure-legend").is_visible()
    # Nothing spills out of the page sideways (wide tables scroll inside their frame).
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1]
    SCREENS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENS / f"explorer-{kind}-{lang}.png"))
    await page.locator("#result").scroll_into_view_if_needed()
    await page.evaluate("document.getElementById('result').scrollIntoView()")
    await page.screenshot(path=str(SCREENS / f"explorer-{kind}-{lang}-result.png"))
    await page.close()
