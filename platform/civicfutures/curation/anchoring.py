"""Keeping evidence excerpts right when a story's text is edited.

`StoryService.update` calls `reanchor_evidence` inside its transaction whenever the body may
change: each cited excerpt moves to where its stored text now stands (the occurrence nearest
its old place, on grapheme boundaries), or the edit is refused with an error naming the
insights that cite the excerpt. No excerpt is ever left pointing at other words.
"""

from __future__ import annotations

import regex

from civicfutures.auth.actor import Actor
from civicfutures.curation.access import reads_insight
from civicfutures.curation.offsets import occurrences
from civicfutures.db.tables import Evidence
from civicfutures.i18n import current_locale
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_list, quoted
from civicfutures.i18n.labels import fallback_chain, pick
from civicfutures.intake.validation import Checker


async def reanchor_evidence(
    story_id: int, old_body: str, new_body: str, check: Checker, actor: Actor | None = None
) -> None:
    """Move the story's evidence excerpts to their text in `new_body`, or add a `body` error.

    The error names each insight citing a lost excerpt by number and title; an insight the
    editing actor may not read (a partner and a cross-site insight) is named without its title.
    The caller raises the collected errors, which rolls the moves back with the edit.
    """
    if old_body == new_body:
        return
    rows = await (
        Evidence.select(
            Evidence.id,
            Evidence.excerpt,
            Evidence.start_offset,
            Evidence.end_offset,
            Evidence.insight,
            Evidence.insight.site,
            Evidence.insight.title,
            Evidence.insight.language,
        )
        .output(load_json=True)
        .where(Evidence.story == story_id)
        .order_by(Evidence.id)
    )
    lost: dict[int, list[str]] = {}
    titles: dict[int, str | None] = {}
    for row in rows:
        excerpt = row["excerpt"] or old_body[row["start_offset"] : row["end_offset"]]
        positions = occurrences(new_body, excerpt)
        if not positions:
            lost.setdefault(row["insight"], []).append(excerpt)
            titles[row["insight"]] = _title(row, actor)
            continue
        start = min(positions, key=lambda p: (abs(p - row["start_offset"]), p))
        if start != row["start_offset"] or row["end_offset"] != start + len(excerpt):
            await Evidence.update(
                {Evidence.start_offset: start, Evidence.end_offset: start + len(excerpt)}
            ).where(Evidence.id == row["id"])
    for insight_id, excerpts in lost.items():
        shown = format_list(quoted(_shorten(e)) for e in dict.fromkeys(excerpts))
        title = titles[insight_id]
        if title is None:
            message = _(
                "The edit removes {excerpts}, cited as evidence by insight {id}, which you cannot open; ask an author to change that insight first."
            ).format(excerpts=shown, id=insight_id)
        else:
            message = _(
                "The edit removes {excerpts}, cited as evidence by insight {id} “{title}”; change that insight's evidence first or keep these words."
            ).format(excerpts=shown, id=insight_id, title=title)
        check.add("body", message)


def _title(row: dict, actor: Actor | None) -> str | None:
    if actor is not None and not reads_insight(actor, row["insight.site"]):
        return None
    chain = fallback_chain(current_locale(), (), row["insight.language"] or None)
    texts = row["insight.title"] or {}
    return pick(texts, chain, next(iter(texts.values()), "")).text


def _shorten(text: str, limit: int = 60) -> str:
    """At most `limit` graphemes (never half a letter), with an ellipsis when cut."""
    clusters = regex.findall(r"\X", text)
    return text if len(clusters) <= limit else "".join(clusters[: limit - 1]).rstrip() + "…"
