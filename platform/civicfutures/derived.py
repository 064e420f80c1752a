"""What was derived from storytellers goes when they withdraw or are erased.

Snapshots and briefings are on the storage layer (a local folder or an S3 bucket), export
work areas under the exports directory; all were built from the database at one moment. A storyteller's withdrawal or erasure reaches them here,
called by the service that changes the consent, right after its transaction commits:
every snapshot holding them is deleted, every briefing drawing on them is withdrawn (its
files deleted from the store, its status kept as `withdrawn`: GET answers 410), every export work area
holding them is deleted, every kept export and every export written by a job drawing on them
is deleted from the storage, the jobs building those briefings forget what they were given (they then fail as withdrawn), and
the snapshots loaded in this process are forgotten. The next
snapshot leaves them out (consent rule of `analysis/snapshot.py`).

Spreadsheets kept between their check and their import (`imports/kept.py`), and those
waiting for their import's job (`imports/queued_files.py`), are not read again to find whose rows
they hold: every file kept for the storyteller's site is deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread

from civicfutures import audit
from civicfutures.analysis.snapshot import held_snapshot, remove_snapshots_with
from civicfutures.auth.actor import Actor
from civicfutures.briefings.storage import withdraw_with
from civicfutures.db.transactions import write_transaction
from civicfutures.exports.service import remove_exports_with, remove_kept_exports_with
from civicfutures.exports.stored import remove_stored_with
from civicfutures.imports import queued_files
from civicfutures.imports.kept import purge_site
from civicfutures.jobs.service import forget_params
from civicfutures.settings import get_settings
from civicfutures.storage.objects import Storage, get_storage


@dataclass
class Withdrawn:
    briefings: list[str] = field(default_factory=list)
    snapshots: list[str] = field(default_factory=list)
    exports: int = 0
    kept_imports: int = 0


def _withdraw(store: Storage, exports_dir: Path, project: str, storytellers: set[int]) -> Withdrawn:
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    done = Withdrawn(
        briefings=withdraw_with(store, project, storytellers, at, exports_dir),
        snapshots=remove_snapshots_with(store, storytellers),
        exports=remove_exports_with(exports_dir, storytellers),
    )
    held_snapshot.cache_clear()
    return done


async def withdraw_derived(
    actor: Actor,
    project: str,
    storyteller_id: int,
    exports_dir: Path | None = None,
    *,
    site_id: int | None = None,
) -> Withdrawn:
    """Withdraw everything derived from this storyteller (and the spreadsheets kept for their
    site, `site_id`); audited by ids only."""
    folder = Path(exports_dir or get_settings().exports_dir)
    done = await anyio.to_thread.run_sync(
        _withdraw, get_storage(), folder, project, {storyteller_id}
    )
    # The jobs of withdrawn briefings hold the quotes they were to print.
    await forget_params("briefing", done.briefings)
    done.exports += await remove_kept_exports_with({storyteller_id})
    done.exports += await remove_stored_with({storyteller_id})
    if site_id is not None:
        done.kept_imports = await purge_site(site_id) + await queued_files.purge_site(site_id)
    if done.briefings or done.snapshots or done.exports or done.kept_imports:
        async with write_transaction():
            await audit.record(
                actor,
                "withdraw_derived",
                "storyteller",
                storyteller_id,
                detail={
                    "briefings": done.briefings,
                    "snapshots": done.snapshots,
                    "exports": done.exports,
                    "kept_imports": done.kept_imports,
                },
            )
    return done
