"""Erasure and withdrawal reach the briefings and snapshots kept on each storage backend (a
local folder, an S3 bucket): their objects are deleted, the briefing's status stays."""

from __future__ import annotations

import io
import json
import zipfile

import polars as pl
import pytest

from erasure.conftest import NEEDLES, build_briefing

WITHDRAWAL = {"consent": {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": []}}


async def _texts(store, key: str) -> list[bytes]:
    """An object's bytes, and what it holds decompressed where it is a zip or Parquet."""
    raw = await store.read(key)
    texts = [raw]
    if key.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            texts.extend(archive.read(name) for name in archive.namelist())
    if key.endswith(".parquet"):
        rows = pl.read_parquet(io.BytesIO(raw)).to_dicts()
        texts.append(json.dumps(rows, default=str, ensure_ascii=False).encode())
    return texts


async def _store_hits(store) -> list[str]:
    hits = []
    for folder in ("briefings", "snapshots"):
        for info in await store.list(folder):
            for text in await _texts(store, info.key):
                hits.extend(f"{info.key}: {n}" for n in NEEDLES if n.encode() in text)
    return hits


async def _snapshots(store) -> set[str]:
    return {
        info.key.split("/")[1]
        for info in await store.list("snapshots")
        if info.key.endswith("/manifest.json")
    }


@pytest.mark.parametrize("how", ["erasure", "withdrawal"])
async def test_the_storytellers_briefing_and_snapshots_leave_the_store(
    client, admin, teller, storage_in_use, how
):
    from civicfutures.storage.objects import get_storage

    store = get_storage()
    assert store.url == storage_in_use
    built = await build_briefing(client, admin)
    other = await build_briefing(client, admin, site="voru")
    held = await _snapshots(store)
    assert built["snapshot"] in held
    assert await store.list(f"briefings/{built['id']}")
    # Before: the words are in the store, so the scan below can find them.
    before = await _store_hits(store)
    assert any(hit.startswith(f"briefings/{built['id']}/") for hit in before)
    assert any(hit.startswith("snapshots/") for hit in before)

    url = f"/api/v1/storytellers/{teller['storyteller']['id']}"
    if how == "erasure":
        done = await client.delete(url, headers=admin)
        assert done.status_code == 204, done.text
    else:
        done = await client.patch(url, json=WITHDRAWAL, headers=admin)
        assert done.status_code == 200, done.text

    assert await _store_hits(store) == []
    assert await store.list(f"briefings/{built['id']}") == []
    for snapshot in held:
        assert await store.list(f"snapshots/{snapshot}") == []
        assert not await store.exists(f"snapshots/{snapshot}.used.json")
    status = json.loads(await store.read(f"briefings/{built['id']}.status.json"))
    assert status["status"] == "withdrawn" and status["storytellers"] == []
    assert (await client.get(f"/api/v1/briefings/{built['id']}", headers=admin)).status_code == 410
    gone = await client.get(f"/api/v1/briefings/{built['id']}/files/briefing.html", headers=admin)
    assert gone.status_code == 410
    # The Võru briefing drew on nobody at Gdańsk: it stays, served from the store.
    assert await store.list(f"briefings/{other['id']}")
    kept = await client.get(f"/api/v1/briefings/{other['id']}/files/briefing.html", headers=admin)
    assert kept.status_code == 200
