"""Retries without duplicates: the first keyed POST runs, a retry gets the same answer again.

A key's record holds no content: the request's fingerprint, the status code, a reference to
what was created (resource type and id) and a sha256 of the first answer. A retry rebuilds
the answer from the resource as it is now, so an erased storyteller's words are not kept
here and never come back: when the resource is gone, or its storyteller has withdrawn, the
retry answers 410. Records expire after `CIVICFUTURES_IDEMPOTENCY_TTL_HOURS`; expired ones
are deleted on the next keyed write and a reused expired key runs as a new request.

The key row is written in the same transaction as the object it created, so either both
exist or neither does; two concurrent first attempts cannot both commit (unique index on
scope + key), and the loser replays the winner's answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
import msgspec

from civicfutures.db.sql import fetch, fetch_one, write_later
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import FieldError, Gone, InvalidInput, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.settings import get_settings


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: bytes
    replayed: bool


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _cutoff() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=get_settings().idempotency_ttl_hours)


def _gone() -> Gone:
    return Gone(
        _(
            "What this Idempotency-Key created has been withdrawn or erased; "
            "it cannot be answered again."
        ),
        [FieldError("Idempotency-Key", _("Use a new key for a new request."))],
    )


# Whether a created resource's storytellers still allow it to be shown; a type not listed
# here (a project, a codebook entry) tells nothing about any storyteller.
_WITHDRAWN = {
    "storyteller": "SELECT 1 AS hit FROM storyteller WHERE id = $1 "
    "AND consent_withdrawn_at IS NOT NULL",
    "story": "SELECT 1 AS hit FROM story_storyteller l JOIN storyteller t ON t.id = l.storyteller "
    "WHERE l.story = $1 AND t.consent_withdrawn_at IS NOT NULL",
}


async def _withdrawn(resource_type: str, resource_id: str) -> bool:
    sql = _WITHDRAWN.get(resource_type)
    if sql is None or not resource_id.isdigit():
        return False
    return await fetch_one(sql, int(resource_id)) is not None


async def _record(scope: str, key: str, print_: str) -> Mapping[str, Any] | None:
    row = await fetch_one(
        "SELECT fingerprint, status_code, resource_type, resource_id FROM idempotency_key "
        "WHERE scope = $1 AND key = $2 AND created_at >= $3",
        scope,
        key,
        _cutoff(),
    )
    if row is not None and row["fingerprint"] != print_:
        raise InvalidInput(
            _("This Idempotency-Key was used for a different request."),
            [FieldError("Idempotency-Key", _("Use a new key for a different request."))],
        )
    return row


async def _replay(
    row: Mapping[str, Any], reread: Callable[[str], Awaitable[msgspec.Struct]]
) -> StoredAnswer:
    """The answer rebuilt from the resource as it is now, or 410 when it is gone."""
    if await _withdrawn(row["resource_type"], row["resource_id"]):
        raise _gone()
    try:
        current = await reread(row["resource_id"])
    except (NotFound, Gone) as error:
        raise _gone() from error
    return StoredAnswer(row["status_code"], msgspec.json.encode(current), replayed=True)


async def _store(
    scope: str,
    key: str,
    print_: str,
    status_code: int,
    resource_type: str,
    resource_id: str,
    body: bytes,
) -> None:
    """The key row; a concurrent first attempt's row makes it fail at the latest at commit."""
    await write_later(
        "INSERT INTO idempotency_key (scope, key, fingerprint, status_code, resource_type, "
        "resource_id, answer_sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        scope,
        key,
        print_,
        status_code,
        resource_type,
        resource_id,
        hashlib.sha256(body).hexdigest(),
        dt.datetime.now(dt.UTC),
    )


def _id_of(created: msgspec.Struct) -> str:
    return str(getattr(created, "id"))  # noqa: B009 - every created resource has an id


async def run_once(
    scope: str,
    key: str,
    request_body: bytes,
    resource_type: str,
    create: Callable[[], Awaitable[msgspec.Struct]],
    reread: Callable[[str], Awaitable[msgspec.Struct]],
    reference: Callable[[msgspec.Struct], str] = _id_of,
) -> StoredAnswer:
    """Run `create` unless this scope and key already ran; a retry rereads what it created.

    `reference` names what `create` made (its id by default) and `reread` rebuilds the
    answer from that name; NotFound from `reread` means the resource is gone (410).
    """
    print_ = fingerprint(request_body)
    row = await _record(scope, key, print_)
    if row is not None:
        return await _replay(row, reread)
    for _attempt in range(2):
        try:
            async with write_transaction():
                # Expired keys go now, so a reused one can be stored afresh below.
                await fetch("DELETE FROM idempotency_key WHERE created_at < $1", _cutoff())
                row = await _record(scope, key, print_)
                if row is None:
                    created = await create()
                    body = msgspec.json.encode(created)
                    await _store(scope, key, print_, 201, resource_type, reference(created), body)
                    return StoredAnswer(201, body, replayed=False)
        except (asyncpg.UniqueViolationError, sqlite3.IntegrityError) as error:
            if not _is_key_collision(error):
                raise
            # A concurrent first attempt committed the same key: replay its answer.
            continue
        return await _replay(row, reread)
    row = await _record(scope, key, print_)
    if row is None:  # pragma: no cover - the unique violation names a row that exists
        raise RuntimeError("idempotency key vanished after a unique violation")
    return await _replay(row, reread)


def _is_key_collision(error: Exception) -> bool:
    if isinstance(error, asyncpg.UniqueViolationError):
        return getattr(error, "constraint_name", "") == "uq_idempotency_scope_key"
    return "idempotency_key" in str(error)
