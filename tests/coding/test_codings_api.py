"""Coding through the API as signed-in coders: offsets in code points on Arabic, Ukrainian,
NFD and emoji text, translations, hostile inputs, consent, blind coding, audit, re-anchoring."""

from __future__ import annotations

import unicodedata

import pytest

from builders import story_body

ARABIC = "مستقبل المدينة 🏙️ يبدأ من الحيّ، والشباب يريدون أن يُسمعوا."
UKRAINIAN = "Громада вирішує сама 👩‍👩‍👧: автобус повернувся до села."
NFD = unicodedata.normalize("NFD", "Żółć zalała mieszkańców, ale ćwiczą głosowanie.")


async def _story(client, world, admin, body: str, language: str, **changes) -> int:
    answer = await client.post(
        "/api/v1/stories",
        json=story_body(world, body=body, language=language, codings=[], **changes),
        headers=admin,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _span(text: str, words: str) -> tuple[int, int]:
    text = unicodedata.normalize("NFC", text)
    words = unicodedata.normalize("NFC", words)
    start = text.index(words)
    return start, start + len(words)


@pytest.mark.parametrize(
    ("body", "language", "words"),
    [
        (ARABIC, "ar", "🏙️ يبدأ من الحيّ"),
        (UKRAINIAN, "uk", "👩‍👩‍👧: автобус"),
        (NFD, "pl", unicodedata.normalize("NFD", "mieszkańców, ale ćwiczą")),
    ],
)
async def test_offsets_count_code_points_of_the_nfc_text(
    client, world, admin, token_for, body, language, words
):
    story = await _story(client, world, admin, body, language)
    researcher = await token_for("researcher")
    start, end = _span(body, words)
    answer = await client.post(
        f"/api/v1/stories/{story}/codings",
        json={"theme": "youth_voice", "start": start, "end": end},
        headers=researcher,
    )
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["coder"].startswith("researcher")
    assert created["excerpt"] == unicodedata.normalize("NFC", words)
    stored = (await client.get(f"/api/v1/stories/{story}", headers=admin)).json()
    assert {"theme": "youth_voice", "start": start, "end": end} in [
        {k: c[k] for k in ("theme", "start", "end")} for c in stored["codings"]
    ]
    assert stored["body"][start:end] == unicodedata.normalize("NFC", words)


async def test_a_split_character_is_refused_naming_the_offset(client, world, admin, token_for):
    story = await _story(client, world, admin, NFD, "pl")
    researcher = await token_for("researcher")
    # Inside the emoji sequence of the Ukrainian text: a code point that is not a boundary.
    uk = await _story(client, world, admin, UKRAINIAN, "uk")
    family = UKRAINIAN.index("👩")
    answer = await client.post(
        f"/api/v1/stories/{uk}/codings",
        json={"theme": "youth_voice", "start": family + 1, "end": family + 4},
        headers=researcher,
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "start"
    assert story


async def test_coding_on_a_translation_counts_in_the_translation(client, world, admin, token_for):
    translation = "Мешканців не спитали 🚌, лінію закрили."
    story = await _story(
        client,
        world,
        admin,
        "Linię zlikwidowano bez pytania mieszkańców.",
        "pl",
        translations=[{"language": "uk", "body": translation, "by": "human"}],
    )
    partner = await token_for("partner", "gdansk")
    start, end = _span(translation, "🚌, лінію")
    answer = await client.post(
        f"/api/v1/stories/{story}/codings",
        json={"theme": "digital_tools", "start": start, "end": end, "translation": "uk"},
        headers=partner,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["translation"] == "uk"
    assert answer.json()["excerpt"] == "🚌, лінію"
    stored = (await client.get(f"/api/v1/stories/{story}", headers=admin)).json()
    assert {
        "theme": "digital_tools",
        "coder": answer.json()["coder"],
        "start": start,
        "end": end,
        "translation": "uk",
    } in stored["codings"]
    missing = await client.post(
        f"/api/v1/stories/{story}/codings",
        json={"theme": "digital_tools", "start": 0, "end": 2, "translation": "ar"},
        headers=partner,
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "translation"


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"theme": "youth_voice", "start": 5, "end": 2}, 422, "end"),
        ({"theme": "youth_voice", "start": 0, "end": 5000}, 422, "end"),
        ({"theme": "youth_voice", "start": 0}, 422, "end"),
        ({"theme": "nope", "start": 0, "end": 4}, 422, "theme"),
        ({"theme": "youth_voice", "start": 0, "end": 10**30}, 400, None),
        ({"theme": "youth_voice", "start": -1, "end": 3}, 400, None),
    ],
)
async def test_hostile_inputs_are_refused_and_nothing_is_written(
    client, world, admin, token_for, payload, status, field
):
    story = await _story(client, world, admin, ARABIC, "ar")
    researcher = await token_for("researcher")
    answer = await client.post(f"/api/v1/stories/{story}/codings", json=payload, headers=researcher)
    assert answer.status_code == status, answer.text
    if field:
        assert field in [e["field"] for e in answer.json()["errors"]]
    stored = (await client.get(f"/api/v1/stories/{story}", headers=admin)).json()
    assert stored["codings"] == []


async def test_who_may_code_which_story(client, world, admin, token_for):
    story = await _story(client, world, admin, UKRAINIAN, "uk")
    payload = {"theme": "youth_voice"}
    other_partner = await token_for("partner", "voru")
    author = await token_for("author")
    assert (
        await client.post(f"/api/v1/stories/{story}/codings", json=payload, headers=other_partner)
    ).status_code == 404
    assert (
        await client.post(f"/api/v1/stories/{story}/codings", json=payload, headers=author)
    ).status_code == 403
    assert (await client.post(f"/api/v1/stories/{story}/codings", json=payload)).status_code == 401
    # A withdrawn storyteller's story cannot be coded by anyone, admins included.
    teller = world["storytellers"]["gdansk"][0]["id"]
    withdrawn = await client.patch(
        f"/api/v1/storytellers/{teller}",
        json={
            "consent": {
                "version": "v1",
                "given_at": "2025-03-15",
                "scopes": [],
                "withdrawn_at": "2025-06-01T00:00:00Z",
            }
        },
        headers=admin,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    for who in (admin, await token_for("researcher"), await token_for("partner", "gdansk")):
        answer = await client.post(f"/api/v1/stories/{story}/codings", json=payload, headers=who)
        assert answer.status_code == 404, answer.text


async def test_removing_and_changing_is_for_the_coder_and_admins_and_audited(
    client, world, admin, token_for
):
    from civicfutures.db.tables import AuditEvent

    story = await _story(client, world, admin, ARABIC, "ar")
    first, second = await token_for("researcher"), await token_for("researcher")
    start, end = _span(ARABIC, "المدينة")
    made = await client.post(
        f"/api/v1/stories/{story}/codings",
        json={"theme": "youth_voice", "start": start, "end": end},
        headers=first,
    )
    coding = made.json()["id"]
    assert (await client.delete(f"/api/v1/codings/{coding}", headers=second)).status_code == 403
    assert (
        await client.patch(
            f"/api/v1/codings/{coding}", json={"theme": "digital_tools"}, headers=second
        )
    ).status_code == 403
    changed = await client.patch(
        f"/api/v1/codings/{coding}", json={"theme": "digital_tools"}, headers=first
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["theme"] == "digital_tools"
    assert (await client.delete(f"/api/v1/codings/{coding}", headers=first)).status_code == 204
    assert (await client.delete(f"/api/v1/codings/{coding}", headers=first)).status_code == 404
    again = await client.post(
        f"/api/v1/stories/{story}/codings", json={"theme": "youth_voice"}, headers=first
    )
    assert (
        await client.delete(f"/api/v1/codings/{again.json()['id']}", headers=admin)
    ).status_code == 204
    events = (
        await AuditEvent.select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.detail)
        .output(load_json=True)
        .where(AuditEvent.entity == "coding")
        .order_by(AuditEvent.id)
    )
    assert [(e["action"], e["entity_id"]) for e in events] == [
        ("create", str(coding)),
        ("update", str(coding)),
        ("delete", str(coding)),
        ("create", str(again.json()["id"])),
        ("delete", str(again.json()["id"])),
    ]
    assert events[1]["detail"]["fields"] == ["theme"]
    # The audit never holds the coded words.
    assert "المدينة" not in str(events)


async def test_blind_coding_hides_others_until_done(client, world, admin, token_for):
    from civicfutures.db.tables import Project

    await Project.update({Project.blind_coding: True}).where(Project.slug == "futures")
    story = await _story(client, world, admin, UKRAINIAN, "uk")
    first, second = await token_for("researcher"), await token_for("researcher")
    for who, theme in ((first, "youth_voice"), (second, "digital_tools")):
        answer = await client.post(
            f"/api/v1/stories/{story}/codings", json={"theme": theme}, headers=who
        )
        assert answer.status_code == 201, answer.text

    async def themes(who) -> list[str]:
        story_out = (await client.get(f"/api/v1/stories/{story}", headers=who)).json()
        listed = (await client.get(f"/api/v1/stories/{story}/codings", headers=who)).json()
        assert sorted(c["theme"] for c in listed) == sorted(
            c["theme"] for c in story_out["codings"]
        )
        return sorted(c["theme"] for c in story_out["codings"])

    assert await themes(first) == ["youth_voice"]
    assert await themes(second) == ["digital_tools"]
    assert await themes(admin) == ["digital_tools", "youth_voice"]
    done = await client.post(
        f"/api/v1/stories/{story}/coding-done", json={"done": True}, headers=first
    )
    assert done.status_code == 200, done.text
    assert await themes(first) == ["digital_tools", "youth_voice"]
    assert await themes(second) == ["digital_tools"]
    # A hidden coding is not there to delete either.
    hidden = (await client.get(f"/api/v1/stories/{story}/codings", headers=admin)).json()
    theirs = next(c["id"] for c in hidden if c["theme"] == "youth_voice")
    assert (await client.delete(f"/api/v1/codings/{theirs}", headers=second)).status_code == 404


async def test_codings_move_with_their_words_when_the_body_is_edited(
    client, world, admin, token_for
):
    story = await _story(client, world, admin, ARABIC, "ar")
    researcher = await token_for("researcher")
    start, end = _span(ARABIC, "الشباب")
    made = await client.post(
        f"/api/v1/stories/{story}/codings",
        json={"theme": "youth_voice", "start": start, "end": end},
        headers=researcher,
    )
    assert made.status_code == 201
    edited = "مقدمة جديدة. " + ARABIC
    patch = await client.patch(
        f"/api/v1/stories/{story}", json={"body": edited}, headers={**admin, "If-Match": "1"}
    )
    assert patch.status_code == 200, patch.text
    listed = (await client.get(f"/api/v1/stories/{story}/codings", headers=researcher)).json()
    assert listed[0]["excerpt"] == "الشباب"
    assert listed[0]["start"] == start + len("مقدمة جديدة. ")
    removed = await client.patch(
        f"/api/v1/stories/{story}",
        json={"body": "نص آخر تماما"},
        headers={**admin, "If-Match": "2"},
    )
    assert removed.status_code == 422
    assert removed.json()["errors"][0]["field"] == "body"
