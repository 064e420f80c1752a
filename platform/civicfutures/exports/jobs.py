"""An export above the synchronous limit as a background job (`civicfutures.jobs`, kind
`export`).

The job carries what was asked (kind, format, project, label language, sites, codes), the
account that asked (by id) and the snapshot the request counted, never personal data; it
writes the file into the store under its own id (`exports/stored.py`), so a worker that runs
it again after another died keeps or rewrites the same bytes.
"""

from __future__ import annotations

from typing import Any

from civicfutures.jobs.kinds import Progress


async def write_export(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from civicfutures.exports.service import ExportService

    return await ExportService().run_job(params, progress)
