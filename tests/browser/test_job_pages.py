"""The pages that follow a background job, in Chromium, in English and Arabic: an export
written by a job (`/{lang}/exports/jobs/{id}`) and an import committed by one
(`/{lang}/sites/{site}/import?job={id}`).

While the job runs each page shows a labelled progress bar that follows the job in place,
without reloading (a timed reload is only the fallback without JavaScript); once the job has
ended the page reloads once: the export's page then links to the file (which downloads) and
shows its notes, the import's page shows the report, or either says that the job failed.
No serious or critical axe-core violation in any of these states.

The server hands every export, and every import of more than one story, to a job
(`queueing_server`). The finished state comes from the real flow: the form submitted, the
job run (by the server on SQLite, by `job_worker` on PostgreSQL). A real job over a few
stories ends before a page could show it running, so the running state is a job row
recorded as running, as a runner records it (as `test_briefing_progress.py` does).
"""

from __future__ import annotations

import io

import polars as pl
import pytest

from browser.conftest import sign_in_page
from browser.test_navigation import axe_problems
from civicfutures.auth.accounts import create_user
from civicfutures.db.tables import Story
from civicfutures.jobs.runner import now
from civicfutures.jobs.service import new_id
from civicfutures.jobs.tables import Job
from imports.conftest import polish_rows  # noqa: F401
from imports.spreadsheets import csv_bytes
from pages.conftest import PASSWORD

pytestmark = pytest.mark.browser

PROJECT = "euarenas-futures"
LANGS = ["en", "ar"]
# Generous: a job of a few stories ends in seconds, but the machine may be loaded.
JOB_TIMEOUT_MS = 90_000


async def _running_job(kind: str, user_id: int, step: str, progress: float, **row) -> str:
    """A job recorded as running for this account, as a runner records one it has begun."""
    job_id = new_id()
    moment = now()
    await Job.insert(
        Job(
            id=job_id,
            kind=kind,
            status="running",
            step=step,
            progress=progress,
            requested_by=user_id,
            created_at=moment,
            started_at=moment,
            heartbeat_at=moment,
            attempts=1,
            **row,
        )
    )
    return job_id


async def _signed_in(browser, base: str, lang: str, email: str):
    context = await browser.new_context(
        bypass_csp=True,
        locale=lang,
        viewport={"width": 1000, "height": 900},
        accept_downloads=True,
    )
    page = await context.new_page()
    await sign_in_page(page, base, lang, email)
    return page


async def _no_sideways_scroll(page) -> None:
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths


async def _labelled_progress(page, bar: str, label: str) -> int:
    """The progress bar's value, once its accessible name is checked to be the label shown."""
    name = (await page.locator(label).inner_text()).strip()
    assert name
    assert await page.get_by_role("progressbar", name=name, exact=True).count() == 1
    assert await page.locator(bar).is_visible()
    return await page.eval_on_selector(bar, "bar => bar.value")


@pytest.mark.parametrize("lang", LANGS)
async def test_an_export_job_page_shows_its_progress_then_the_file(
    queueing_server, browser, demo, job_worker, artifacts, lang
):
    email = f"browser-export-job-{lang}@test.civicfutures.eu"
    user_id = await create_user(email, "researcher", (), password=PASSWORD)
    page = await _signed_in(browser, queueing_server, lang, email)
    problems: list[str] = []

    # Running: the status, a labelled bar at 40 %, no timed reload (only in <noscript>).
    running = await _running_job("export", user_id, "write", 0.4, subject="browser")
    response = await page.goto(f"{queueing_server}/{lang}/exports/jobs/{running}")
    assert response is not None and response.status == 200
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert await page.locator('meta[http-equiv="refresh"]').count() == 0
    assert await page.locator('dd[data-status="running"] [role="status"]').inner_text()
    bar = "progress#export-progress"
    assert await _labelled_progress(page, bar, 'label[for="export-progress"]') == 40
    # The bar follows the job in place: a mark set on this document survives the update.
    await page.evaluate("window.notReloaded = true")
    await Job.update({Job.progress: 0.7}).where(Job.id == running)
    await page.wait_for_function(f"document.querySelector('{bar}').value === 70", timeout=20_000)
    assert await page.locator("[data-job-percent]").inner_text() == "70"
    assert await page.evaluate("window.notReloaded === true")
    problems += await axe_problems(page)
    await _no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / f"export-job-running-{lang}.png"), full_page=True)

    # Ended: the page reloads once and says how.
    await Job.update({Job.status: "failed", Job.finished_at: now()}).where(Job.id == running)
    await page.wait_for_selector('dd[data-status="failed"]', timeout=20_000)
    assert await page.locator("progress").count() == 0
    problems += await axe_problems(page)

    # Done, through the form: the job page follows the job to its file and notes.
    await page.goto(f"{queueing_server}/{lang}/exports")
    await page.select_option("#export-project", PROJECT)
    await page.select_option("#export-kind", "stories")
    await page.select_option("#export-format", "csv")
    async with page.expect_navigation():
        await page.click("form.intake-form button[type=submit]")
    assert f"/{lang}/exports/jobs/" in page.url, page.url
    link = page.locator('main a[download][href$="/file"]')
    await link.wait_for(timeout=JOB_TIMEOUT_MS)
    assert await page.locator('dd[data-status="done"]').count() == 1
    assert await page.locator("progress").count() == 0
    assert await page.locator('meta[http-equiv="refresh"]').count() == 0
    assert await page.locator("ul.export-notes li").count() > 0
    # In the export's language (the project's: English), marked so on an Arabic page too.
    notes = page.locator("ul.export-notes")
    assert (await notes.get_attribute("lang"), await notes.get_attribute("dir")) == ("en", "ltr")
    async with page.expect_download() as waiting:
        await link.click()
    download = await waiting.value
    assert download.suggested_filename == (await link.inner_text()).strip()
    table = pl.read_csv(io.BytesIO((await download.path()).read_bytes()), infer_schema=False)
    assert table.height > 10 and "title" in table.columns
    problems += await axe_problems(page)
    await _no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / f"export-job-done-{lang}.png"), full_page=True)
    await page.context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
async def test_an_import_job_shows_its_progress_then_the_report(
    queueing_server,
    browser,
    world,
    polish_rows,  # noqa: F811 (the fixture imported above)
    job_worker,
    artifacts,
    lang,
):
    email = f"browser-import-job-{lang}@test.civicfutures.eu"
    user_id = await create_user(email, "partner", ("gdansk",), password=PASSWORD)
    page = await _signed_in(browser, queueing_server, lang, email)
    import_page = f"{queueing_server}/{lang}/sites/gdansk/import"
    problems: list[str] = []

    # Running: the step in words, a bar at 60 % named by the block's heading.
    site_id = world["sites"]["gdansk"]["id"]
    running = await _running_job("import", user_id, "check", 0.6, site=site_id)
    response = await page.goto(f"{import_page}?job={running}")
    assert response is not None and response.status == 200
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert await page.locator('meta[http-equiv="refresh"]').count() == 0
    assert await page.locator("section.build-progress").is_visible()
    bar = "progress#import-progress"
    assert await _labelled_progress(page, bar, "#import-progress-heading") == 60
    step = page.locator('section.build-progress [role="status"]')
    checking = await page.get_attribute(bar, "aria-valuetext")
    assert checking and checking in await step.inner_text()
    # The next step and its progress are shown in place, in words and on the bar.
    await page.evaluate("window.notReloaded = true")
    await Job.update({Job.step: "write", Job.progress: 0.8}).where(Job.id == running)
    await page.wait_for_function(f"document.querySelector('{bar}').value === 80", timeout=20_000)
    writing = await page.get_attribute(bar, "aria-valuetext")
    assert writing and writing != checking
    assert await step.inner_text() == f"{writing} (80 %)"
    assert await page.evaluate("window.notReloaded === true")
    problems += await axe_problems(page)
    await _no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / f"import-job-running-{lang}.png"), full_page=True)

    # Ended: the page reloads once and says how.
    await Job.update({Job.status: "failed", Job.finished_at: now()}).where(Job.id == running)
    await page.wait_for_selector("#import-job-title", timeout=20_000)
    assert await page.locator("section.build-progress").count() == 0
    problems += await axe_problems(page)

    # Done, through the form: two stories are one more than the server commits at once.
    await page.goto(import_page)
    await page.set_input_files(
        "#import-file",
        {"name": "historie.csv", "mimeType": "text/csv", "buffer": csv_bytes(polish_rows)},
    )
    async with page.expect_navigation():
        await page.click('button[name="action"][value="import"]')
    assert "?job=" in page.url, page.url
    report = page.locator("main dl.meta")
    await report.wait_for(timeout=JOB_TIMEOUT_MS)
    assert await page.locator("section.build-progress").count() == 0
    assert await page.locator('meta[http-equiv="refresh"]').count() == 0
    assert await page.locator("main p.notice[role=status]").inner_text()
    counts = await report.locator("dd").all_inner_texts()
    assert counts[2:] == ["2", "0"], counts  # new stories, stories already imported
    assert await Story.count() == 2
    problems += await axe_problems(page)
    await _no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / f"import-job-report-{lang}.png"), full_page=True)
    await page.context.close()
    assert not problems, "\n".join(problems)
