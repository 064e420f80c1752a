"""Agreed codings move with their words when a story's text is edited, as codings do.

`StoryService.update` calls `reanchor_agreed` inside its transaction for the original and for
each changed translation. An agreed excerpt whose exact words are gone refuses the edit,
naming it: nothing is left pointing at other words.
"""

from __future__ import annotations

from civicfutures.curation.offsets import occurrences
from civicfutures.db.tables import AgreedCoding
from civicfutures.i18n import gettext as _
from civicfutures.intake.validation import Checker


async def reanchor_agreed(
    story_id: int, translation: str, old_body: str, new_body: str, check: Checker
) -> None:
    """Move the agreed excerpts of one text (the original: `translation` empty) to where
    their words now stand, the nearest occurrence to the old position winning."""
    rows = await AgreedCoding.select(
        AgreedCoding.id,
        AgreedCoding.theme.key,
        AgreedCoding.start_offset,
        AgreedCoding.end_offset,
    ).where(
        (AgreedCoding.story == story_id)
        & (AgreedCoding.translation == translation)
        & AgreedCoding.start_offset.is_not_null()
    )
    field = "translations" if translation else "body"
    for row in rows:
        start, end = row["start_offset"], row["end_offset"]
        excerpt = old_body[start:end]
        positions = occurrences(new_body, excerpt)
        if not excerpt or not positions:
            check.add(
                field,
                _(
                    "The edit removes the excerpt “{excerpt}” agreed as {theme}; remove that agreed coding first."
                ).format(excerpt=excerpt[:60], theme=row["theme.key"]),
            )
            continue
        new_start = min(positions, key=lambda p: abs(p - start))
        if new_start != start:
            await AgreedCoding.update(
                {
                    AgreedCoding.start_offset: new_start,
                    AgreedCoding.end_offset: new_start + len(excerpt),
                }
            ).where(AgreedCoding.id == row["id"])
