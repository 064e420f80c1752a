"""What a briefing reads besides the snapshot: agreed curation and the project's demographic labels.

Read once, before anything is computed, into one struct whose hash joins the snapshot id and
the parameters in the briefing id: an insight agreed (or a quote consent withdrawn) after a
briefing was built gives the next briefing a new id.
"""

from __future__ import annotations

import hashlib

import msgspec

from civicfutures.briefings.drafting import draft_summary
from civicfutures.briefings.params import BriefingParams
from civicfutures.curation.service import (
    InsightForBriefing,
    TheoryRow,
    agreed_insights_for_briefing,
    theory_of_change_table,
)
from civicfutures.db.tables import Site
from civicfutures.i18n.labels import LabelContext
from civicfutures.intake.setup_service import find_project


class AttributeLabels(msgspec.Struct, kw_only=True):
    """A demographic attribute's label and its values' labels, in the briefing's language."""

    name: str
    label: str
    values: list[tuple[str, str]]
    """(value, label) in the order the project lists them."""


class Inputs(msgspec.Struct, kw_only=True):
    project_name: str
    project_default: str
    site_languages: list[str]
    attributes: list[AttributeLabels]
    insights: list[InsightForBriefing]
    theory: list[TheoryRow]
    summary: str = ""
    """The author's summary: as written in the build form, or drafted from the insights."""
    recommendations: str = ""

    def digest(self) -> str:
        return hashlib.sha256(msgspec.json.encode(self, order="sorted")).hexdigest()


async def gather_inputs(params: BriefingParams) -> Inputs:
    """Read the curation and labels a briefing needs, as the system, in the briefing's language."""
    project = await find_project(params.project)
    site_languages: list[str] = []
    if params.site:
        row = (
            await Site.select(Site.languages)
            .output(load_json=True)
            .where(Site.slug == params.site)
            .first()
        )
        site_languages = list((row or {}).get("languages") or [])
    labels = LabelContext(
        tag=params.language,
        site_languages=tuple(site_languages),
        project_default=project["default_language"],
    )
    attributes = [
        AttributeLabels(
            name=item["name"],
            label=labels.label(item.get("labels"), item["name"]).text,
            values=[
                (choice["value"], labels.label(choice.get("labels"), choice["value"]).text)
                for choice in item.get("choices", [])
            ],
        )
        for item in project.get("demographics") or []
    ]
    insights = await agreed_insights_for_briefing(params.project, params.site, params.language)
    return Inputs(
        project_name=project["name"],
        project_default=project["default_language"],
        site_languages=site_languages,
        attributes=attributes,
        insights=insights,
        theory=await theory_of_change_table(params.project, params.language),
        summary=params.summary if params.summary is not None else draft_summary(insights),
        recommendations=params.recommendations,
    )
