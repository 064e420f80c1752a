"""Briefings on each storage backend (a local folder, an S3 bucket): published to the store,
served from it with ranges, and read by a second app that shares only the store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from erasure.conftest import (
    build_briefing,
    teller,  # noqa: F401
)


@asynccontextmanager
async def another_server(tmp_path: Path, monkeypatch) -> AsyncIterator[httpx.AsyncClient]:
    """A second app as another `serve` would run it: its own working directory and exports
    folder, the same database and the same store (the test's fixtures undo the change)."""
    from civicfutures.app import create_app
    from civicfutures.settings import get_settings

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("CIVICFUTURES_EXPORTS_DIR", str(elsewhere / "exports"))
    monkeypatch.setenv("CIVICFUTURES_VAR_DIR", str(elsewhere / "var"))
    get_settings.cache_clear()
    assert get_settings().exports_dir == elsewhere / "exports"
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://other.local") as http:
        yield http


async def test_a_briefing_is_published_to_the_store_and_served_from_it(
    client,
    admin,
    teller,  # noqa: F811
    storage_in_use,
    sign_in,
):
    from civicfutures.settings import get_settings
    from civicfutures.storage.objects import get_storage
    from civicfutures.web.security import DOCUMENT_CSP

    store = get_storage()
    assert store.url == storage_in_use
    built = await build_briefing(client, admin)
    briefing = built["id"]
    assert built["status"] == "ready"

    manifest = json.loads(await store.read(f"briefings/{briefing}/manifest.json"))
    stored = {info.key: info for info in await store.list(f"briefings/{briefing}")}
    listed = {f"briefings/{briefing}/{entry['path']}" for entry in manifest["files"]}
    assert set(stored) == listed | {
        f"briefings/{briefing}/manifest.json",
        f"briefings/{briefing}/briefing.zip",
    }
    status = json.loads(await store.read(f"briefings/{briefing}.status.json"))
    assert status["status"] == "ready" and status["archive"]["bytes"] > 0
    # Nothing of it stays on this machine's disk: no staging folder, no copy.
    assert not list(Path(get_settings().exports_dir).rglob(f"*{briefing}*"))

    url = f"/api/v1/briefings/{briefing}/files/briefing.html"
    whole = await client.get(url, headers=admin)
    assert whole.status_code == 200, whole.text
    assert whole.content == await store.read(f"briefings/{briefing}/briefing.html")
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-disposition"] == 'inline; filename="briefing.html"'
    assert whole.headers["content-type"].startswith("text/html")
    size = len(whole.content)
    part = await client.get(url, headers={**admin, "Range": "bytes=10-99"})
    assert part.status_code == 206
    assert part.content == whole.content[10:100]
    assert part.headers["content-range"] == f"bytes 10-99/{size}"
    resumed = await client.get(
        url, headers={**admin, "Range": "bytes=100-", "If-Range": whole.headers["etag"]}
    )
    assert resumed.status_code == 206 and resumed.content == whole.content[100:]
    beyond = await client.get(url, headers={**admin, "Range": f"bytes={size}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"

    # The zip (the one file the manifest cannot list) as the listing describes it.
    [archive] = [f for f in built["files"] if f["name"] == "briefing.zip"]
    zipped = await client.get(archive["url"], headers=admin)
    assert zipped.status_code == 200
    assert zipped.headers["content-disposition"] == 'attachment; filename="briefing.zip"'
    assert len(zipped.content) == archive["bytes"]
    assert hashlib.sha256(zipped.content).hexdigest() == archive["sha256"]

    # A Parquet table's last bytes: the format's magic number, by a suffix range.
    [table] = [f for f in built["files"] if f["name"].endswith(".parquet")][:1]
    tail = await client.get(table["url"], headers={**admin, "Range": "bytes=-4"})
    assert tail.status_code == 206 and tail.content == b"PAR1"

    # The page route serves the same object, with the documents' CSP.
    await sign_in("author")
    page = await client.get(f"/en/briefings/{briefing}/files/briefing.html")
    assert page.status_code == 200 and page.content == whole.content
    assert page.headers["content-security-policy"] == DOCUMENT_CSP
    missing = await client.get(f"/api/v1/briefings/{briefing}/files/nope.html", headers=admin)
    assert missing.status_code == 404


async def test_a_second_app_sharing_only_the_store_reads_the_same_briefing(
    client,
    admin,
    teller,  # noqa: F811
    storage_in_use,
    tmp_path,
    monkeypatch,
):
    from civicfutures.analysis.service import AnalysisService
    from civicfutures.storage.objects import get_storage

    built = await build_briefing(client, admin)
    first = (await client.get(f"/api/v1/briefings/{built['id']}", headers=admin)).json()
    html = await client.get(f"/api/v1/briefings/{built['id']}/files/briefing.html", headers=admin)
    snapshot = await AnalysisService().snapshot("futures")
    assert snapshot.id == built["snapshot"]

    async with another_server(tmp_path, monkeypatch) as other:
        assert get_storage().url == storage_in_use
        seen = await other.get(f"/api/v1/briefings/{built['id']}", headers=admin)
        assert seen.status_code == 200, seen.text
        assert seen.json() == first
        listed = await other.get("/api/v1/briefings", headers=admin)
        assert [b["id"] for b in listed.json()] == [built["id"]]
        again = await other.get(
            f"/api/v1/briefings/{built['id']}/files/briefing.html",
            headers={**admin, "Range": "bytes=0-499"},
        )
        assert again.status_code == 206 and again.content == html.content[:500]
        # Asked again there, the same briefing is found in the store, not built anew.
        asked = await other.post(
            "/api/v1/briefings", json={"project": "futures", "site": "gdansk"}, headers=admin
        )
        assert asked.status_code == 201 and asked.json() == first
        # And the snapshot too: the same content is reused from the store.
        reused = await AnalysisService().snapshot("futures")
        assert (reused.id, reused.created) == (snapshot.id, False)
        analysed = await other.get(
            "/api/v1/analysis/prevalence", params={"project": "futures"}, headers=admin
        )
        assert analysed.status_code == 200, analysed.text
        # Nothing was written to this app's own exports folder.
        exports = tmp_path / "elsewhere" / "exports"
        assert not (exports / "briefings").exists() or not any((exports / "briefings").iterdir())
        assert not (exports / "snapshots").exists()
