"""A recorded story in Chromium, signed out, on the Ukrainian interface: the recording plays
from the platform under its content security policy with the Ukrainian subtitles showing;
axe-core on the page in Ukrainian and Arabic; a withdrawal takes the media along (410)."""

from __future__ import annotations

import pytest

from archive.conftest import SCOPES, set_consent
from browser.test_navigation import axe_problems
from recordings.conftest import recorded, wav  # noqa: F401

pytestmark = pytest.mark.browser

PLAYER = "#story-recording"


async def test_a_visitor_plays_a_recording_with_ukrainian_subtitles(
    live_server,
    browser,
    client,
    admin,
    recorded,  # noqa: F811 - the fixture imported above
):
    context = await browser.new_context(locale="uk")
    page = await context.new_page()
    answer = await page.goto(f"{live_server}/uk{recorded['url']}")
    assert answer.status == 200
    assert await page.locator("html").get_attribute("lang") == "uk"
    # HAVE_METADATA or more: the browser read the WAV served with ranges.
    await page.wait_for_function(f"document.querySelector('{PLAYER}').readyState >= 1")
    tracks = await page.evaluate(
        f"""() => Array.from(document.querySelector('{PLAYER}').textTracks)
            .map(t => ({{language: t.language, mode: t.mode}}))"""
    )
    assert {t["language"]: t["mode"] for t in tracks} == {"pl": "disabled", "uk": "showing"}
    # The cue loads and is the Ukrainian text while the recording plays (muted: no gesture).
    await page.evaluate(
        f"() => {{ const m = document.querySelector('{PLAYER}'); m.muted = true; return m.play(); }}"
    )
    await page.wait_for_function(
        f"""() => {{ const m = document.querySelector('{PLAYER}');
            const uk = Array.from(m.textTracks).find(t => t.language === 'uk');
            return m.currentTime > 0 && uk.cues && uk.cues.length === 1; }}"""
    )
    cue = await page.evaluate(
        f"""() => Array.from(document.querySelector('{PLAYER}').textTracks)
            .find(t => t.language === 'uk').cues[0].text"""
    )
    assert cue == "Автобус, якого немає."
    assert await context.cookies() == []
    await context.close()

    checked = await browser.new_context(bypass_csp=True, locale="uk")
    page = await checked.new_page()
    problems: list[str] = []
    for lang in ("uk", "ar"):
        assert (await page.goto(f"{live_server}/{lang}{recorded['url']}")).status == 200
        problems += await axe_problems(page)
    assert await page.locator("html").get_attribute("dir") == "rtl"
    assert not problems, "\n".join(problems)

    await set_consent(client, admin, recorded["first"], SCOPES, withdrawn=True)
    for path in ("recording", "subtitles/uk"):
        gone = await page.request.get(f"{live_server}{recorded['url']}/{path}")
        assert gone.status == 410
    await checked.close()
