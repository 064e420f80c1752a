"""The Theory of Change: each outcome with its insights and the evidence per site behind them.

Counts are direct: an outcome counts the insights mapped to it, not those of its
sub-outcomes (the tree is shown, so a reader sees both). Stories and sites come from the
excerpts that still count (storytellers' research consent held today); a site "without
evidence" is a site of the project, readable by the caller, that none of them comes from.
"""

from __future__ import annotations

from typing import Any

import msgspec

from civicfutures.auth.actor import SYSTEM, Actor
from civicfutures.consent import story_consent
from civicfutures.curation import schemas as c
from civicfutures.curation.access import readable_condition
from civicfutures.curation.diagram import DIAGRAMS, Rendered
from civicfutures.curation.outcome_service import outcome_rows
from civicfutures.curation.texts import checked_language, insight_text
from civicfutures.db.tables import Evidence, Insight, InsightOutcome, Site
from civicfutures.i18n.labels import LabelContext
from civicfutures.intake.setup_service import find_project


class TheoryRow(msgspec.Struct, kw_only=True):
    """One line of the Theory-of-Change table in a briefing (labels and site names localized)."""

    outcome: str
    label: str
    label_language: str | None
    parent: str | None
    parent_label: str | None
    insights: list[str]
    stories: int
    sites: list[str]
    sites_without_evidence: list[str]


async def visible_sites(actor: Actor, project_id: int) -> list[dict[str, Any]]:
    """The project's sites the actor reads, in the order they were added."""
    rows = (
        await Site.select(Site.id, Site.slug, Site.name, Site.languages)
        .output(load_json=True)
        .where(Site.project == project_id)
        .order_by(Site.id)
    )
    return [row for row in rows if actor.sees_site(row["id"])]


async def theory_of_change(
    actor: Actor, project: str, lang: str, include_drafts: bool = False
) -> c.TheoryOfChange:
    """The outcome tree of a project with the (agreed, or all) insights the actor reads."""
    lang = checked_language(lang)
    project_row = await find_project(project)
    labels = LabelContext(tag=lang, project_default=project_row["default_language"])
    sites = await visible_sites(actor, project_row["id"])
    site_order = [site["slug"] for site in sites]
    query = (
        Insight.select(
            Insight.id,
            Insight.title,
            Insight.language,
            Insight.status,
            Insight.site.slug,
        )
        .output(load_json=True)
        .where(Insight.project == project_row["id"])
        .order_by(Insight.id)
    )
    if not include_drafts:
        query = query.where(Insight.status == "agreed")
    limit = readable_condition(actor, Insight.site)
    if limit is not None:
        query = query.where(limit)
    insights = {row["id"]: row for row in await query}
    ids = sorted(insights)
    links = (
        await InsightOutcome.select(InsightOutcome.insight, InsightOutcome.outcome).where(
            InsightOutcome.insight.is_in(ids)
        )
        if ids
        else []
    )
    evidence = (
        await Evidence.select(Evidence.insight, Evidence.story, Evidence.story.site.slug).where(
            Evidence.insight.is_in(ids)
        )
        if ids
        else []
    )
    consent = await story_consent(row["story"] for row in evidence)
    backing: dict[int, set[tuple[int, str]]] = {i: set() for i in ids}
    for row in evidence:
        if consent[row["story"]].research:
            backing[row["insight"]].add((row["story"], row["story.site.slug"]))

    def ref(insight_id: int) -> c.InsightRef:
        row = insights[insight_id]
        title = insight_text(row["title"], lang, row["language"])
        return c.InsightRef(
            id=insight_id,
            title=title.text,
            title_language=title.language,
            status=row["status"],
            site=row["site.slug"],
        )

    outcomes = await outcome_rows(project_row["id"])
    keys = {row["id"]: row["key"] for row in outcomes}
    mapped: set[int] = set()
    nodes = []
    for outcome in outcomes:
        linked = sorted(link["insight"] for link in links if link["outcome"] == outcome["id"])
        mapped.update(linked)
        stories = {story for i in linked for story, _site in backing[i]}
        with_evidence = {site for i in linked for _story, site in backing[i]}
        label = labels.label(outcome["labels"], outcome["key"])
        nodes.append(
            c.OutcomeNode(
                key=outcome["key"],
                parent=keys.get(outcome["parent"]) if outcome["parent"] else None,
                label=label.text,
                label_language=label.language,
                description=labels.description(outcome["descriptions"]).text,
                insights=[ref(i) for i in linked],
                stories=len(stories),
                sites=[slug for slug in site_order if slug in with_evidence],
                sites_without_evidence=[slug for slug in site_order if slug not in with_evidence],
            )
        )
    return c.TheoryOfChange(
        project=project_row["slug"],
        language=lang,
        include_drafts=include_drafts,
        sites=site_order,
        outcomes=nodes,
        unmapped=[ref(i) for i in ids if i not in mapped],
    )


async def theory_of_change_table(
    project: str, lang: str, actor: Actor = SYSTEM, include_drafts: bool = False
) -> list[TheoryRow]:
    """The Theory of Change as table rows for a briefing: agreed insights, names not slugs."""
    theory = await theory_of_change(actor, project, lang, include_drafts)
    names = await site_names(actor, project)
    labels = {node.key: node.label for node in theory.outcomes}
    return [
        TheoryRow(
            outcome=node.key,
            label=node.label,
            label_language=node.label_language,
            parent=node.parent,
            parent_label=labels.get(node.parent) if node.parent else None,
            insights=[insight.title for insight in node.insights],
            stories=node.stories,
            sites=[names[slug] for slug in node.sites],
            sites_without_evidence=[names[slug] for slug in node.sites_without_evidence],
        )
        for node in theory.outcomes
    ]


async def site_names(actor: Actor, project: str) -> dict[str, str]:
    """Slug → display name of the project's sites the actor reads."""
    project_row = await find_project(project)
    return {site["slug"]: site["name"] for site in await visible_sites(actor, project_row["id"])}


async def theory_diagram(
    actor: Actor, project: str, lang: str, diagram_format: str, include_drafts: bool = False
) -> Rendered:
    """The Theory of Change drawn in one of the `DIAGRAMS` formats."""
    theory = await theory_of_change(actor, project, lang, include_drafts)
    return await DIAGRAMS[diagram_format](theory, await site_names(actor, project))
