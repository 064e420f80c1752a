"""A briefing build as a background job (`civicfutures.jobs`, kind `briefing`).

The job carries everything the build reads — the snapshot's id, the resolved parameters and
the curation's inputs as they were when the briefing was requested — so a worker that runs
it again after another died builds the same bytes under the same id.
"""

from __future__ import annotations

from typing import Any

from civicfutures.jobs.kinds import Progress


async def build_briefing(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from civicfutures.briefings.service import BriefingService

    return await BriefingService().run_job(params, progress)
