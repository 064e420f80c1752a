"""Uploading a recording and subtitles on the story page: saved and shown, or the form back
with a localized error naming the field."""

from __future__ import annotations

from archive.conftest import add_story
from recordings.media import BROKEN_VTT, UKRAINIAN_VTT, wav_bytes


async def test_a_partner_uploads_a_recording_and_subtitles_on_the_story_page(
    client, admin, sign_in, world
):
    story = await add_story(client, admin, world)
    await sign_in("partner", "gdansk")
    page = await client.get(f"/en/stories/{story}")
    assert 'id="media-recording"' in page.text and "No recording yet." in page.text
    csrf = {"_csrf_token": client.cookies.get("civicfutures_csrf", "")}
    sent = await client.post(
        f"/en/stories/{story}/recording",
        data=csrf,
        files={"recording": ("nagranie.wav", wav_bytes(0.2), "audio/wav")},
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/en/stories/{story}?saved=recording#recording-heading"
    sent = await client.post(
        f"/en/stories/{story}/subtitles",
        data={**csrf, "language": "uk"},
        files={"subtitles": ("uk.vtt", UKRAINIAN_VTT, "text/vtt")},
    )
    assert sent.status_code == 303
    shown = await client.get(f"/en/stories/{story}?saved=subtitles")
    assert "The subtitles are saved." in shown.text
    assert "Kept: audio/wav" in shown.text and "Subtitles: Ukrainian" in shown.text


async def test_bad_files_come_back_with_the_field_named_in_the_page_language(
    client, admin, sign_in, world
):
    story = await add_story(client, admin, world)
    await sign_in("partner", "gdansk", lang="pl")
    await client.get(f"/pl/stories/{story}")
    csrf = {"_csrf_token": client.cookies.get("civicfutures_csrf", "")}
    renamed = await client.post(
        f"/pl/stories/{story}/recording",
        data=csrf,
        files={"recording": ("nagranie.mp3", b"%PDF-1.7 not audio" * 50, "audio/mpeg")},
    )
    assert renamed.status_code == 422
    assert 'href="#media-recording"' in renamed.text
    assert "typ odczytuje się z zawartości pliku" in renamed.text
    broken = await client.post(
        f"/pl/stories/{story}/subtitles",
        data={**csrf, "language": "uk"},
        files={"subtitles": ("uk.vtt", BROKEN_VTT, "text/vtt")},
    )
    assert broken.status_code == 422
    assert 'href="#media-subtitles"' in broken.text and "Wiersz 6:" in broken.text
    bad_tag = await client.post(
        f"/pl/stories/{story}/subtitles",
        data={**csrf, "language": "?!"},
        files={"subtitles": ("uk.vtt", UKRAINIAN_VTT, "text/vtt")},
    )
    assert bad_tag.status_code == 422 and 'href="#media-language"' in bad_tag.text
