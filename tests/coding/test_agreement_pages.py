"""The agreement page and the story page's reconcile and memo forms, without JavaScript,
in English and Arabic; memos through the API: who reads, who writes, audit, erasure."""

from __future__ import annotations

import re

from builders import story_body
from pages.conftest import csrf_token

BODY = "Linię autobusową zlikwidowano bez pytania mieszkańców. Żółć mnie zalała."


async def _disagreement(client, world, admin, token_for, email_coder=None) -> tuple[int, dict]:
    """A story the page's coder and another researcher coded differently."""
    from civicfutures.db.tables import Coding, Story, Theme, User

    answer = await client.post(
        "/api/v1/stories", json=story_body(world, body=BODY, codings=[]), headers=admin
    )
    story = answer.json()["id"]
    other = await token_for("researcher")
    coded = await client.post(
        f"/api/v1/stories/{story}/codings",
        json={"theme": "youth_voice", "start": 6, "end": 16},
        headers=other,
    )
    assert coded.status_code == 201, coded.text
    if email_coder:
        user = await User.select(User.id).where(User.email == email_coder).first()
        theme = await Theme.select(Theme.id).where(Theme.key == "digital_tools").first()
        await Coding.insert(
            Coding(story=story, theme=theme["id"], coder=email_coder, coder_user=user["id"])
        )
    assert await Story.exists().where(Story.id == story)
    return story, coded.json()


async def test_the_agreement_page_leads_to_a_reconciled_coding(
    client, world, admin, token_for, sign_in
):
    from civicfutures.db.tables import AgreedCoding, Coding

    email = await sign_in("researcher")
    story, _coding = await _disagreement(client, world, admin, token_for, email_coder=email)
    page = await client.get("/en/projects/futures/agreement")
    assert page.status_code == 200, page.text
    assert 'href="/en/projects/futures/agreement"' in page.text  # in the navigation
    assert "not enough doubly-coded stories" in page.text
    link = f"/en/stories/{story}?reconcile=youth_voice#reconcile"
    assert link in page.text

    opened = await client.get(link.split("#")[0])
    assert opened.status_code == 200
    assert 'class="reconcile-excerpt"' in opened.text
    assert "autobusową" in opened.text and "did not apply this theme" in opened.text
    token = csrf_token(opened.text)
    saved = await client.post(
        f"/en/stories/{story}/agreed",
        data={"theme": "youth_voice", "start": "6", "end": "16", "text": "", "_csrf_token": token},
    )
    assert saved.status_code == 303, saved.text
    rows = await AgreedCoding.select().where(AgreedCoding.story == story)
    assert [(r["start_offset"], r["end_offset"], r["applies"]) for r in rows] == [(6, 16, True)]
    assert await Coding.count().where(Coding.story == story) == 2
    page = await client.get("/en/projects/futures/agreement")
    assert "agreed: applies" in page.text

    # A refused decision comes back on the story page with the reason.
    clash = await client.post(
        f"/en/stories/{story}/agreed",
        data={"theme": "youth_voice", "applies": "0", "_csrf_token": token},
    )
    assert clash.status_code == 422
    assert "remove them first" in clash.text


async def test_the_agreement_page_in_arabic_is_right_to_left(
    client, world, admin, token_for, sign_in
):
    await sign_in("researcher", lang="ar")
    await _disagreement(client, world, admin, token_for)
    page = await client.get("/ar/projects/futures/agreement")
    assert page.status_code == 200, page.text
    assert re.search(r'<html[^>]*lang="ar"[^>]*dir="rtl"', page.text)
    assert "Coder agreement" not in page.text


async def test_a_partner_of_another_site_never_sees_a_memo(client, world, admin, token_for):
    researcher = await token_for("researcher")
    story, coding = await _disagreement(client, world, admin, token_for)
    on_story = await client.post(
        "/api/v1/memos", json={"story": story, "text": "Compare with Võru."}, headers=researcher
    )
    assert on_story.status_code == 201, on_story.text
    on_excerpt = await client.post(
        "/api/v1/memos",
        json={"coding": coding["id"], "text": "The bus stands for distance."},
        headers=researcher,
    )
    assert on_excerpt.status_code == 201, on_excerpt.text
    on_theme = await client.post(
        "/api/v1/memos",
        json={"theme": "youth_voice", "project": "futures", "text": "Split by age?"},
        headers=researcher,
    )
    assert on_theme.status_code == 201, on_theme.text

    listed = (await client.get(f"/api/v1/stories/{story}/memos", headers=researcher)).json()
    assert [(m["story"], m["coding"], m["text"]) for m in listed] == [
        (story, None, "Compare with Võru."),
        (story, coding["id"], "The bus stands for distance."),
    ]
    themes = (await client.get("/api/v1/projects/futures/memos", headers=researcher)).json()
    assert [(m["theme"], m["text"]) for m in themes] == [("youth_voice", "Split by age?")]

    elsewhere = await token_for("partner", "voru")
    assert (
        await client.get(f"/api/v1/stories/{story}/memos", headers=elsewhere)
    ).status_code == 404
    assert (await client.get("/api/v1/projects/futures/memos", headers=elsewhere)).json() == []
    refused = await client.post(
        "/api/v1/memos",
        json={"theme": "youth_voice", "project": "futures", "text": "x"},
        headers=elsewhere,
    )
    assert refused.status_code == 403
    home = await token_for("partner", "gdansk")
    seen = (await client.get(f"/api/v1/stories/{story}/memos", headers=home)).json()
    assert len(seen) == 2

    # Only the author (or an admin) changes a memo; each write is audited.
    other = await token_for("researcher")
    memo = on_story.json()["id"]
    forbidden = await client.patch(f"/api/v1/memos/{memo}", json={"text": "mine"}, headers=other)
    assert forbidden.status_code == 403
    changed = await client.patch(
        f"/api/v1/memos/{memo}", json={"text": "Compare with Reggio."}, headers=researcher
    )
    assert changed.status_code == 200 and changed.json()["text"] == "Compare with Reggio."
    assert (await client.delete(f"/api/v1/memos/{memo}", headers=admin)).status_code == 204
    audit = (await client.get("/api/v1/audit?entity=memo", headers=admin)).json()
    assert sorted(e["action"] for e in audit["items"]) == [
        "create", "create", "create", "delete", "update"
    ]  # fmt: skip
    assert "Compare" not in str(audit)


async def test_a_memo_needs_one_target_and_some_text(client, world, admin, token_for):
    researcher = await token_for("researcher")
    story, coding = await _disagreement(client, world, admin, token_for)
    both = await client.post(
        "/api/v1/memos",
        json={"story": story, "coding": coding["id"], "text": "x"},
        headers=researcher,
    )
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "story"
    empty = await client.post(
        "/api/v1/memos", json={"story": story, "text": "   "}, headers=researcher
    )
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "text"
    unknown = await client.post(
        "/api/v1/memos",
        json={"theme": "nope", "project": "futures", "text": "x"},
        headers=researcher,
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "theme"


async def test_erasing_the_storyteller_takes_the_memos_on_their_story(
    client, world, admin, token_for
):
    from civicfutures.db.tables import AgreedCoding, Memo

    researcher = await token_for("researcher")
    story, coding = await _disagreement(client, world, admin, token_for)
    for body in ({"story": story}, {"coding": coding["id"]}):
        made = await client.post(
            "/api/v1/memos", json={**body, "text": "about this story"}, headers=researcher
        )
        assert made.status_code == 201
    theme_memo = await client.post(
        "/api/v1/memos",
        json={"theme": "youth_voice", "project": "futures", "text": "about the theme"},
        headers=researcher,
    )
    assert theme_memo.status_code == 201
    agreed = await client.post(
        f"/api/v1/stories/{story}/agreed-codings", json={"theme": "youth_voice"}, headers=admin
    )
    assert agreed.status_code == 201
    teller = world["storytellers"]["gdansk"][0]["id"]
    erased = await client.delete(f"/api/v1/storytellers/{teller}", headers=admin)
    assert erased.status_code in (200, 204), erased.text
    assert [m["body"] for m in await Memo.select(Memo.body)] == ["about the theme"]
    assert await AgreedCoding.count() == 0


async def test_memo_forms_on_the_story_page(client, world, admin, token_for, sign_in):
    from civicfutures.db.tables import Memo

    await sign_in("researcher")
    story, coding = await _disagreement(client, world, admin, token_for)
    page = await client.get(f"/en/stories/{story}")
    token = csrf_token(page.text)
    empty = await client.post(
        f"/en/stories/{story}/memos", data={"about": "", "text": " ", "_csrf_token": token}
    )
    assert empty.status_code == 422 and "Write the memo" in empty.text
    saved = await client.post(
        f"/en/stories/{story}/memos",
        data={"about": str(coding["id"]), "text": "Distance, not time.", "_csrf_token": token},
    )
    assert saved.status_code == 303, saved.text
    page = await client.get(f"/en/stories/{story}")
    assert "Distance, not time." in page.text and "on the excerpt" in page.text
    memo = await Memo.select(Memo.id, Memo.coding).first()
    assert memo["coding"] == coding["id"]
    changed = await client.post(
        f"/en/stories/{story}/memos/{memo['id']}/change",
        data={"text": "Distance.", "_csrf_token": token},
    )
    assert changed.status_code == 303
    removed = await client.post(
        f"/en/stories/{story}/memos/{memo['id']}/delete", data={"_csrf_token": token}
    )
    assert removed.status_code == 303
    assert await Memo.count() == 0


async def test_hostile_memo_input_is_refused_naming_the_field(client, world, admin, token_for):
    researcher = await token_for("researcher")
    story, _coding = await _disagreement(client, world, admin, token_for)
    nul = await client.post(
        "/api/v1/memos", json={"story": story, "text": "a\x00b"}, headers=researcher
    )
    assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "text"
    huge = await client.post(
        "/api/v1/memos", json={"coding": 2**40, "text": "x"}, headers=researcher
    )
    assert huge.status_code == 400 and "coding" in huge.text
    long = await client.post(
        "/api/v1/memos", json={"story": story, "text": "x" * 10_001}, headers=researcher
    )
    assert long.status_code == 422 and long.json()["errors"][0]["field"] == "text"
    from civicfutures.db.tables import Memo

    assert await Memo.count() == 0
