"""The audit log: who changed what and when, with hashes of the state before and after."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from civicfutures.auth.actor import Actor
from civicfutures.db.tables import AuditEvent


def state_hash(state: Any) -> str:
    """A stable sha256 of a JSON-able state; empty for no state (creation, deletion)."""
    if state is None:
        return ""
    encoded = msgspec.json.encode(msgspec.to_builtins(state, order="sorted"))
    return hashlib.sha256(encoded).hexdigest()


async def record(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | str,
    before: Any = None,
    after: Any = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one event; runs inside the caller's transaction so it stands or falls with the write."""
    await AuditEvent.insert(
        AuditEvent(
            actor=actor.user_id,
            actor_label=actor.label,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before_hash=state_hash(before),
            after_hash=state_hash(after),
            detail=detail or {},
        )
    )
