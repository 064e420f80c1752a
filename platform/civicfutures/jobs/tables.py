"""The `job` table: what the pages and the API read of a background job, on either engine.

On PostgreSQL the queue itself is Procrastinate's (`queue_id` names its job); on SQLite the
jobs run in the process that enqueued them. Either way this row holds the job's state,
progress and result, so reading a job never depends on which runner has it.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    ForeignKey,
    Integer,
    OnDelete,
    Real,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from civicfutures.db.tables import Site, User


class Job(Table):
    """One background job: its kind and parameters, where it is, and what it gave."""

    id = Varchar(length=32, primary_key=True)
    kind = Varchar(length=32)
    # What the job is about (a briefing's id): one such job queued or running at a time.
    subject = Varchar(length=64, default="", index=True)
    params = JSON(default={})
    # queued, running, done or failed.
    status = Varchar(length=16, default="queued")
    step = Varchar(length=64, null=True, default=None)
    progress = Real(default=0.0)
    result = JSON(null=True, default=None)
    error = Text(null=True, default=None)
    attempts = Integer(default=0)
    requested_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    site = ForeignKey(Site, on_delete=OnDelete.set_null, null=True, default=None)
    queue_id = BigInt(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    # Renewed while the job runs: an old one means its process died (SQLite's runner).
    heartbeat_at = Timestamptz(null=True, default=None)
