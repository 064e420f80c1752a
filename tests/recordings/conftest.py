from __future__ import annotations

import pytest

from archive.conftest import fill_shelf, publish_archive
from recordings.media import POLISH_VTT, UKRAINIAN_VTT, wav_bytes


@pytest.fixture(scope="module")
def wav() -> bytes:
    return wav_bytes()


async def upload(client, headers, story: int, data: bytes):
    return await client.post(f"/api/v1/stories/{story}/recording", content=data, headers=headers)


async def subtitles(client, headers, story: int, lang: str, data: bytes):
    return await client.put(
        f"/api/v1/stories/{story}/subtitles/{lang}",
        content=data,
        headers={**headers, "Content-Type": "text/vtt"},
    )


@pytest.fixture
async def recorded(client, admin, world, wav) -> dict:
    """The archive's public Gdańsk story with a WAV recording and Polish and Ukrainian
    subtitles, the archive published."""
    shelf = await fill_shelf(client, admin, world)
    await publish_archive(client, admin)
    story = shelf["public"]
    assert (await upload(client, admin, story, wav)).status_code == 201
    for lang, text in (("pl", POLISH_VTT), ("uk", UKRAINIAN_VTT)):
        answer = await subtitles(client, admin, story, lang, text)
        assert answer.status_code == 200, answer.text
    return {**shelf, "story": story, "url": f"/archive/futures/stories/{story}"}
