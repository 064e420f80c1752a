"""The coding forms of the story page without JavaScript, and the project's coding overview."""

from __future__ import annotations

from builders import story_body
from pages.conftest import csrf_token


async def _story(client, world, admin) -> int:
    answer = await client.post(
        "/api/v1/stories",
        json=story_body(world, body="Ławka pod lipą stoi pusta. Ławka czeka.", codings=[]),
        headers=admin,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def test_find_a_phrase_and_pick_a_theme_by_its_label(client, world, admin, sign_in):
    from civicfutures.db.tables import Coding

    story = await _story(client, world, admin)
    email = await sign_in("researcher", lang="pl")
    page = await client.get(f"/pl/stories/{story}")
    assert 'list="coding-themes"' in page.text and "/static/coding.js" in page.text
    token = csrf_token(page.text)
    # The second "Ławka", chosen by its Polish label typed in another case.
    saved = await client.post(
        f"/pl/stories/{story}/codings",
        data={
            "theme": "cyfrowe narzędzia demokracji",
            "phrase": "Ławka",
            "occurrence": "2",
            "_csrf_token": token,
        },
    )
    assert saved.status_code == 303, saved.text
    row = await Coding.select().where(Coding.story == story).first()
    second = "Ławka pod lipą stoi pusta. Ławka czeka.".rindex("Ławka")
    assert (row["start_offset"], row["end_offset"], row["coder"]) == (second, second + 5, email)
    refused = await client.post(
        f"/pl/stories/{story}/codings",
        data={"theme": "digital_tools", "phrase": "autobus", "_csrf_token": token},
    )
    assert refused.status_code == 422
    assert "nie występuje w tym tekście" in refused.text
    split = await client.post(
        f"/pl/stories/{story}/codings",
        data={"theme": "nope", "start": "0", "end": "5", "_csrf_token": token},
    )
    assert split.status_code == 422
    assert "nope" in split.text
    removed = await client.post(
        f"/pl/stories/{story}/codings/{row['id']}/delete", data={"_csrf_token": token}
    )
    assert removed.status_code == 303
    assert await Coding.count().where(Coding.story == story) == 0


async def test_the_overview_shows_who_coded_what_and_respects_blind_coding(
    client, world, admin, token_for, sign_in
):
    from civicfutures.db.tables import Project

    story = await _story(client, world, admin)
    other = await token_for("researcher")
    made = await client.post(
        f"/api/v1/stories/{story}/codings", json={"theme": "youth_voice"}, headers=other
    )
    assert made.status_code == 201
    await sign_in("researcher")
    page = await client.get("/en/projects/futures/codings")
    assert page.status_code == 200
    assert made.json()["coder"] in page.text and "Young people unheard" in page.text
    filtered = await client.get("/en/projects/futures/codings?coder=nobody")
    assert "No codings yet." in filtered.text and "<table" not in filtered.text
    await Project.update({Project.blind_coding: True}).where(Project.slug == "futures")
    blind = await client.get("/en/projects/futures/codings")
    assert "Blind coding is on" in blind.text
    assert "Young people unheard</td>" not in blind.text
