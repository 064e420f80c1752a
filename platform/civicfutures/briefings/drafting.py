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


def drafted_paragraph(insight: InsightForBriefing) -> str:
    """An insight in a sentence or two: its title, then its summary."""
    return " ".join(part for part in (_sentence(insight.title), _sentence(insight.summary)) if part)


def draft_summary(insights: Sequence[InsightForBriefing]) -> str:
    """One paragraph per agreed insight, oldest first."""
    return "\n\n".join(drafted_paragraph(i) for i in insights)
