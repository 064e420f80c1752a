"""The order a briefing is read in: the briefing proper, then the annex of statistical tables.

Like the insight briefings a council reads: the summary first, then the key challenges and the
future visions with their evidence, what would help, the author's recommendations, the agreed
insights with their quotes, the method and its limits; every table after that.
"""

from __future__ import annotations

from collections.abc import Callable

from civicfutures.briefings import narrative, sections
from civicfutures.briefings.charts import ChartSpec
from civicfutures.briefings.document import Section
from civicfutures.briefings.sections import Context

Builder = Callable[[Context], Section | None]

BRIEFING: tuple[Builder, ...] = (
    narrative.summary,
    narrative.key_challenges,
    narrative.future_visions,
    narrative.what_would_help,
    narrative.recommendations,
    sections.insights_and_quotes,
    narrative.method_and_limits,
)
LOCAL_ANNEX: tuple[Builder, ...] = (
    sections.annex_stories,
    sections.annex_themes,
    sections.comparison,
    sections.breakdowns,
    sections.theory_of_change,
    sections.data_notes,
)
CROSS_SITE_ANNEX: tuple[Builder, ...] = (
    sections.annex_stories,
    sections.annex_themes,
    sections.site_profiles,
    sections.comparison,
    sections.breakdowns,
    sections.theory_of_change,
    sections.data_notes,
)


EARLY_CHARTS: tuple[Callable[[Context], ChartSpec], ...] = (sections.prevalence_chart,)
"""Charts specified before the sections, so that they are drawn while the sections are made:
the heatmap takes 0.6 s to draw at 200 sites, and its section comes near the end."""


def build_sections(ctx: Context) -> list[Section]:
    """The sections of a local or a cross-site briefing, in reading order (empty ones left out)."""
    for make in EARLY_CHARTS:
        ctx.chart_from(make)
    annex = LOCAL_ANNEX if ctx.params.local else CROSS_SITE_ANNEX
    built = (build(ctx) for build in (*BRIEFING, *annex))
    return [section for section in built if section is not None]
