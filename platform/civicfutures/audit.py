"""The audit log: who changed what and when, with hashes of the state before and after.

Each event also names the fields that changed (`detail["fields"]`, e.g. `["consent.scopes",
"title"]`): names only, never values, so the log can be shown to admins without repeating what a
storyteller told. Events written before the names were kept have none; pages show "—".
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
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
# `consent.scopes` says enough; keys further down may be data (a label's text, an attribute).
FIELD_DEPTH = 2

# Every kind of record and every action written to the log: the audit page's filters offer
# these (tests/admin checks that each `audit.record` call names one of them).
ENTITIES = (
    "recording",
    "subtitles",
    "agreed_coding",
    "api_token",
    "briefing",
    "coding",
    "coding_done",
    "import",
    "insight",
    "memo",
    "outcome",
    "project",
    "quote",
    "site",
    "story",
    "storyteller",
    "theme",
    "user",
    "workshop",
)
ACTIONS = (
    "upload",
    "activate",
    "build",
    "create",
    "deactivate",
    "delete",
    "done",
    "erase",
    "export",
    "grant",
    "import",
    "merge",
    "reopen",
    "restore",
    "retire",
    "revoke",
    "revoke_role",
    "set_password",
    "split",
    "update",
    "withdraw_derived",
)


def _differing(old: Any, new: Any, prefix: str, depth: int) -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict) and depth < FIELD_DEPTH:
        names = []
        for key in set(old) | set(new):
            if depth == 0 and key in _NOT_FIELDS:
                continue
            if old.get(key) != new.get(key):
                names += _differing(old.get(key), new.get(key), f"{prefix}{key}.", depth + 1)
        return names
    return [prefix.rstrip(".")]


def changed_fields(before: Any, after: Any) -> list[str]:
    """Fields whose value differs between two states, dotted one level down (`consent.scopes`);
    names only, never values. A creation names what was set, a deletion what was held."""
    old = msgspec.to_builtins(before) if before is not None else {}
    new = msgspec.to_builtins(after) if after is not None else {}
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    if before is None:
        old = {k: None for k in new}
    if after is None:
        new = {k: None for k in old}
    return sorted(_differing(old, new, "", 0))


async def record(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | str,
    before: Any = None,
    after: Any = None,
    detail: dict[str, Any] | None = None,
    fields: Sequence[str] | None = None,
) -> None:
    """Append one event; runs inside the caller's transaction so it stands or falls with the write.

    `fields` names what changed when no state is given (a password, a role); otherwise the
    names come from comparing `before` with `after`.

    One plain INSERT (every write records an event, so Piccolo's query builder is left out),
    sent with the transaction's other held-back writes on PostgreSQL.
    """
    detail = dict(detail or {})
    if "fields" not in detail:
        if fields is not None:
            detail["fields"] = sorted(fields)
        elif after is not None:
            # A deletion or erasure names no fields: the action says the whole record went.
            detail["fields"] = changed_fields(before, after)
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
        msgspec.json.encode(detail).decode(),
    )
