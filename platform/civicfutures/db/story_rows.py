"""The statements of story intake in plain SQL (see `civicfutures.db.sql` for why).

Each function is one statement, run in the caller's transaction. Column lists follow the
Piccolo tables in `tables.py`; the schema tests and the intake tests hold them together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from civicfutures.db.lifecycle import engine
from civicfutures.db.sql import fetch, fetch_one, placeholders, values_rows, write_later


@dataclass(frozen=True)
class StoryContext:
    """What a new story refers to, read in one query before it is written."""

    workshop: Mapping[str, Any] | None  # id, site, site_slug, project
    storyteller_sites: dict[int, int]
    theme_ids: dict[str, int]
    # PostgreSQL: the new story's id, drawn from its sequence, so that the story's INSERT can
    # go with the other held-back writes. SQLite: None (the INSERT returns the id).
    next_id: int | None


async def story_context(
    workshop_id: int, storyteller_ids: Sequence[int], theme_keys: Sequence[str]
) -> StoryContext:
    """The workshop (with site and project), the storytellers' sites and the themes' ids."""
    tellers, keys = len(storyteller_ids), len(theme_keys)
    parts = [
        "SELECT 'workshop' AS row_kind, workshop.id AS id, workshop.site AS site, "
        "site.project AS project, site.slug AS label "
        "FROM workshop JOIN site ON site.id = workshop.site WHERE workshop.id = $1"
    ]
    if tellers:
        parts.append(
            "SELECT 'storyteller', id, site, NULL, NULL FROM storyteller "
            f"WHERE id IN ({placeholders(tellers, 2)}) AND consent_withdrawn_at IS NULL"
        )
    if keys:
        parts.append(
            "SELECT 'theme', theme.id, NULL, NULL, theme.key FROM theme "
            "WHERE theme.project = (SELECT site.project FROM workshop "
            "JOIN site ON site.id = workshop.site WHERE workshop.id = $1) "
            f"AND theme.key IN ({placeholders(keys, 2 + tellers)})"
        )
    postgres = engine().engine_type == "postgres"
    if postgres:
        parts.append("SELECT 'next_id', nextval('story_id_seq'), NULL, NULL, NULL")
    rows = await fetch(" UNION ALL ".join(parts), workshop_id, *storyteller_ids, *theme_keys)
    workshop, sites, themes, next_id = None, {}, {}, None
    for row in rows:
        kind = row["row_kind"]
        if kind == "workshop":
            workshop = {
                "id": row["id"],
                "site": row["site"],
                "site_slug": row["label"],
                "project": row["project"],
            }
        elif kind == "storyteller":
            sites[row["id"]] = row["site"]
        elif kind == "theme":
            themes[row["label"]] = row["id"]
        else:
            next_id = row["id"]
    return StoryContext(workshop, sites, themes, next_id)


async def workshop_scope(workshop_id: int) -> Mapping[str, Any] | None:
    """The workshop with its site's id, slug and project: what a new story needs to know."""
    return await fetch_one(
        "SELECT workshop.id AS id, workshop.site AS site, site.slug AS site_slug, "
        "site.project AS project FROM workshop JOIN site ON site.id = workshop.site "
        "WHERE workshop.id = $1",
        workshop_id,
    )


async def storyteller_sites(ids: Sequence[int]) -> dict[int, int]:
    """{storyteller id: site id} of those of `ids` that exist and have not withdrawn (a new
    story cannot be told by someone who withdrew)."""
    if not ids:
        return {}
    rows = await fetch(
        f"SELECT id, site FROM storyteller WHERE id IN ({placeholders(len(ids))}) "
        "AND consent_withdrawn_at IS NULL",
        *ids,
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


def body_sha256(body: str) -> str:
    """A story text's fingerprint as stored beside it (sha256 of the UTF-8 of the NFC text)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


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
    story_id: int | None = None,
) -> int:
    """A new story at version 1; its id (`story_id` when given, then written later)."""
    values = (
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
        body_sha256(body),
    )
    columns = (
        "workshop, site, kind, horizon_year, language, title, body, status, "
        "version, created_by, updated_by, created_at, updated_at, body_sha256"
    )
    if story_id is not None:
        await write_later(
            f"INSERT INTO story (id, {columns}) "
            "VALUES ($12, $1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9, $10, $10, $11)",
            *values,
            story_id,
        )
        return story_id
    row = await fetch_one(
        f"INSERT INTO story ({columns}) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9, $10, $10, $11) RETURNING id",
        *values,
    )
    assert row is not None
    return row["id"]


async def insert_storytellers(story_id: int, storyteller_ids: Sequence[int]) -> None:
    if storyteller_ids:
        await write_later(
            "INSERT INTO story_storyteller (story, storyteller) "
            f"VALUES {values_rows(len(storyteller_ids), 2)}",
            *[value for teller in storyteller_ids for value in (story_id, teller)],
        )


async def insert_translations(
    story_id: int, translations: Sequence[tuple[str, str, str, str, bool]]
) -> None:
    """Rows of (language, title, body, origin, reviewed)."""
    if translations:
        await write_later(
            "INSERT INTO translation (story, language, title, body, origin, reviewed) "
            f"VALUES {values_rows(len(translations), 6)}",
            *[value for item in translations for value in (story_id, *item)],
        )


async def insert_codings(
    story_id: int,
    codings: Sequence[tuple[int, str, int | None, int | None, int | None]],
    now: dt.datetime,
) -> None:
    """Rows of (theme id, coder, coder's user id, start offset, end offset)."""
    if codings:
        await write_later(
            "INSERT INTO coding (story, theme, coder, coder_user, start_offset, end_offset, "
            f"created_at) VALUES {values_rows(len(codings), 7)}",
            *[value for item in codings for value in (story_id, *item, now)],
        )
