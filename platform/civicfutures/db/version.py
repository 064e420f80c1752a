"""The data version: one value that every committed write to the stories, their storytellers,
sites, themes, translations or codings changes (triggers in the database bump it, see the
migration `data_version`), so a per-process copy of something derived from them (search's
columns, the archive's rendered pages) knows it is stale without a clock and in every process.
"""

from __future__ import annotations

from civicfutures.db.sql import fetch_one

# The version as one value: the database's epoch (drawn when the counter was created, so two
# databases never share a version) and its counter.
VERSION_SQL = (
    "SELECT epoch || ':' || CAST(version AS TEXT) AS version FROM data_version WHERE id = 1"
)


async def data_version() -> str:
    """The version now: one read of a one-row table."""
    row = await fetch_one(VERSION_SQL)
    return str(row["version"]) if row else ""
