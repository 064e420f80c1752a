"""The administration pages in a real browser, in English and Arabic: an admin makes a token for
a researcher, sees it once, revokes it, then finds both actions in the audit log; axe-core finds
no serious or critical problem, and the audit table stays inside its panel on a phone."""

from __future__ import annotations

import pytest

from browser.conftest import sign_in_page
from browser.test_navigation import axe_problems
from civicfutures.auth.accounts import create_user
from civicfutures.db.tables import ApiToken
from pages.conftest import PASSWORD

pytestmark = pytest.mark.browser

ADMIN = "browser-admin@test.civicfutures.eu"
RESEARCHER = "browser-researcher@test.civicfutures.eu"


@pytest.fixture
async def accounts() -> int:
    await create_user(ADMIN, "admin", (), password=PASSWORD)
    return await create_user(RESEARCHER, "researcher", (), password=PASSWORD)


async def _fits(page) -> bool:
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return widths[0] <= widths[1]


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_a_token_made_seen_once_revoked_and_found_in_the_audit_log(
    live_server, browser, accounts, artifacts, lang
):
    context = await browser.new_context(
        bypass_csp=True, locale=lang, viewport={"width": 1200, "height": 900}
    )
    page = await context.new_page()
    await sign_in_page(page, live_server, lang, ADMIN)
    problems: list[str] = []

    await page.goto(f"{live_server}/{lang}/admin/tokens")
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    problems += await axe_problems(page)
    await page.select_option("#token-user", str(accounts))
    await page.fill("#token-name", f"notebook-{lang}")
    await page.fill("#token-expires_days", "14")
    async with page.expect_navigation():
        await page.click("form.stacked-form button[type=submit]")
    shown = page.locator("#new-token-value")
    assert await shown.is_visible()
    token = await shown.input_value()
    assert token.startswith("cf_") and len(token) > 40
    problems += await axe_problems(page)
    await page.screenshot(path=str(artifacts / f"admin-token-shown-{lang}.png"), full_page=True)

    # Shown once: the list never carries it again.
    await page.goto(f"{live_server}/{lang}/admin/tokens")
    assert token not in await page.content()
    assert await page.locator("#new-token-value").count() == 0
    row = page.locator("#tokens tbody tr", has_text=f"notebook-{lang}")
    async with page.expect_navigation():
        await row.locator("button[type=submit]").click()
    assert page.url.endswith(f"/{lang}/admin/tokens?revoked=1")
    assert await row.locator("button").count() == 0
    saved = await ApiToken.select(ApiToken.revoked_at).where(ApiToken.user == accounts).first()
    assert saved["revoked_at"] is not None
    problems += await axe_problems(page)
    await page.screenshot(path=str(artifacts / f"admin-token-revoked-{lang}.png"), full_page=True)

    # The audit log, filtered to tokens: the creation and the revocation, fields named.
    await page.goto(f"{live_server}/{lang}/admin/audit")
    await page.select_option("#filter-entity", "api_token")
    async with page.expect_navigation():
        await page.click("form.filters button[type=submit]")
    rows = page.locator(".audit-table tbody tr")
    assert await rows.count() == 2
    assert await rows.nth(0).locator(".audit-fields").inner_text() == "revoked_at"
    assert await rows.nth(1).locator(".audit-fields").inner_text() == "expires_at, name"
    assert await _fits(page)
    problems += await axe_problems(page)
    await page.screenshot(path=str(artifacts / f"admin-audit-1200-{lang}.png"), full_page=True)

    # On a phone the table scrolls inside its own region, which takes the keyboard focus.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{live_server}/{lang}/admin/audit")
    assert await _fits(page)
    region = page.locator(".audit-wrap")
    assert await region.get_attribute("tabindex") == "0"
    inner = await region.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert inner[0] >= inner[1]
    await region.focus()
    assert await page.evaluate("document.activeElement.classList.contains('audit-wrap')")
    problems += await axe_problems(page)
    await page.screenshot(path=str(artifacts / f"admin-audit-390-{lang}.png"), full_page=True)
    for other in ("users", "tokens"):
        await page.goto(f"{live_server}/{lang}/admin/{other}")
        assert await _fits(page), other
    await page.screenshot(path=str(artifacts / f"admin-tokens-390-{lang}.png"), full_page=True)

    # A researcher manages their own tokens on the account page.
    await context.clear_cookies()
    await sign_in_page(page, live_server, lang, RESEARCHER)
    await page.set_viewport_size({"width": 1200, "height": 900})
    await page.goto(f"{live_server}/{lang}/account")
    assert f"notebook-{lang}" in await page.content()
    problems += await axe_problems(page)
    await page.screenshot(path=str(artifacts / f"account-tokens-{lang}.png"), full_page=True)
    await context.close()
    assert not problems, "\n".join(problems)
