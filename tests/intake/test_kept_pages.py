"""Pages and lists kept per data version show every write in the next response.

The writes below go straight to the tables, as another process's would: only the data
version, bumped by the database's triggers, can tell this process that its kept story page,
list page or search answer is stale.
"""

from __future__ import annotations

from builders import story_body
from pages.conftest import csrf_token


async def _story(client, world, admin, **changes) -> int:
    answer = await client.post(
        "/api/v1/stories", json=story_body(world, codings=[], **changes), headers=admin
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def _user_id(email: str) -> int:
    from civicfutures.db.tables import User

    return (await User.select(User.id).where(User.email == email).first())["id"]


async def _theme_id(key: str) -> int:
    from civicfutures.db.tables import Theme

    return (await Theme.select(Theme.id).where(Theme.key == key).first())["id"]


async def test_the_story_page_shows_each_coders_write_in_the_next_response(
    client, world, admin, sign_in
):
    from civicfutures.db.tables import AgreedCoding, CodingDone, Memo, Story

    story = await _story(client, world, admin)
    email = await sign_in("researcher")
    user = await _user_id(email)
    first = await client.get(f"/en/stories/{story}")
    assert first.status_code == 200
    assert "Mark my coding of this story done" in first.text
    assert "No memos yet." in first.text
    # Asked again before any write: the kept page, the same HTML.
    assert (await client.get(f"/en/stories/{story}")).text == first.text

    await CodingDone.insert(CodingDone(story=story, user=user))
    assert "Reopen my coding of this story" in (await client.get(f"/en/stories/{story}")).text

    row = await Story.select(Story.site, Story.site.project).where(Story.id == story).first()
    await Memo.insert(
        Memo(
            project=row["site.project"],
            site=row["site"],
            story=story,
            body="Kept pages must not hide this memo.",
            author=user,
            author_label=email,
        )
    )
    page = await client.get(f"/en/stories/{story}")
    assert "Kept pages must not hide this memo." in page.text

    await AgreedCoding.insert(
        AgreedCoding(story=story, theme=await _theme_id("youth_voice"), agreed_label="Agreed-X")
    )
    assert "Agreed-X" in (await client.get(f"/en/stories/{story}")).text

    await Story.update({Story.title: "A title changed elsewhere"}).where(Story.id == story)
    assert "A title changed elsewhere" in (await client.get(f"/en/stories/{story}")).text


async def test_a_kept_story_page_carries_each_sessions_own_csrf_token(
    app, client, world, admin, sign_in
):
    import httpx

    story = await _story(client, world, admin)
    await sign_in("researcher")
    mine = await client.get(f"/en/stories/{story}")
    # Another browser of the same account kind: its own session, its own token.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as other:
        from civicfutures.auth.accounts import create_user
        from pages.conftest import PASSWORD

        await create_user("kept-second@test.civicfutures.eu", "researcher", (), password=PASSWORD)
        login = await other.get("/en/login")
        signed = await other.post(
            "/en/login",
            data={
                "email": "kept-second@test.civicfutures.eu",
                "password": PASSWORD,
                "next": "",
                "_csrf_token": csrf_token(login.text),
            },
        )
        assert signed.status_code == 303
        theirs = await other.get(f"/en/stories/{story}")
    assert theirs.status_code == 200
    assert csrf_token(mine.text) != csrf_token(theirs.text)
    assert "<!--csrf-" not in mine.text and "<!--csrf-" not in theirs.text
    # The token of the kept page is accepted: a memo saved through it.
    saved = await client.post(
        f"/en/stories/{story}/memos",
        data={"about": "", "text": "Through the kept page.", "_csrf_token": csrf_token(mine.text)},
    )
    assert saved.status_code == 303, saved.text
    assert "Through the kept page." in (await client.get(f"/en/stories/{story}")).text


async def test_the_list_and_search_drop_a_withdrawn_storytellers_story_at_once(
    client, world, admin, token_for
):
    from civicfutures.db.tables import Storyteller

    story = await _story(client, world, admin, title="Ogrody społeczne na dachach")
    reader = await token_for("researcher")
    listed = await client.get("/api/v1/stories", params={"site": "gdansk"}, headers=reader)
    assert story in [item["id"] for item in listed.json()["items"]]
    found = await client.get("/api/v1/stories", params={"q": "ogrody"}, headers=reader)
    assert [item["id"] for item in found.json()["items"]] == [story]
    search_page = await client.get("/en/search", params={"q": "ogrody"}, headers=reader)
    assert f"/en/stories/{story}" in search_page.text

    teller = world["storytellers"]["gdansk"][0]["id"]
    await Storyteller.update({Storyteller.consent_scopes: []}).where(Storyteller.id == teller)
    listed = await client.get("/api/v1/stories", params={"site": "gdansk"}, headers=reader)
    assert story not in [item["id"] for item in listed.json()["items"]]
    assert listed.json()["total"] == len(listed.json()["items"])
    found = await client.get("/api/v1/stories", params={"q": "ogrody"}, headers=reader)
    assert found.json()["items"] == [] and found.json()["total"] == 0
    search_page = await client.get("/en/search", params={"q": "ogrody"}, headers=reader)
    assert f"/en/stories/{story}" not in search_page.text
    assert (await client.get(f"/en/stories/{story}", headers=reader)).status_code == 404


async def test_a_done_mark_written_elsewhere_opens_others_codings_in_the_list(
    client, world, admin, token_for
):
    from civicfutures.auth.accounts import create_token, create_user
    from civicfutures.db.tables import CodingDone, Project

    story = await _story(client, world, admin)
    other = await token_for("researcher")
    made = await client.post(
        f"/api/v1/stories/{story}/codings", json={"theme": "youth_voice"}, headers=other
    )
    assert made.status_code == 201, made.text
    await Project.update({Project.blind_coding: True}).where(Project.slug == "futures")
    email = "kept-blind@test.civicfutures.eu"
    await create_user(email, "researcher", (), password="correct horse battery")
    reader = {"Authorization": f"Bearer {await create_token(email)}"}

    async def themes() -> list[str]:
        answer = await client.get("/api/v1/stories", params={"site": "gdansk"}, headers=reader)
        item = next(i for i in answer.json()["items"] if i["id"] == story)
        return [coding["theme"] for coding in item["codings"]]

    assert await themes() == []
    assert await themes() == []
    await CodingDone.insert(CodingDone(story=story, user=await _user_id(email)))
    assert await themes() == ["youth_voice"]


async def test_a_page_kept_for_one_sites_partner_is_never_served_to_another_sites(
    client, world, admin, token_for
):
    story = await _story(client, world, admin, title="Głos dzielnicy w budżecie miasta")
    gdansk = await token_for("partner", "gdansk")
    voru = await token_for("partner", "voru")
    for lang in ("en", "ar"):
        page = await client.get(f"/{lang}/stories/{story}", headers=gdansk)
        assert page.status_code == 200
        assert "Głos dzielnicy w budżecie miasta" in page.text
    listed = await client.get("/api/v1/stories", params={"q": "dzielnicy"}, headers=gdansk)
    assert [item["id"] for item in listed.json()["items"]] == [story]

    # The same story, the same data version, the same process: the other site's partner is a
    # different reader scope and is answered from its own reads.
    for lang in ("en", "ar"):
        assert (await client.get(f"/{lang}/stories/{story}", headers=voru)).status_code == 404
    listed = await client.get("/api/v1/stories", params={"q": "dzielnicy"}, headers=voru)
    assert listed.json()["items"] == [] and listed.json()["total"] == 0
    search_page = await client.get("/ar/search", params={"q": "dzielnicy"}, headers=voru)
    assert search_page.status_code == 200
    assert f"/ar/stories/{story}" not in search_page.text
