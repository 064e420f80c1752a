"""A briefing being built, watched in Chromium: the bar and the steps move without a reload,
the page shows the files once the build is done; no serious axe-core violation, in English
and Arabic."""

from __future__ import annotations

import pytest

from browser.conftest import sign_in_page
from browser.test_navigation import axe_problems
from civicfutures.auth.accounts import create_user
from pages.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_progress_of_a_build_updates_in_place(
    live_server, browser, demo, lang, artifacts
):
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.briefings.params import BriefingIn
    from civicfutures.briefings.progress import steps
    from civicfutures.briefings.service import BriefingService

    email = f"browser-progress-{lang}@test.civicfutures.eu"
    await create_user(email, "author", (), password=PASSWORD)
    # A build recorded as begun by this (living) test process, which then advances it.
    builds = BriefingService()
    data = BriefingIn(project="euarenas-futures", site="gdansk", language=lang)
    params, site_id = await builds.resolve(SYSTEM, data)
    info, inputs, identifier = await builds.prepare(params)
    status = await builds._start(SYSTEM, params, site_id, info, identifier)
    # Its job running, as a worker would have it: the page reads the build's state there.
    from civicfutures.jobs.runner import now
    from civicfutures.jobs.tables import Job

    job = Job(id="0" * 24, kind="briefing", subject=identifier, status="running", created_at=now())
    await Job.insert(job)
    total = len(steps())

    context = await browser.new_context(
        bypass_csp=True, locale=lang, viewport={"width": 1000, "height": 900}
    )
    page = await context.new_page()
    await sign_in_page(page, live_server, lang, email)
    response = await page.goto(f"{live_server}/{lang}/briefings/{identifier}")
    assert response is not None and response.status == 200
    bar = page.locator("progress#briefing-progress")
    assert await bar.get_attribute("max") == str(total)
    assert await page.evaluate("document.querySelector('progress').value") == 0
    problems = await axe_problems(page)
    # Set on this document only: still there after the update means the page did not reload.
    await page.evaluate("window.notReloaded = true")

    await Job.update({Job.step: "charts", Job.progress: 2 / total}).where(Job.id == job.id)
    await page.wait_for_function("document.querySelector('progress').value === 2", timeout=20_000)
    assert await page.evaluate("window.notReloaded === true")
    current = page.locator('li[aria-current="step"]')
    assert await current.get_attribute("data-step") == "charts"
    assert await page.locator('li[data-state="done"]').count() == 2
    status_text = await page.locator("[data-progress-status]").inner_text()
    assert status_text == await bar.get_attribute("aria-valuetext")
    problems += await axe_problems(page)
    await page.screenshot(path=str(artifacts / f"briefing-progress-{lang}.png"), full_page=True)

    # Done: the script reloads the page, which now lists the files.
    await builds._finish(status, info, params, inputs)
    await Job.update({Job.status: "done"}).where(Job.id == job.id)
    await page.wait_for_selector('a[href$="/files/briefing.html"]', timeout=30_000)
    assert await page.locator("progress").count() == 0
    problems += await axe_problems(page)
    await context.close()
    assert not problems, "\n".join(problems)
