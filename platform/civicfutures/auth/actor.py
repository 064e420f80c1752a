"""Who is acting: a user with roles, scoped to sites. Services receive an Actor, never a request."""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("admin", "partner", "researcher", "author")


@dataclass(frozen=True)
class Actor:
    """The caller of a service.

    `site_ids` (what the actor may read) is None when a role reaches every site (admin,
    researcher, author); a partner's set holds the sites of its memberships.
    `partner_site_ids` are the sites where the actor may enter and edit stories.
    """

    user_id: int | None
    label: str
    roles: frozenset[str] = field(default_factory=frozenset)
    site_ids: frozenset[int] | None = None
    partner_site_ids: frozenset[int] = field(default_factory=frozenset)
    unsuppressed: bool = False

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_visitor(self) -> bool:
        return "visitor" in self.roles

    def has_any(self, *roles: str) -> bool:
        return self.is_admin or bool(self.roles.intersection(roles))

    def sees_site(self, site_id: int) -> bool:
        return self.site_ids is None or site_id in self.site_ids

    def writes_site(self, site_id: int) -> bool:
        """Writing stories needs admin, or partner on that site."""
        return self.is_admin or site_id in self.partner_site_ids

    @property
    def access(self) -> tuple[frozenset[str], frozenset[int] | None, frozenset[int], bool]:
        """What the actor may read and write, without who it is: two actors with the same
        access are shown the same data (a kept form definition is shared between them)."""
        return (self.roles, self.site_ids, self.partner_site_ids, self.unsuppressed)


# Commands run from the shell (demo loading, imports by an operator) act as the system.
SYSTEM = Actor(user_id=None, label="system", roles=frozenset({"admin"}), site_ids=None)
# Anyone reading a published story archive, signed in or not: what the consent rule lets the
# public read (`consent.readable_stories`), and nothing else.
VISITOR = Actor(user_id=None, label="visitor", roles=frozenset({"visitor"}), site_ids=None)
