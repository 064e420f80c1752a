"""Two server processes on one database: each keeps rendered archive pages, and a withdrawal
committed through either turns the story into a 410 in both at once."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from archive.conftest import SCOPES, publish_archive, set_consent
from civicfutures.bench.server import default_server, running_server


async def test_a_withdrawal_in_one_process_is_a_410_in_the_other(
    client, admin, shelf, tmp_path: Path
):
    await publish_archive(client, admin)
    page = f"/en/archive/futures/stories/{shelf['public']}"
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "platform"),
        # The public address of this process's links: the pages are then the same bytes.
        "CIVICFUTURES_PUBLIC_URL": str(client.base_url).rstrip("/"),
    }
    with running_server(default_server(), 1, env, tmp_path / "server.log") as (url, _process):
        async with httpx.AsyncClient(base_url=url, timeout=10) as other:
            # Both processes render the page and keep it.
            for _ in range(2):
                assert (await client.get(page)).status_code == 200
                assert (await other.get(page)).status_code == 200
            here = (await client.get(page)).headers["etag"]
            assert (await other.get(page)).headers["etag"] == here

            # The withdrawal goes through the other process ...
            consent = {
                "version": "v2",
                "given_at": "2025-03-15",
                "scopes": SCOPES,
                "withdrawn_at": "2025-06-01T00:00:00Z",
            }
            answer = await other.patch(
                f"/api/v1/storytellers/{shelf['first']}", json={"consent": consent}, headers=admin
            )
            assert answer.status_code == 200, answer.text
            # ... and neither serves the page it kept.
            assert (await client.get(page, headers={"If-None-Match": here})).status_code == 410
            assert (await other.get(page)).status_code == 410

            # Consent given again, through this process: the page is back in both.
            await set_consent(client, admin, shelf["first"], SCOPES)
            assert (await other.get(page)).status_code == 200
            assert (await client.get(page)).status_code == 200
