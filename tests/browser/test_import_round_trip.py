"""The import round trip in a real browser, in English and Arabic: from the site page to the
import page, check a file, import it with the offered button (no file chosen again); each page
checked by axe-core."""

from __future__ import annotations

import pytest

from browser.conftest import sign_in_page
from browser.test_navigation import axe_problems
from civicfutures.auth.accounts import create_user
from civicfutures.db.tables import Story
from imports.conftest import polish_rows  # noqa: F401
from imports.spreadsheets import csv_bytes
from pages.conftest import PASSWORD

pytestmark = pytest.mark.browser

BUTTON = {"en": "Import these 2 stories", "ar": "استيراد هاتين القصتين (2)"}
DONE = {"en": "2 new stories", "ar": "2"}


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_check_then_import_without_choosing_the_file_again(
    live_server,
    browser,
    world,
    polish_rows,  # noqa: F811 (the fixture imported above)
    artifacts,
    lang,
):
    email = f"browser-import-{lang}@test.civicfutures.eu"
    await create_user(email, "partner", ("gdansk",), password=PASSWORD)
    context = await browser.new_context(
        bypass_csp=True, locale=lang, viewport={"width": 1200, "height": 900}
    )
    page = await context.new_page()
    await sign_in_page(page, live_server, lang, email)
    problems: list[str] = []

    await page.goto(f"{live_server}/{lang}/sites/gdansk")
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    problems += await axe_problems(page)
    async with page.expect_navigation():
        await page.click(f'main a[href="/{lang}/sites/gdansk/import"]')
    assert page.url == f"{live_server}/{lang}/sites/gdansk/import"

    await page.set_input_files(
        "#import-file",
        {"name": "historie.csv", "mimeType": "text/csv", "buffer": csv_bytes(polish_rows)},
    )
    async with page.expect_navigation():
        await page.click('button[name="action"][value="check"]')
    button = page.locator("form.import-checked button[type=submit]")
    assert (await button.inner_text()).strip() == BUTTON[lang]
    assert await page.locator("#import-file").input_value() == ""
    problems += await axe_problems(page)
    await page.screenshot(path=str(artifacts / f"import-checked-{lang}.png"), full_page=True)
    assert await Story.count() == 0

    sha256 = await page.locator('form.import-checked input[name="sha256"]').input_value()
    async with page.expect_navigation():
        await button.click()
    assert page.url.endswith(f"/{lang}/sites/gdansk/import?imported=2&existing=0")
    notice = page.locator("main p.notice[role=status]")
    assert DONE[lang] in await notice.inner_text()
    problems += await axe_problems(page)
    assert await Story.count() == 2

    # The same button again (a second tab, a resubmission): refused, named, nothing written.
    async with page.expect_navigation():
        await page.evaluate(
            """([action, sha256]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                for (const [name, value] of [["sha256", sha256], ["_csrf_token",
                        document.querySelector('input[name="_csrf_token"]').value]]) {
                    const input = document.createElement("input");
                    input.type = "hidden"; input.name = name; input.value = value;
                    form.append(input);
                }
                document.body.append(form);
                form.submit();
            }""",
            [f"/{lang}/sites/gdansk/import/checked", sha256],
        )
    assert await page.locator("#import-checked-error").is_visible()
    problems += await axe_problems(page)
    await page.screenshot(path=str(artifacts / f"import-refused-{lang}.png"), full_page=True)
    assert await Story.count() == 2
    await context.close()
    assert not problems, "\n".join(problems)
