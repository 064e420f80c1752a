"""Polling a job through `GET /api/v1/jobs/{id}` until it ends, as a client would."""

from __future__ import annotations

import asyncio


async def poll_job(client, job: str, headers: dict[str, str]) -> dict:
    """The job as it is once done or failed (AssertionError if it never ends)."""
    for _attempt in range(1200):
        answer = await client.get(f"/api/v1/jobs/{job}", headers=headers)
        assert answer.status_code == 200, answer.text
        if answer.json()["status"] in ("done", "failed"):
            return answer.json()
        await asyncio.sleep(0.05)
    raise AssertionError(f"the job did not end: {answer.json()}")
