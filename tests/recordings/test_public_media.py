"""The archive plays a public story's recording: a player with every subtitles track, media
served with ranges and no cookies, gone (410) once the story leaves the archive."""

from __future__ import annotations

import re

from archive.conftest import SCOPES, set_consent
from recordings.media import UKRAINIAN_VTT


async def test_the_story_page_plays_the_recording_with_subtitles(client, recorded):
    page = await client.get(f"/uk{recorded['url']}")
    assert page.status_code == 200
    html = page.text
    assert f'<source src="{recorded["url"]}/recording" type="audio/wav">' in html
    tracks = re.findall(r"<track [^>]*>", html)
    assert len(tracks) == 2
    assert 'srclang="uk"' in tracks[1] and " default" in tracks[1]
    assert " default" not in tracks[0]
    english = await client.get(f"/en{recorded['url']}")
    assert " default" not in english.text


async def test_ranges_on_the_recording(client, recorded, wav):
    url = f"{recorded['url']}/recording"
    whole = await client.get(url)
    assert whole.status_code == 200 and whole.content == wav
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-type"] == "audio/wav"
    assert whole.headers["etag"].startswith('"')
    assert "set-cookie" not in whole.headers
    first = await client.get(url, headers={"Range": "bytes=0-11"})
    assert first.status_code == 206 and first.content == wav[:12] == first.content
    assert first.content[:4] == b"RIFF" and first.content[8:12] == b"WAVE"
    assert first.headers["content-range"] == f"bytes 0-11/{len(wav)}"
    suffix = await client.get(url, headers={"Range": "bytes=-100"})
    assert suffix.status_code == 206 and suffix.content == wav[-100:]
    assert suffix.headers["content-length"] == "100"
    past = await client.get(url, headers={"Range": f"bytes={len(wav)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(wav)}"
    held = await client.get(url, headers={"If-None-Match": whole.headers["etag"]})
    assert held.status_code == 304 and held.content == b""
    stale = await client.get(url, headers={"Range": "bytes=0-11", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.content == wav
    vtt = await client.get(f"{recorded['url']}/subtitles/uk")
    assert vtt.status_code == 200 and vtt.content == UKRAINIAN_VTT
    assert vtt.headers["content-type"].startswith("text/vtt")
    assert (await client.get(f"{recorded['url']}/subtitles/et")).status_code == 404


async def test_withdrawal_and_an_unpublished_archive_give_410(client, admin, recorded):
    from archive.conftest import publish_archive

    media = (f"{recorded['url']}/recording", f"{recorded['url']}/subtitles/uk")
    await set_consent(client, admin, recorded["first"], ["research"])
    for url in media:
        assert (await client.get(url)).status_code == 410
    await set_consent(client, admin, recorded["first"], SCOPES)
    assert (await client.get(media[0])).status_code == 200
    await set_consent(client, admin, recorded["first"], SCOPES, withdrawn=True)
    for url in media:
        answer = await client.get(url, headers={"Range": "bytes=0-1"})
        assert answer.status_code == 410
        assert "set-cookie" not in answer.headers
    draft = await client.get(f"/archive/futures/stories/{recorded['draft']}/recording")
    assert draft.status_code == 410
    await publish_archive(client, admin, "off")
    assert (await client.get(media[0])).status_code in (404, 410)
