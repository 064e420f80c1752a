"""Whose codings a reader sees: the blind-coding rule, decided here and nowhere else.

In a project with `blind_coding`, a coder (a researcher, or a partner) sees only their own
codings of a story until they mark that story done; then they see everyone's. Admins, who
reconcile, and authors, who do not code, see every coding. Without blind coding everyone who
may read a story sees all its codings. The rule is applied by the story service (the JSON API,
the story page) and by the coding overview alike, and is read fresh at every call.
"""

from __future__ import annotations

from collections.abc import Iterable

from civicfutures.auth.actor import Actor
from civicfutures.db.tables import CodingDone, Story

CODER_ROLES = ("partner", "researcher")


def codes(actor: Actor) -> bool:
    """Whether the blind rule applies to this reader at all (admins and authors read all)."""
    return not actor.is_admin and bool(actor.roles.intersection(CODER_ROLES))


async def blind_stories(actor: Actor, story_ids: Iterable[int]) -> set[int]:
    """The stories among `story_ids` where `actor` sees only their own codings."""
    ids = sorted(set(story_ids))
    if not ids or not codes(actor):
        return set()
    rows = await Story.select(Story.id).where(
        Story.id.is_in(ids), Story.site.project.blind_coding.eq(True)
    )
    blind = {row["id"] for row in rows}
    if not blind:
        return set()
    done = await CodingDone.select(CodingDone.story).where(
        CodingDone.story.is_in(sorted(blind)), CodingDone.user == (actor.user_id or -1)
    )
    return blind - {row["story"] for row in done}


def visible(actor: Actor, blind: set[int], story_id: int, coder_user: int | None) -> bool:
    """One coding of `story_id` by `coder_user` (None: not a signed-in coder) for `actor`."""
    return story_id not in blind or (coder_user is not None and coder_user == actor.user_id)


def reaches_every_site(actor: Actor) -> bool:
    """Who reads memos on themes: readers of every site who analyse (researchers, admins).
    A theme's memo may speak of any site's stories, so partners never see one."""
    return actor.site_ids is None and actor.has_any("researcher")
