"""A large import's commit as a background job (`civicfutures.jobs`, kind `import`).

The job carries the file's fingerprint, the project and site slugs and the id of the user
who asked; the file itself waits on the storage layer (`queued.py`), so any worker reads it.
"""

from __future__ import annotations

from typing import Any

from civicfutures.jobs.kinds import Progress


async def commit_import(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from civicfutures.imports.queued import ImportJobs

    return await ImportJobs().run_job(params, progress)
