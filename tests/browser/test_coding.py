"""Coding by selection in a real browser: two coders select words in a Polish, an Arabic and an
NFD-typed story (mouse-style selection and Shift+arrows), and the stored offsets are what the
API counts; axe-core finds no serious or critical problem on the page in English and Arabic."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from browser.conftest import sign_in_page
from browser.test_navigation import axe_problems
from civicfutures.auth.accounts import create_user
from civicfutures.auth.actor import SYSTEM
from civicfutures.db.tables import Coding, Project, Site, Theme, Workshop
from civicfutures.intake import schemas as s
from civicfutures.intake.people_service import StorytellerService
from civicfutures.intake.story_service import StoryService
from pages.conftest import PASSWORD

pytestmark = pytest.mark.browser

POLISH = "Ławka pod lipą stoi pusta, a rada dzielnicy decyduje gdzieś daleko 🌳."
ARABIC = "مستقبل المدينة 🏙️ يبدأ من الحيّ، والشباب يريدون أن يُسمعوا."
NFD = unicodedata.normalize("NFD", "Żółć zalała mieszkańców, ale ćwiczą głosowanie.")


async def _story(body: str, language: str) -> int:
    site = await Site.select(Site.id, Site.project).where(Site.slug == "gdansk").first()
    workshop = await Workshop.select(Workshop.id).where(Workshop.site == site["id"]).first()
    teller = await StorytellerService().create(
        SYSTEM,
        s.StorytellerIn(
            site="gdansk",
            code=f"BR-CODE-{language}-{len(body)}",
            consent=s.ConsentIn(
                version="v1",
                given_at=dt.datetime(2025, 3, 15, tzinfo=dt.UTC),
                scopes=["research", "quote"],
            ),
        ),
    )
    story = await StoryService().create(
        SYSTEM,
        s.StoryIn(
            workshop=workshop["id"],
            storytellers=[teller.id],
            kind="present",
            language=language,
            title=f"Coding {language}",
            body=body,
        ),
    )
    return story.id


async def _select(page, words: str) -> None:
    """Select `words` in the original text as a mouse drag would leave the selection."""
    await page.evaluate(
        """(words) => {
          const box = document.getElementById('text-original');
          const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
          let node; const nodes = []; let text = '';
          while ((node = walker.nextNode())) { nodes.push([node, text.length]); text += node.data; }
          const at = text.indexOf(words);
          const find = (i) => { for (const [n, base] of nodes) {
              if (i <= base + n.data.length) return [n, i - base]; } };
          const range = document.createRange();
          range.setStart(...find(at)); range.setEnd(...find(at + words.length));
          const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        }""",
        words,
    )
    await page.wait_for_function("() => document.getElementById('coding-end').value !== ''")


async def _code(page, base: str, lang: str, story: int, words: str, theme: str) -> tuple[int, int]:
    await page.goto(f"{base}/{lang}/stories/{story}")
    await _select(page, words)
    start = int(await page.input_value("#coding-start"))
    end = int(await page.input_value("#coding-end"))
    await page.fill("#coding-theme", theme)
    async with page.expect_navigation():
        await page.click("#coding-form button[type=submit]")
    assert "saved=coded" in page.url
    return start, end


async def test_two_coders_select_words_and_the_offsets_are_the_apis(
    live_server, browser, demo, artifacts
):
    theme = (await Theme.select(Theme.key).order_by(Theme.id).first())["key"]
    coders = []
    for n in (1, 2):
        email = f"browser-coder-{n}@test.civicfutures.eu"
        await create_user(email, "researcher", (), password=PASSWORD)
        coders.append(email)
    stories = {
        "pl": await _story(POLISH, "pl"),
        "ar": await _story(ARABIC, "ar"),
        "nfd": await _story(NFD, "pl"),
    }
    cases = [
        (coders[0], "pl", POLISH, "rada dzielnicy decyduje gdzieś daleko 🌳"),
        (coders[0], "ar", ARABIC, "🏙️ يبدأ من الحيّ"),
        (coders[1], "nfd", NFD, unicodedata.normalize("NFC", "mieszkańców, ale ćwiczą")),
        (coders[1], "ar", ARABIC, "والشباب"),
    ]
    for email, key, body, words in cases:
        page = await browser.new_page(viewport={"width": 1100, "height": 900})
        await sign_in_page(page, live_server, "en", email)
        start, end = await _code(page, live_server, "en", stories[key], words, theme)
        expected = unicodedata.normalize("NFC", body).index(words)
        assert (start, end) == (expected, expected + len(words))
        row = (
            await Coding.select(Coding.start_offset, Coding.end_offset, Coding.coder)
            .where(Coding.story == stories[key])
            .order_by(Coding.id, ascending=False)
            .first()
        )
        assert (row["start_offset"], row["end_offset"], row["coder"]) == (start, end, email)
        await page.close()

    # Keyboard alone: focus the text, Shift+arrows select five characters from its start.
    page = await browser.new_page(viewport={"width": 1100, "height": 900})
    await sign_in_page(page, live_server, "en", coders[1])
    await page.goto(f"{live_server}/en/stories/{stories['pl']}")
    await page.focus("#text-original")
    for _ in range(5):
        await page.keyboard.press("Shift+ArrowRight")
    await page.wait_for_function("() => document.getElementById('coding-end').value === '5'")
    assert await page.input_value("#coding-start") == "0"
    await page.screenshot(path=str(artifacts / "coding-story-en.png"), full_page=True)
    problems = await axe_problems(page)
    await page.goto(f"{live_server}/ar/stories/{stories['ar']}")
    await page.screenshot(path=str(artifacts / "coding-story-ar.png"), full_page=True)
    problems += await axe_problems(page)
    project = (await Project.select(Project.slug).first())["slug"]
    await page.goto(f"{live_server}/ar/projects/{project}/codings")
    await page.screenshot(path=str(artifacts / "coding-overview-ar.png"), full_page=True)
    problems += await axe_problems(page)
    await page.close()
    assert not problems, "\n".join(problems)
