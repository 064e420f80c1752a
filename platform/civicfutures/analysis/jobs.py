"""A snapshot as a background job (`civicfutures.jobs`, kind `snapshot`).

The job carries only the project's slug: a snapshot is read from the database when the job
runs, and the same content gives the same snapshot id (an existing one is reused), so a job
run again after its worker died gives the same result.
"""

from __future__ import annotations

from typing import Any

from civicfutures.jobs.kinds import Progress


async def build_snapshot(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from civicfutures.analysis.service import AnalysisService

    return await AnalysisService().run_snapshot_job(params, progress)
