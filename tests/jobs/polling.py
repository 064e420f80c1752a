"""Polling a job through `GET /api/v1/jobs/{id}` until it ends, as a client would."""

from __future__ import annotations

import asyncio


async def job_states(client, job: str, headers: dict[str, str]) -> list[dict]:
    """Every state the job is seen in until it is done or failed (AssertionError if it never
    ends)."""
    seen = []
    for _attempt in range(1200):
        answer = await client.get(f"/api/v1/jobs/{job}", headers=headers)
        assert answer.status_code == 200, answer.text
        seen.append(answer.json())
        if seen[-1]["status"] in ("done", "failed"):
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"the job did not end: {seen[-1]}")


async def poll_job(client, job: str, headers: dict[str, str]) -> dict:
    """The job as it is once done or failed."""
    return (await job_states(client, job, headers))[-1]
