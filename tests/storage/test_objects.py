from __future__ import annotations

import polars as pl
import pytest

from civicfutures.storage.objects import MissingObject, Storage, check_key


async def collect(chunks) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def test_put_get_head_list_delete(storage_url: str) -> None:
    storage = Storage(storage_url)
    info = await storage.put("exports/one/data.csv", b"a,b\n1,2\n")
    assert (info.key, info.size) == ("exports/one/data.csv", 8)
    assert info.etag
    assert await storage.read("exports/one/data.csv") == b"a,b\n1,2\n"
    assert await collect(await storage.stream("exports/one/data.csv")) == b"a,b\n1,2\n"
    assert await storage.get_range("exports/one/data.csv", 4, 7) == b"1,2"
    assert await collect(await storage.stream("exports/one/data.csv", 2, 5)) == b"b\n1"
    assert await collect(await storage.stream("exports/one/data.csv", 6)) == b"2\n"
    await storage.put("exports/two.json", b"{}")
    assert [o.key for o in await storage.list("exports")] == [
        "exports/one/data.csv",
        "exports/two.json",
    ]
    assert await storage.delete_prefix("exports/one") == 1
    await storage.delete("exports/two.json")
    await storage.delete("exports/two.json")
    assert await storage.list("exports") == []
    with pytest.raises(MissingObject):
        await storage.head("exports/two.json")
    with pytest.raises(MissingObject):
        await storage.read("exports/two.json")


async def test_streamed_put_is_whole_and_replaces_atomically(storage_url: str) -> None:
    storage = Storage(storage_url)
    await storage.put("media/take.bin", b"old")

    async def parts():
        for index in range(40):
            yield bytes([index]) * 1000

    info = await storage.put("media/take.bin", parts())
    assert info.size == 40_000
    body = await storage.read("media/take.bin")
    assert body[:1000] == b"\x00" * 1000 and body[-1000:] == b"\x27" * 1000


async def test_a_failed_streamed_put_leaves_the_old_object(storage_url: str) -> None:
    storage = Storage(storage_url)
    await storage.put("media/take.bin", b"whole")

    async def broken():
        yield b"half of it"
        raise OSError("client went away")

    with pytest.raises(Exception):  # noqa: B017 - the store wraps the cause its own way
        await storage.put("media/take.bin", broken())
    assert await storage.read("media/take.bin") == b"whole"
    assert [o.key for o in await storage.list("media")] == ["media/take.bin"]


async def test_tools_read_objects_where_they_are(storage_url: str) -> None:
    storage = Storage(storage_url)
    await storage.put("snapshots/s/stories.csv", b"id,site\n1,gdansk\n2,voru\n")
    with storage.local_path("snapshots/s/stories.csv") as path:
        assert pl.read_csv(path)["site"].to_list() == ["gdansk", "voru"]
    assert storage.location("snapshots/s/stories.csv").endswith("snapshots/s/stories.csv")


@pytest.mark.parametrize(
    "key", ["", "../etc/passwd", "a/../b", "/abs", "a//b", ".hidden", "a/b\x00", "a\\b", "é"]
)
def test_keys_outside_the_plain_names_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        check_key(key)


def test_the_blocking_twins_from_a_worker_thread(storage_url: str) -> None:
    storage = Storage(storage_url)
    storage.put_sync("briefings/one/manifest.json", b"{}")
    storage.put_sync("briefings/one/charts/a.svg", b"<svg/>")
    storage.put_sync("briefings/one.status.json", b'{"status": "ready"}')
    storage.put_sync("briefings/two.status.json", b"{}")
    assert storage.read_sync("briefings/one/charts/a.svg") == b"<svg/>"
    assert storage.head_sync("briefings/one.status.json").size == 19
    assert storage.exists_sync("briefings/one/manifest.json")
    assert not storage.exists_sync("briefings/three.status.json")
    assert [o.key for o in storage.list_sync("briefings/one")] == [
        "briefings/one/charts/a.svg",
        "briefings/one/manifest.json",
    ]
    # One level only: the folders by name, the objects beside them, not what the folders hold.
    folders, objects = storage.folder_sync("briefings")
    assert folders == ["one"]
    assert [o.key for o in objects] == ["briefings/one.status.json", "briefings/two.status.json"]
    assert storage.folder_sync("nothing") == ([], [])
    assert storage.delete_prefix_sync("briefings/one") == 2
    storage.delete_sync("briefings/two.status.json")
    storage.delete_sync("briefings/two.status.json")
    assert [o.key for o in storage.list_sync("briefings")] == ["briefings/one.status.json"]
    with pytest.raises(MissingObject):
        storage.read_sync("briefings/two.status.json")
    if storage.root is not None:
        # A deleted folder's last object takes the folder with it.
        assert not (storage.root / "briefings" / "one").exists()
        assert storage.scan_options() is None
    else:
        assert storage.scan_options()["aws_endpoint_url"].startswith("http://")
