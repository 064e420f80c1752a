"""The same recording kept, served by range and erased on both storage backends: a local
folder and an S3 bucket (moto)."""

from __future__ import annotations

from archive.conftest import fill_shelf, publish_archive
from recordings.conftest import upload


async def test_recording_on_each_backend(client, admin, world, wav, storage_in_use):
    from civicfutures.storage.objects import get_storage

    assert get_storage().url == storage_in_use
    shelf = await fill_shelf(client, admin, world)
    await publish_archive(client, admin)
    story = shelf["public"]
    assert (await upload(client, admin, story, wav)).status_code == 201
    [stored] = await get_storage().list(f"recordings/story-{story}")
    assert stored.size == len(wav) and stored.key.endswith(".wav")
    url = f"/archive/futures/stories/{story}/recording"
    middle = await client.get(url, headers={"Range": "bytes=100-199"})
    assert middle.status_code == 206 and middle.content == wav[100:200]
    assert middle.headers["etag"] == f'"{stored.etag}"'
    assert (await client.get(url)).content == wav
    erased = await client.delete(f"/api/v1/storytellers/{shelf['first']}", headers=admin)
    assert erased.status_code in (200, 204)
    assert await get_storage().list(f"recordings/story-{story}") == []
