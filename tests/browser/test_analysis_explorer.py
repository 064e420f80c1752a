"""The analysis explorer in a real browser: a chart and a table in English and in Arabic, and
every kind opened and its table downloaded."""

import polars as pl
import pytest

from browser.conftest import sign_in_page
from browser.test_navigation import axe_problems
from civicfutures.analysis.suite import KINDS
from civicfutures.auth.accounts import create_user
from pages.conftest import PASSWORD

pytestmark = pytest.mark.browser

PROJECT = "euarenas-futures"


@pytest.fixture
async def researcher(demo) -> str:
    email = "browser-researcher@test.civicfutures.eu"
    await create_user(email, "researcher", (), password=PASSWORD)
    return email


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("kind", ["prevalence", "links"])
async def test_two_kinds_in_english_and_arabic(
    live_server, browser, researcher, artifacts, lang, kind
):
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
    await page.screenshot(path=str(artifacts / f"explorer-{kind}-{lang}.png"))
    await page.locator("#result").scroll_into_view_if_needed()
    await page.evaluate("document.getElementById('result').scrollIntoView()")
    await page.screenshot(path=str(artifacts / f"explorer-{kind}-{lang}-result.png"))
    await page.close()


async def test_every_kind_opens_and_its_table_downloads(live_server, browser, researcher, tmp_path):
    page = await browser.new_page(viewport={"width": 1200, "height": 1000}, bypass_csp=True)
    await sign_in_page(page, live_server, "en", researcher)
    assert page.url == f"{live_server}/en/", (page.url, await page.locator("main").inner_text())
    problems: list[str] = []
    for kind in KINDS:
        await page.goto(f"{live_server}/en/analysis")
        async with page.expect_navigation():
            await page.click(f'main a[href^="/en/analysis/{kind}"]')
        await page.select_option("#analysis-project", PROJECT)
        async with page.expect_navigation():
            await page.click("main form button[type=submit]")
        assert await page.locator("table.analysis-table").count() == 1, (
            kind,
            page.url,
            (await page.locator("main").inner_text())[:600],
        )
        shown = await page.locator("table.analysis-table tbody tr").count()
        problems += await axe_problems(page)
        async with page.expect_download() as waiting:
            await page.click('.downloads a:text-is("CSV")')
        download = await waiting.value
        saved = tmp_path / f"{kind}.csv"
        await download.save_as(saved)
        frame = pl.read_csv(saved, infer_schema=False)
        columns = await page.eval_on_selector_all(
            "table.analysis-table th[data-column]", "cells => cells.map(c => c.dataset.column)"
        )
        # The page shows each label column in place of its code column; the file keeps both.
        assert [c for c in frame.columns if f"{c}_label" not in frame.columns] == columns, kind
        labels = [c for c in frame.columns if c.endswith("_label")]
        assert all(
            frame.columns.index(c) == frame.columns.index(c[: -len("_label")]) + 1 for c in labels
        )
        assert frame.height == shown or (frame.height == 0 and shown == 1), kind
    await page.close()
    assert not problems, "\n".join(problems)
