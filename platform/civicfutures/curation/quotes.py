"""The quote bank: excerpts marked quotable whose storytellers all consent to being quoted.

Computed at every read, never stored: a withdrawal of consent (or of the `quote` scope)
removes the quote from here, from insights and from briefings at once.

Translations offered with a quote, in this order of preference per language:
1. the curator's own translation of the excerpt (`scope: excerpt`);
2. the excerpt's sentences in the story's translation, only where the alignment is certain
   (`scope: aligned`, see `alignment`);
3. otherwise, in the quote bank only, the whole translated story (`scope: story`), marked as
   such. Briefings never offer it: a whole story printed after a quote reads as the quote's
   translation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from civicfutures.auth.actor import Actor
from civicfutures.consent import story_consent
from civicfutures.curation import schemas as c
from civicfutures.curation.access import readable_condition
from civicfutures.curation.alignment import aligned_text
from civicfutures.curation.texts import checked_language
from civicfutures.db.tables import Coding, Evidence, InsightTheme, Story, Translation
from civicfutures.i18n.languages import base_language
from civicfutures.intake.setup_service import find_project


def same_language(a: str | None, b: str | None) -> bool:
    """Tags name the same language when their base languages match (`pl-PL` ~ `pl`)."""
    return bool(a and b) and base_language(a) == base_language(b)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Span:
    """Where an excerpt sits in its story's original text, to look for it in translations."""

    body: str
    start: int
    end: int


def excerpt_translations(
    original_language: str,
    curated: Mapping[str, str],
    story_translations: Iterable[dict[str, Any]],
    lang: str | None = None,
    span: Span | None = None,
    whole_story: bool = True,
) -> list[c.ExcerptTranslation]:
    """The translations to show with an excerpt: curated ones first, then aligned sentences,
    then (with `whole_story`) whole stories for the rest.

    With `lang`, only a translation into that language (none when the original is in it).
    """
    if lang and same_language(original_language, lang):
        return []
    offered: list[c.ExcerptTranslation] = []
    covered: set[str] = set()
    for tag, text in sorted(curated.items()):
        if lang and not same_language(tag, lang):
            continue
        offered.append(c.ExcerptTranslation(language=tag, text=text, scope="excerpt"))
        covered.add(base_language(tag))
    for item in sorted(story_translations, key=lambda t: t["language"]):
        if base_language(item["language"]) in covered:
            continue
        if lang and not same_language(item["language"], lang):
            continue
        aligned = aligned_text(span.body, span.start, span.end, item["body"]) if span else None
        if aligned is None and not whole_story:
            continue
        offered.append(
            c.ExcerptTranslation(
                language=item["language"],
                text=aligned if aligned is not None else item["body"],
                scope="aligned" if aligned is not None else "story",
                title=item["title"],
                by=item["origin"],
                reviewed=item["reviewed"],
            )
        )
        covered.add(base_language(item["language"]))
    return offered


async def story_bodies(story_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(story_ids))
    if not ids:
        return {}
    return {
        row["id"]: row["body"]
        for row in await Story.select(Story.id, Story.body).where(Story.id.is_in(ids))
    }


async def story_translations(story_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    ids = sorted(set(story_ids))
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        for row in await Translation.select().where(Translation.story.is_in(ids)):
            found[row["story"]].append(row)
    return found


@dataclass
class _Quote:
    story: int
    site: str
    language: str
    start: int
    end: int
    text: str
    curated: dict[str, str] = field(default_factory=dict)
    insights: list[int] = field(default_factory=list)
    themes: set[str] = field(default_factory=set)


async def quotable_evidence(
    actor: Actor, project_id: int, insight_ids: list[int] | None = None
) -> list[_Quote]:
    """Quotable excerpts the actor may read, one per distinct passage, with quote consent now."""
    query = (
        Evidence.select(
            Evidence.story,
            Evidence.insight,
            Evidence.start_offset,
            Evidence.end_offset,
            Evidence.excerpt,
            Evidence.translations,
            Evidence.story.site.slug,
            Evidence.story.language,
        )
        .output(load_json=True)
        .where((Evidence.quotable == True) & (Evidence.insight.project == project_id))  # noqa: E712
        .order_by(Evidence.id)
    )
    limit = readable_condition(actor, Evidence.insight.site)
    if limit is not None:
        query = query.where(limit)
    if insight_ids is not None:
        query = query.where(Evidence.insight.is_in(insight_ids or [-1]))
    rows = await query
    consent = await story_consent(row["story"] for row in rows)
    quotes: dict[tuple[int, int, int], _Quote] = {}
    for row in rows:
        if not consent[row["story"]].quote:
            continue
        key = (row["story"], row["start_offset"], row["end_offset"])
        quote = quotes.get(key)
        if quote is None:
            quote = quotes[key] = _Quote(
                story=row["story"],
                site=row["story.site.slug"],
                language=row["story.language"],
                start=row["start_offset"],
                end=row["end_offset"],
                text=row["excerpt"],
            )
        for tag, text in (row["translations"] or {}).items():
            quote.curated.setdefault(tag, text)
        if row["insight"] not in quote.insights:
            quote.insights.append(row["insight"])
    found = list(quotes.values())
    await _add_themes(found)
    return found


async def _add_themes(quotes: list[_Quote]) -> None:
    """A quote's themes: its insights' themes and themes coded on an overlapping excerpt."""
    if not quotes:
        return
    insight_ids = sorted({i for q in quotes for i in q.insights})
    by_insight: dict[int, set[str]] = {}
    for row in await InsightTheme.select(InsightTheme.insight, InsightTheme.theme.key).where(
        InsightTheme.insight.is_in(insight_ids)
    ):
        by_insight.setdefault(row["insight"], set()).add(row["theme.key"])
    codings = await Coding.select(
        Coding.story, Coding.start_offset, Coding.end_offset, Coding.theme.key
    ).where(
        Coding.story.is_in(sorted({q.story for q in quotes}))
        & Coding.start_offset.is_not_null()
        # Offsets on a translation count in other words than the quote's original.
        & (Coding.translation == "")
    )
    for quote in quotes:
        for insight in quote.insights:
            quote.themes |= by_insight.get(insight, set())
        for coding in codings:
            if (
                coding["story"] == quote.story
                and coding["start_offset"] < quote.end
                and quote.start < coding["end_offset"]
            ):
                quote.themes.add(coding["theme.key"])


class QuoteBank:
    async def list(
        self,
        actor: Actor,
        project: str,
        site: str | None = None,
        theme: str | None = None,
        lang: str | None = None,
    ) -> list[c.QuoteOut]:
        """Quotes of a project; `lang` keeps those readable in that language, with that translation."""
        lang = checked_language(lang) if lang else None
        project_row = await find_project(project)
        quotes = await quotable_evidence(actor, project_row["id"])
        if site:
            quotes = [q for q in quotes if q.site == site]
        if theme:
            quotes = [q for q in quotes if theme in q.themes]
        translations = await story_translations(q.story for q in quotes)
        bodies = await story_bodies(q.story for q in quotes)
        result = []
        for quote in quotes:
            offered = excerpt_translations(
                quote.language,
                quote.curated,
                translations[quote.story],
                lang,
                Span(bodies[quote.story], quote.start, quote.end),
            )
            if lang and not offered and not same_language(quote.language, lang):
                continue
            result.append(
                c.QuoteOut(
                    story=quote.story,
                    site=quote.site,
                    language=quote.language,
                    start=quote.start,
                    end=quote.end,
                    text=quote.text,
                    translations=offered,
                    themes=sorted(quote.themes),
                    insights=sorted(quote.insights),
                )
            )
        result.sort(key=lambda q: (q.site, q.story, q.start))
        return result
