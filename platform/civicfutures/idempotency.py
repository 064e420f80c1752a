"""Retries without duplicates: the first answer to a keyed POST is stored and replayed.

The key row is written in the same transaction as the object it created, so either both
exist or neither does; two concurrent first attempts cannot both commit (unique index on
scope + key), and the loser replays the winner's answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import msgspec

from civicfutures.db.sql import fetch_one, write_later
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import FieldError, InvalidInput
from civicfutures.i18n import gettext as _


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: bytes
    replayed: bool


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


async def _stored(scope: str, key: str, print_: str) -> StoredAnswer | None:
    row = await fetch_one(
        "SELECT fingerprint, status_code, response_body FROM idempotency_key "
        "WHERE scope = $1 AND key = $2",
        scope,
        key,
    )
    if row is None:
        return None
    if row["fingerprint"] != print_:
        raise InvalidInput(
            _("This Idempotency-Key was used for a different request."),
            [FieldError("Idempotency-Key", _("Use a new key for a different request."))],
        )
    return StoredAnswer(row["status_code"], row["response_body"].encode(), replayed=True)


async def _store(scope: str, key: str, print_: str, status_code: int, body: bytes) -> None:
    """The key row; a concurrent first attempt's row makes it fail at the latest at commit."""
    await write_later(
        "INSERT INTO idempotency_key (scope, key, fingerprint, status_code, response_body, "
        "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        scope,
        key,
        print_,
        status_code,
        body.decode(),
        dt.datetime.now(dt.UTC),
    )


async def run_once(
    scope: str, key: str, request_body: bytes, create: Callable[[], Awaitable[msgspec.Struct]]
) -> StoredAnswer:
    """Run `create` unless this scope and key already ran; store and return its answer."""
    print_ = fingerprint(request_body)
    for _attempt in range(2):
        try:
            async with write_transaction():
                stored = await _stored(scope, key, print_)
                if stored is not None:
                    return stored
                body = msgspec.json.encode(await create())
                await _store(scope, key, print_, 201, body)
                return StoredAnswer(201, body, replayed=False)
        except (asyncpg.UniqueViolationError, sqlite3.IntegrityError) as error:
            if not _is_key_collision(error):
                raise
            # A concurrent first attempt committed the same key: replay its answer.
            continue
    stored = await _stored(scope, key, print_)
    if stored is None:  # pragma: no cover - the unique violation names a row that exists
        raise RuntimeError("idempotency key vanished after a unique violation")
    return stored


def _is_key_collision(error: Exception) -> bool:
    if isinstance(error, asyncpg.UniqueViolationError):
        return getattr(error, "constraint_name", "") == "uq_idempotency_scope_key"
    return "idempotency_key" in str(error)
