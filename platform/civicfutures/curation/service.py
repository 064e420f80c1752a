"""What briefings take from curation: agreed insights with their quotes, and the Theory of Change.

These functions read as the system (no request, no actor) and return plain msgspec structs,
so a briefing builder can call them and render the result in any format. Texts come in the
requested language; where an insight has no text in it, the text in the insight's own
language is used and `fallback_language` names that language, so the briefing can say so.
"""

from __future__ import annotations

from typing import Any

import msgspec

from civicfutures.auth.actor import SYSTEM
from civicfutures.curation import schemas as c
from civicfutures.curation.insight_service import InsightService
from civicfutures.curation.outcome_service import outcome_rows
from civicfutures.curation.quotes import (
    Span,
    excerpt_translations,
    quotable_evidence,
    same_language,
    story_bodies,
)
from civicfutures.curation.quotes import story_translations as load_story_translations
from civicfutures.curation.texts import checked_language, insight_text
from civicfutures.curation.theory import TheoryRow, theory_of_change_table
from civicfutures.db.tables import Insight, Site, Theme
from civicfutures.i18n.labels import LabelContext
from civicfutures.intake.setup_service import find_project

__all__ = [
    "InsightForBriefing",
    "LabelForBriefing",
    "QuoteForBriefing",
    "TheoryRow",
    "agreed_insights_for_briefing",
    "theory_of_change_table",
]


class LabelForBriefing(msgspec.Struct, kw_only=True):
    key: str
    label: str
    label_language: str | None


class QuoteForBriefing(msgspec.Struct, kw_only=True):
    """A quote as consented today: the original words and, if any, a translation of those
    words into the briefing's language (the curator's, or sentences aligned with certainty;
    never the whole story's)."""

    story: int
    site: str
    language: str
    text: str
    translation: c.ExcerptTranslation | None


class InsightForBriefing(msgspec.Struct, kw_only=True):
    id: int
    site: str | None
    site_name: str | None
    title: str
    summary: str
    # The language title and summary are shown in when it is not the requested one.
    fallback_language: str | None
    themes: list[LabelForBriefing]
    outcomes: list[LabelForBriefing]
    quotes: list[QuoteForBriefing]
    stories: int
    sites: list[str]
    evidence_withdrawn: int


async def agreed_insights_for_briefing(
    project_slug: str, site_slug: str | None, lang: str
) -> list[InsightForBriefing]:
    """Agreed insights of a project (or of one site: its own insights and the cross-site ones
    with evidence from it), oldest first, localized for `lang`."""
    lang = checked_language(lang)
    project = await find_project(project_slug)
    sites = {
        row["id"]: row
        for row in await Site.select(Site.id, Site.slug, Site.name, Site.languages)
        .output(load_json=True)
        .where(Site.project == project["id"])
    }
    rows = (
        await Insight.select(
            Insight.all_columns(), Insight.project.slug, Insight.site.slug, Insight.author.email
        )
        .output(load_json=True)
        .where((Insight.project == project["id"]) & (Insight.status == "agreed"))
        .order_by(Insight.id)
    )
    insights = await InsightService().assemble(rows)
    if site_slug is not None:
        insights = [
            i
            for i in insights
            if i.site == site_slug
            or (i.site is None and any(e.site == site_slug for e in i.evidence))
        ]
    site_languages: tuple[str, ...] = ()
    for site in sites.values():
        if site["slug"] == site_slug:
            site_languages = tuple(site["languages"] or [])
    labels = LabelContext(
        tag=lang, site_languages=site_languages, project_default=project["default_language"]
    )
    theme_labels = await _theme_labels(project["id"], labels)
    outcome_labels = {row["key"]: _label(row, labels) for row in await outcome_rows(project["id"])}
    quotes = await quotable_evidence(SYSTEM, project["id"], [i.id for i in insights])
    translations = await load_story_translations(q.story for q in quotes)
    bodies = await story_bodies(q.story for q in quotes)
    names = {site["slug"]: site["name"] for site in sites.values()}
    result = []
    for insight in insights:
        title = insight_text(insight.title, lang, insight.language)
        summary = insight_text(insight.summary, lang, insight.language)
        shown = [t.language for t in (title, summary) if t.language]
        fallback = next((tag for tag in shown if not same_language(tag, lang)), None)
        cited = [q for q in quotes if insight.id in q.insights]
        result.append(
            InsightForBriefing(
                id=insight.id,
                site=insight.site,
                site_name=names.get(insight.site) if insight.site else None,
                title=title.text,
                summary=summary.text,
                fallback_language=fallback,
                themes=[theme_labels[k] for k in insight.themes if k in theme_labels],
                outcomes=[outcome_labels[k] for k in insight.outcomes if k in outcome_labels],
                quotes=[
                    QuoteForBriefing(
                        story=q.story,
                        site=q.site,
                        language=q.language,
                        text=q.text,
                        translation=next(
                            iter(
                                excerpt_translations(
                                    q.language,
                                    q.curated,
                                    translations[q.story],
                                    lang,
                                    Span(bodies[q.story], q.start, q.end),
                                    whole_story=False,
                                )
                            ),
                            None,
                        ),
                    )
                    for q in cited
                ],
                stories=len({e.story for e in insight.evidence}),
                sites=sorted({e.site for e in insight.evidence}),
                evidence_withdrawn=insight.evidence_withdrawn,
            )
        )
    return result


def _label(row: dict[str, Any], labels: LabelContext) -> LabelForBriefing:
    found = labels.label(row["labels"], row["key"])
    return LabelForBriefing(key=row["key"], label=found.text, label_language=found.language)


async def _theme_labels(project_id: int, labels: LabelContext) -> dict[str, LabelForBriefing]:
    rows = (
        await Theme.select(Theme.key, Theme.labels)
        .output(load_json=True)
        .where(Theme.project == project_id)
    )
    return {row["key"]: _label(row, labels) for row in rows}
