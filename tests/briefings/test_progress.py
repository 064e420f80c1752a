"""A build over the synchronous limit: its steps and bar in the page and in the JSON progress
route, the no-JavaScript refresh, and the page's script served from /static."""

from __future__ import annotations

import asyncio
import re

from briefings.conftest import post_briefing_form


def _translated(language: str, message: str, **values) -> str:
    from civicfutures.i18n import gettext, use_locale

    with use_locale(language):
        return gettext(message) % values if values else gettext(message)


async def test_a_background_build_reports_each_step_until_ready(
    client, world, sign_in, monkeypatch, job_worker
):
    from civicfutures.briefings import service
    from civicfutures.briefings.progress import steps

    monkeypatch.setattr(service, "SYNC_LIMIT", -1)
    await sign_in("author")
    response = await post_briefing_form(client, "pl", site="gdansk")
    assert response.status_code == 303, response.text
    detail_path = response.headers["location"]
    seen = []
    for _attempt in range(600):
        progress = await client.get(f"{detail_path}/progress")
        assert progress.status_code == 200, progress.text
        assert progress.headers["content-type"].startswith("application/json")
        seen.append(progress.json())
        if seen[-1]["status"] != "building":
            break
        await asyncio.sleep(0.05)
    total = len(steps())
    assert seen[-1]["status"] == "ready"
    assert (seen[-1]["done"], seen[-1]["total"], seen[-1]["percent"]) == (total, total, 100)
    assert all(p["total"] == total for p in seen)
    done = [p["done"] for p in seen]
    assert done == sorted(done)  # never goes back
    assert [s["state"] for s in seen[-1]["steps"]] == ["done"] * total
    assert seen[-1]["label"] == _translated("pl", "Done")
    ready = await client.get(detail_path)
    assert "briefing.html" in ready.text and "<progress" not in ready.text


async def test_the_page_shows_the_steps_and_bar_of_a_build_under_way(client, world, sign_in):
    """A build begun and its job running, advanced step by step as its job row says."""
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.briefings.params import BriefingIn
    from civicfutures.briefings.progress import step_label, steps
    from civicfutures.briefings.service import BriefingService
    from civicfutures.jobs.runner import now
    from civicfutures.jobs.tables import Job

    builds = BriefingService()
    params, site_id = await builds.resolve(SYSTEM, BriefingIn(project="futures", site="gdansk"))
    info, inputs, identifier = await builds.prepare(params)
    status = await builds._start(SYSTEM, params, site_id, info, identifier)
    job = Job(id="0" * 24, kind="briefing", subject=identifier, status="running", created_at=now())
    await Job.insert(job)
    await sign_in("author", lang="pl")
    path = f"/pl/briefings/{identifier}"
    total = len(steps())

    waiting = await client.get(path)
    assert waiting.status_code == 200
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in waiting.text
    assert f'data-progress-url="{path}/progress"' in waiting.text
    assert '<script src="/static/briefing-progress.js" defer></script>' in waiting.text
    bar = re.search(r"<progress [^>]*>", waiting.text).group(0)
    assert (
        f'max="{total}"' in bar
        and 'value="0"' in bar
        and 'aria-labelledby="progress-heading"' in bar
    )
    with_label = _translated(
        "pl", "Step %(done)s of %(total)s: %(step)s", done=0, total=total, step=""
    )
    assert with_label.rstrip() in waiting.text

    await Job.update({Job.step: "charts", Job.progress: 2 / total}).where(Job.id == job.id)
    progress = (await client.get(f"{path}/progress")).json()
    assert (progress["step"], progress["done"], progress["status"]) == ("charts", 2, "building")
    assert [s["state"] for s in progress["steps"]][:4] == ["done", "done", "current", "waiting"]
    page = (await client.get(path)).text
    assert 'value="2"' in re.search(r"<progress [^>]*>", page).group(0)
    charts = _translated("pl", "Drawing the charts")
    assert re.search(
        rf'<li data-step="charts" data-state="current" aria-current="step">{charts}', page
    )
    assert progress["label"] == step_label("charts") or progress["label"] == charts

    await builds._finish(status, info, params, inputs)
    await Job.update({Job.status: "done"}).where(Job.id == job.id)
    done = (await client.get(f"{path}/progress")).json()
    assert (done["status"], done["done"], done["percent"]) == ("ready", total, 100)
    assert "<noscript><meta" not in (await client.get(path)).text


async def test_the_progress_script_is_served_and_the_route_is_guarded(client, world, sign_in):
    script = await client.get("/static/briefing-progress.js")
    assert script.status_code == 200 and "data-progress-url" in script.text
    anonymous = await client.get("/en/briefings/0123456789abcdef01234567/progress")
    assert anonymous.status_code in (303, 401)
    await sign_in("author")
    missing = await client.get("/en/briefings/0123456789abcdef01234567/progress")
    assert missing.status_code == 404
