"""Uploading a story's recording and subtitles: types read from the content, limits, WebVTT
checked line by line, only for those who may change the story, audited, erased with it."""

from __future__ import annotations

import pytest

from archive.conftest import set_consent
from recordings.conftest import subtitles, upload
from recordings.media import BROKEN_VTT, POLISH_VTT, UKRAINIAN_VTT


def errors(answer) -> dict[str, str]:
    return {e["field"]: e["message"] for e in answer.json()["errors"]}


async def test_a_recording_and_subtitles_are_kept_and_listed(client, admin, recorded, wav):
    from civicfutures.db.tables import AuditEvent

    listed = await client.get(f"/api/v1/stories/{recorded['story']}/media", headers=admin)
    assert listed.status_code == 200
    assert [(m["kind"], m["language"], m["media_type"], m["size"]) for m in listed.json()] == [
        ("recording", "", "audio/wav", len(wav)),
        ("subtitles", "pl", "text/vtt", len(POLISH_VTT)),
        ("subtitles", "uk", "text/vtt", len(UKRAINIAN_VTT)),
    ]
    logged = await AuditEvent.select(AuditEvent.action, AuditEvent.entity).where(
        AuditEvent.action == "upload"
    )
    assert sorted((e["action"], e["entity"]) for e in logged) == [
        ("upload", "recording"),
        ("upload", "subtitles"),
        ("upload", "subtitles"),
    ]


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n" + b"0" * 4000,  # a document renamed .mp3
        b"RIFF\x24\x00\x00\x00AVI LIST" + b"\x00" * 200,  # a video of another kind
        b"\x00" * 10,
        b"",
        "Zwykły tekst, nie nagranie.".encode(),
    ],
)
async def test_what_is_no_recording_is_refused_by_its_content(client, admin, world, content):
    from archive.conftest import add_story

    story = await add_story(client, admin, world)
    answer = await client.post(
        f"/api/v1/stories/{story}/recording",
        content=content,
        headers={**admin, "Content-Type": "audio/mpeg", "X-File-Name": "nagranie.mp3"},
    )
    assert answer.status_code == 422
    assert "the type is read from the file's content" in errors(answer)["recording"]
    assert (await client.get(f"/api/v1/stories/{story}/media", headers=admin)).json() == []


async def test_an_oversize_recording_is_refused_and_nothing_kept(
    client, admin, world, wav, monkeypatch
):
    from archive.conftest import add_story
    from civicfutures.settings import get_settings
    from civicfutures.storage.objects import get_storage

    story = await add_story(client, admin, world)
    monkeypatch.setenv("CIVICFUTURES_RECORDING_MAX_BYTES", str(len(wav) - 1))
    get_settings.cache_clear()
    try:
        answer = await upload(client, admin, story, wav)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert answer.status_code == 413
    assert "at most" in errors(answer)["recording"]
    assert await get_storage().list(f"recordings/story-{story}") == []


async def test_broken_subtitles_name_the_field_and_line(client, admin, world):
    from archive.conftest import add_story

    story = await add_story(client, admin, world)
    answer = await subtitles(client, admin, story, "uk", BROKEN_VTT)
    assert answer.status_code == 422
    assert errors(answer)["subtitles"].startswith("Line 6:")
    polish = await subtitles(
        client, {**admin, "Accept-Language": "pl"}, story, "uk", b"no header\n"
    )
    assert polish.status_code == 422 and "WEBVTT" in errors(polish)["subtitles"]
    assert polish.json()["detail"] != "The subtitles are not a WebVTT file."
    assert (await subtitles(client, admin, story, "uk", b"\xff\xfe\x00")).status_code == 422
    bad_tag = await subtitles(client, admin, story, "not a language", UKRAINIAN_VTT)
    assert bad_tag.status_code == 422 and "lang" in errors(bad_tag)
    huge = await subtitles(client, admin, story, "uk", b"WEBVTT\n\n" + b"x" * 2_000_000)
    assert huge.status_code == 413


async def test_another_sites_story_and_a_withdrawn_tellers_story_are_not_found(
    client, admin, world, wav, token_for
):
    from archive.conftest import add_story

    gdansk = await add_story(client, admin, world)
    voru_partner = await token_for("partner", "voru")
    assert (await upload(client, voru_partner, gdansk, wav)).status_code == 404
    assert (await subtitles(client, voru_partner, gdansk, "pl", UKRAINIAN_VTT)).status_code == 404
    researcher = await token_for("researcher")
    assert (await upload(client, researcher, gdansk, wav)).status_code == 403
    gdansk_partner = await token_for("partner", "gdansk")
    assert (await upload(client, gdansk_partner, gdansk, wav)).status_code == 201
    teller = world["storytellers"]["gdansk"][0]["id"]
    await set_consent(client, admin, teller, ["research"], withdrawn=True)
    assert (await upload(client, gdansk_partner, gdansk, wav)).status_code == 404
    assert (
        await client.post("/api/v1/stories/99999999999/recording", content=wav, headers=admin)
    ).status_code in (400, 404, 422)


async def test_an_erasure_deletes_the_files(client, admin, recorded):
    from civicfutures.db.tables import StoryMedia
    from civicfutures.storage.objects import get_storage

    prefix = f"recordings/story-{recorded['story']}"
    assert len(await get_storage().list(prefix)) == 3
    answer = await client.delete(f"/api/v1/storytellers/{recorded['first']}", headers=admin)
    assert answer.status_code in (200, 204), answer.text
    assert await get_storage().list(prefix) == []
    assert await StoryMedia.count() == 0
    assert (await client.get(f"{recorded['url']}/recording")).status_code == 410
