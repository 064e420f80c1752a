"""The audit log: who changed what and when, with hashes of the state before and after."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import msgspec

from civicfutures.auth.actor import Actor
from civicfutures.db.sql import write_later


def state_hash(state: Any) -> str:
    """A stable sha256 of a JSON-able state; empty for no state (creation, deletion)."""
    if state is None:
        return ""
    encoded = msgspec.json.encode(msgspec.to_builtins(state, order="sorted"))
    return hashlib.sha256(encoded).hexdigest()


# Bookkeeping that changes with every write; the history names the fields a person changed.
_NOT_FIELDS = frozenset({"version", "updated_at", "created_at", "id"})


def changed_fields(before: Any, after: Any) -> list[str]:
    """Top-level fields whose value differs between two states (names only, never values)."""
    old = msgspec.to_builtins(before) if before is not None else {}
    new = msgspec.to_builtins(after) if after is not None else {}
    return sorted(
        k for k in set(old) | set(new) if k not in _NOT_FIELDS and old.get(k) != new.get(k)
    )


async def record(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | str,
    before: Any = None,
    after: Any = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one event; runs inside the caller's transaction so it stands or falls with the write.

    One plain INSERT (every write records an event, so Piccolo's query builder is left out),
    sent with the transaction's other held-back writes on PostgreSQL.
    """
    await write_later(
        "INSERT INTO audit_event (at, actor, actor_label, action, entity, entity_id, "
        "before_hash, after_hash, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        dt.datetime.now(dt.UTC),
        actor.user_id,
        actor.label,
        action,
        entity,
        str(entity_id),
        state_hash(before),
        state_hash(after),
        msgspec.json.encode(detail or {}).decode(),
    )
