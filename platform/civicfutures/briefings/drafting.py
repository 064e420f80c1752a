"""The summary a briefing starts from: drafted from the agreed insights, for its author to edit.

Pure: the same insights give the same draft, so a briefing built without editing it keeps one
id and one set of bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from civicfutures.curation.service import InsightForBriefing


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?…。؟" else f"{text}."


def draft_summary(insights: Sequence[InsightForBriefing]) -> str:
    """One paragraph per agreed insight, oldest first: its title, then its summary."""
    return "\n\n".join(
        " ".join(part for part in (_sentence(i.title), _sentence(i.summary)) if part)
        for i in insights
    )
