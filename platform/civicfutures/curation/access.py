"""Who may read and write insights; the rules are described in `civicfutures.curation`."""

from __future__ import annotations

from typing import Any

from civicfutures.auth.actor import Actor


def reads_insight(actor: Actor, site_id: int | None) -> bool:
    """Cross-site insights are for roles that reach every site; site insights for that site's readers."""
    if actor.site_ids is None:
        return True
    return site_id is not None and site_id in actor.site_ids


def writes_insight(actor: Actor, site_id: int | None) -> bool:
    """Authors and admins write any insight they read; partners only those of their own sites."""
    if not reads_insight(actor, site_id):
        return False
    if actor.has_any("author"):
        return True
    return site_id is not None and site_id in actor.partner_site_ids


def is_curator(actor: Actor) -> bool:
    """Authors and admins agree insights and shape the Theory of Change."""
    return actor.has_any("author")


def readable_condition(actor: Actor, site_column: Any) -> Any | None:
    """A query condition limiting insights to those the actor reads (None: no limit)."""
    if actor.site_ids is None:
        return None
    return site_column.is_in(sorted(actor.site_ids) or [-1])
