"""An import job as a request leaves it, for tests that run it themselves."""

from __future__ import annotations

import hashlib

from civicfutures.db.tables import Site, User
from civicfutures.imports.queued import ImportJobs, subject
from civicfutures.imports.sources import SourceFile
from civicfutures.jobs.tables import Job


async def keep_file(params: dict, data: bytes) -> None:
    """The job's file on the store, as the request keeps it."""
    key = subject(params["sha256"], params["project"], params["site"], params["user_id"])
    source = SourceFile(name="historie.csv", data=data)
    await ImportJobs().keep(params["user_id"], params["site_id"], key, source)


async def queued_import(email: str, data: bytes, site: str = "gdansk", status: str = "queued"):
    """The job's row and its file, no runner holding it; (job id, subject, params)."""
    user = await User.select(User.id).where(User.email == email).first()
    sha256 = hashlib.sha256(data).hexdigest()
    site_row = await Site.select(Site.id).where(Site.slug == site).first()
    params = {
        "sha256": sha256,
        "project": "futures",
        "site": site,
        "site_id": site_row["id"],
        "user_id": user["id"],
        "language": "pl",
    }
    key = subject(sha256, "futures", site, user["id"])
    await keep_file(params, data)
    job_id = f"job-{key[:16]}"
    await Job.insert(
        Job(
            id=job_id,
            kind="import",
            subject=key,
            params=params,
            status=status,
            requested_by=user["id"],
            site=site_row["id"],
        )
    )
    return job_id, key, params
