"""What the storytellers of a story allow today, read fresh on every call (never cached).

A story counts as evidence only while ALL its storytellers hold the `research` scope and none
has withdrawn; it may be quoted only while all of them also hold `quote`. Reading this at
every request is what makes a withdrawal take effect everywhere at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from civicfutures.db.tables import StoryStoryteller


@dataclass(frozen=True)
class StoryConsent:
    research: bool
    quote: bool


NO_CONSENT = StoryConsent(research=False, quote=False)


async def story_consent(story_ids: Iterable[int]) -> dict[int, StoryConsent]:
    """Consent per story id; a story without storytellers (or unknown) allows nothing."""
    ids = sorted(set(story_ids))
    if not ids:
        return {}
    rows = (
        await StoryStoryteller.select(
            StoryStoryteller.story,
            StoryStoryteller.storyteller.consent_scopes,
            StoryStoryteller.storyteller.consent_withdrawn_at,
        )
        .output(load_json=True)
        .where(StoryStoryteller.story.is_in(ids))
    )
    research: dict[int, bool] = {}
    quote: dict[int, bool] = {}
    for row in rows:
        scopes = row["storyteller.consent_scopes"] or []
        active = row["storyteller.consent_withdrawn_at"] is None and "research" in scopes
        story = row["story"]
        research[story] = research.get(story, True) and active
        quote[story] = quote.get(story, True) and active and "quote" in scopes
    return {
        story: StoryConsent(research=research.get(story, False), quote=quote.get(story, False))
        for story in ids
    }
