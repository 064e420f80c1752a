"""Reconciling in a real browser: two coders select words in a Polish, an Arabic and an
NFD-typed story; one disagreement is followed from the agreement page to the story, where
both coders' excerpts stand side by side and one is agreed on; the project's `.qdpx` then
holds exactly the selected excerpts, per coder, and the agreed one under its own user.
axe-core finds no serious or critical problem on the agreement page in English and Arabic."""

from __future__ import annotations

import io
import unicodedata
import zipfile

import pytest
from lxml import etree

from browser.conftest import sign_in_page
from browser.test_coding import ARABIC, NFD, POLISH, _code, _story
from browser.test_navigation import axe_problems
from civicfutures.auth.accounts import create_token, create_user
from civicfutures.db.tables import AgreedCoding, Coding, Project, Story, Theme
from pages.conftest import PASSWORD

pytestmark = pytest.mark.browser


async def test_a_disagreement_is_followed_and_reconciled(live_server, browser, demo, artifacts):
    themes = [row["key"] for row in await Theme.select(Theme.key).order_by(Theme.id).limit(2)]
    project = (await Project.select(Project.slug).first())["slug"]
    coders = []
    for n in (1, 2):
        email = f"browser-reconciler-{n}@test.civicfutures.eu"
        await create_user(email, "researcher", (), password=PASSWORD)
        coders.append(email)
    stories = {
        "pl": await _story(POLISH, "pl"),
        "ar": await _story(ARABIC, "ar"),
        "nfd": await _story(NFD, "pl"),
    }
    nfd_words = unicodedata.normalize("NFC", "mieszkańców, ale ćwiczą")
    # Both coders agree on the Polish and NFD stories; on the Arabic one, the first applies
    # the first theme to other words than the second, who also applies the second theme.
    cases = [
        (coders[0], "pl", "rada dzielnicy", themes[0]),
        (coders[1], "pl", "rada dzielnicy", themes[0]),
        (coders[0], "nfd", nfd_words, themes[0]),
        (coders[1], "nfd", nfd_words, themes[0]),
        (coders[0], "ar", "🏙️ يبدأ من الحيّ", themes[0]),
        (coders[1], "ar", "والشباب", themes[0]),
        (coders[1], "ar", "يريدون أن يُسمعوا", themes[1]),
    ]
    for email, key, words, theme in cases:
        page = await browser.new_page(viewport={"width": 1100, "height": 900})
        await sign_in_page(page, live_server, "en", email)
        await _code(page, live_server, "en", stories[key], words, theme)
        await page.close()
    before = await Coding.count().where(Coding.story.is_in(list(stories.values())))
    assert before == 7

    page = await browser.new_page(viewport={"width": 1100, "height": 900})
    await sign_in_page(page, live_server, "en", coders[0])
    await page.goto(f"{live_server}/en/")
    async with page.expect_navigation():
        await page.click(f'nav a[href="/en/projects/{project}/agreement"]')
    rows = page.locator(f'table.disagreements tr[data-story="{stories["ar"]}"]')
    assert await rows.count() == 1  # the second theme; the first both applied, on other words
    assert await rows.first.get_attribute("data-theme") == themes[1]
    for key in ("pl", "nfd"):
        assert await page.locator(f'tr[data-story="{stories[key]}"]').count() == 0
    await page.screenshot(path=str(artifacts / "agreement-en.png"), full_page=True)
    problems = await axe_problems(page)

    async with page.expect_navigation():
        await rows.first.locator("a").click()
    assert f"reconcile={themes[1]}" in page.url
    excerpts = page.locator("#reconcile mark.reconcile-excerpt")
    assert await excerpts.all_inner_texts() == ["يريدون أن يُسمعوا"]
    assert await page.locator("#reconcile li[data-coder]").count() == 2
    assert await page.locator(f'#reconcile li[data-coder="{coders[0]}"]').inner_text() != ""
    async with page.expect_navigation():
        await page.locator("#reconcile form button", has_text="Agree on this excerpt").click()
    assert "saved=agreed" in page.url
    agreed = await AgreedCoding.select(
        AgreedCoding.start_offset, AgreedCoding.end_offset, AgreedCoding.agreed_label
    ).where(AgreedCoding.story == stories["ar"])
    start = ARABIC.index("يريدون أن يُسمعوا")
    assert agreed == [
        {
            "start_offset": start,
            "end_offset": start + len("يريدون أن يُسمعوا"),
            "agreed_label": coders[0],
        }
    ]
    assert "يريدون أن يُسمعوا" in await page.locator(".agreed-codings").inner_text()
    # The coders' own codings stay for the statistics.
    assert await Coding.count().where(Coding.story.is_in(list(stories.values()))) == before

    await page.goto(f"{live_server}/en/projects/{project}/agreement")
    state = page.locator(f'table.disagreements tr[data-story="{stories["ar"]}"] .tag')
    assert await state.inner_text() == "agreed: applies"
    await page.goto(f"{live_server}/ar/projects/{project}/agreement")
    assert await page.get_attribute("html", "dir") == "rtl"
    await page.screenshot(path=str(artifacts / "agreement-ar.png"), full_page=True)
    problems += await axe_problems(page)
    await page.goto(f"{live_server}/ar/stories/{stories['ar']}?reconcile={themes[0]}")
    problems += await axe_problems(page)
    await page.close()
    assert not problems, "\n".join(problems)

    # The export carries exactly the excerpts selected, each under its coder, and the agreed
    # one under a user of its own.
    token = await create_token(coders[0])
    answer = await browser.new_context()
    response = await answer.request.get(
        f"{live_server}/api/v1/exports/qdpx?project={project}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.ok, await response.text()
    with zipfile.ZipFile(io.BytesIO(await response.body())) as archive:
        tree = etree.fromstring(archive.read("project.qde"))
    await answer.close()
    ns = {"q": "urn:QDA-XML:project:1.0"}
    users = {u.get("guid"): u.get("id") for u in tree.iterfind("q:Users/q:User", ns)}
    bodies = {r["id"]: r["body"] for r in await Story.select(Story.id, Story.body)}
    by_id = {story_id: key for key, story_id in stories.items()}
    exported = set()
    for source in tree.iterfind("q:Sources/q:TextSource", ns):
        story = int(source.get("name").split(" · ")[0])
        if story not in by_id:
            continue
        for selection in source.iterfind("q:PlainTextSelection", ns):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            exported.add(
                (users[selection.get("creatingUser")], by_id[story], bodies[story][start:end])
            )
    selected = {
        (email, key, unicodedata.normalize("NFC", words)) for email, key, words, _t in cases
    }
    assert exported == selected | {("agreed", "ar", "يريدون أن يُسمعوا")}
