"""The statements of story intake in plain SQL (see `civicfutures.db.sql` for why).

Each function is one statement, run in the caller's transaction. Column lists follow the
Piccolo tables in `tables.py`; the schema tests and the intake tests hold them together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from civicfutures.db.sql import fetch, fetch_one, placeholders, values_rows


async def workshop_scope(workshop_id: int) -> Mapping[str, Any] | None:
    """The workshop with its site's id, slug and project: what a new story needs to know."""
    return await fetch_one(
        "SELECT workshop.id AS id, workshop.site AS site, site.slug AS site_slug, "
        "site.project AS project FROM workshop JOIN site ON site.id = workshop.site "
        "WHERE workshop.id = $1",
        workshop_id,
    )


async def storyteller_sites(ids: Sequence[int]) -> dict[int, int]:
    """{storyteller id: site id} of those of `ids` that exist."""
    if not ids:
        return {}
    rows = await fetch(
        f"SELECT id, site FROM storyteller WHERE id IN ({placeholders(len(ids))})", *ids
    )
    return {row["id"]: row["site"] for row in rows}


async def theme_ids(project_id: int, keys: Sequence[str]) -> dict[str, int]:
    """{theme key: id} of those of `keys` in the project's codebook."""
    if not keys:
        return {}
    rows = await fetch(
        f"SELECT id, key FROM theme WHERE project = $1 AND key IN ({placeholders(len(keys), 2)})",
        project_id,
        *keys,
    )
    return {row["key"]: row["id"] for row in rows}


async def insert_story(
    *,
    workshop: int,
    site: int,
    kind: str,
    horizon_year: int | None,
    language: str,
    title: str,
    body: str,
    status: str,
    user_id: int | None,
    now: dt.datetime,
) -> int:
    """A new story at version 1; its id."""
    row = await fetch_one(
        "INSERT INTO story (workshop, site, kind, horizon_year, language, title, body, status, "
        "version, created_by, updated_by, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9, $10, $10) RETURNING id",
        workshop,
        site,
        kind,
        horizon_year,
        language,
        title,
        body,
        status,
        user_id,
        now,
    )
    assert row is not None
    return row["id"]


async def insert_storytellers(story_id: int, storyteller_ids: Sequence[int]) -> None:
    if storyteller_ids:
        await fetch(
            "INSERT INTO story_storyteller (story, storyteller) "
            f"VALUES {values_rows(len(storyteller_ids), 2)}",
            *[value for teller in storyteller_ids for value in (story_id, teller)],
        )


async def insert_translations(
    story_id: int, translations: Sequence[tuple[str, str, str, str, bool]]
) -> None:
    """Rows of (language, title, body, origin, reviewed)."""
    if translations:
        await fetch(
            "INSERT INTO translation (story, language, title, body, origin, reviewed) "
            f"VALUES {values_rows(len(translations), 6)}",
            *[value for item in translations for value in (story_id, *item)],
        )


async def insert_codings(
    story_id: int, codings: Sequence[tuple[int, str, int | None, int | None]], now: dt.datetime
) -> None:
    """Rows of (theme id, coder, start offset, end offset)."""
    if codings:
        await fetch(
            "INSERT INTO coding (story, theme, coder, start_offset, end_offset, created_at) "
            f"VALUES {values_rows(len(codings), 6)}",
            *[value for item in codings for value in (story_id, *item, now)],
        )
