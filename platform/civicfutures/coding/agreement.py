"""The agreement page's numbers: kappa and alpha per theme, for the project and per site, with
bootstrap intervals, and the disagreements left to reconcile.

Read live from the codings (not from an analysis snapshot): coders act on this page, and a
reconciled disagreement must leave the list at once. The stories are those the reader may
read (consent rule, a partner's sites); stories still blind to the reader (blind coding, not
yet marked done) are left out of the statistics and the list alike, and counted, so that the
page never reveals another coder's work before the reader has finished their own.

A unit is a story coded by two or more coders, as in `analysis.agreement`; a statistic shown
rests on at least `MINIMUM_UNITS` of them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from civicfutures.analysis.agreement import alpha_values, bootstrap_interval, kappa_values
from civicfutures.auth.actor import Actor
from civicfutures.coding import schemas as cs
from civicfutures.coding.visibility import blind_stories
from civicfutures.consent import readable_stories
from civicfutures.db.tables import AgreedCoding, Coding, Story, Theme
from civicfutures.intake.setup_service import find_project

MINIMUM_UNITS = 5
DISAGREEMENT_LIMIT = 1000


def _statistic(
    values: np.ndarray, interval: tuple[float, float] | None, units: int, positive: int
) -> cs.Statistic:
    enough = units >= MINIMUM_UNITS
    value = float(values[0]) if enough and values.size and not np.isnan(values[0]) else None
    return cs.Statistic(
        units=units,
        positive=positive,
        enough=enough,
        value=value,
        interval=cs.Interval(low=interval[0], high=interval[1]) if enough and interval else None,
    )


def theme_agreement(theme: str, site: str, units: list[dict[str, set[str]]]) -> cs.ThemeAgreement:
    """Kappa (exactly two coders in the scope) and alpha of one theme over `units`, each a
    story's {coder: themes applied}."""
    coders = sorted({coder for unit in units for coder in unit})
    ones = np.array([sum(theme in themes for themes in unit.values()) for unit in units])
    m = np.array([len(unit) for unit in units])
    positive = int((ones > 0).sum()) if units else 0
    alpha = _statistic(
        alpha_values(ones, m) if units else np.array([np.nan]),
        bootstrap_interval(alpha_values, ones, m) if len(units) >= MINIMUM_UNITS else None,
        len(units),
        positive,
    )
    kappa = None
    if len(coders) == 2:
        a = np.array([theme in unit[coders[0]] for unit in units])
        b = np.array([theme in unit[coders[1]] for unit in units])
        kappa = _statistic(
            kappa_values(a, b) if units else np.array([np.nan]),
            bootstrap_interval(kappa_values, a, b) if len(units) >= MINIMUM_UNITS else None,
            len(units),
            positive,
        )
    return cs.ThemeAgreement(theme=theme, site=site, coders=len(coders), kappa=kappa, alpha=alpha)


class AgreementService:
    async def report(
        self, actor: Actor, project_ref: str, site: str | None = None
    ) -> cs.AgreementReport:
        project = await find_project(project_ref)
        query = Story.select(Story.id, Story.title, Story.language, Story.site.slug).where(
            Story.site.project == project["id"], readable_stories(actor)
        )
        if actor.site_ids is not None:
            query = query.where(Story.site.is_in(sorted(actor.site_ids) or [-1]))
        if site:
            query = query.where(Story.site.slug == site)
        stories = {row["id"]: row for row in await query.order_by(Story.id)}
        hidden = await blind_stories(actor, stories)
        for story_id in hidden:
            stories.pop(story_id)
        themes = [
            row["key"]
            for row in await Theme.select(Theme.key)
            .where(Theme.project == project["id"])
            .order_by(Theme.position, Theme.key)
        ]
        coded: dict[int, dict[str, set[str]]] = defaultdict(dict)
        for row in await Coding.select(Coding.story, Coding.theme.key, Coding.coder).where(
            Coding.story.site.project == project["id"]
        ):
            if row["story"] in stories:
                coded[row["story"]].setdefault(row["coder"], set()).add(row["theme.key"])
        units = {story: sets for story, sets in sorted(coded.items()) if len(sets) >= 2}
        by_site: dict[str, list[dict[str, set[str]]]] = defaultdict(list)
        for story, sets in units.items():
            by_site[stories[story]["site.slug"]].append(sets)
        rows = []
        for theme in themes:
            rows.append(theme_agreement(theme, "", list(units.values())))
            rows.extend(theme_agreement(theme, slug, by_site[slug]) for slug in sorted(by_site))
        disagreements = await self._disagreements(stories, units, themes)
        return cs.AgreementReport(
            project=project["slug"],
            minimum_units=MINIMUM_UNITS,
            coders=sorted({coder for sets in coded.values() for coder in sets}),
            stories=len(stories),
            doubly_coded=len(units),
            hidden_stories=len(hidden),
            themes=rows,
            disagreements=disagreements[:DISAGREEMENT_LIMIT],
            truncated=len(disagreements) > DISAGREEMENT_LIMIT,
        )

    async def _disagreements(
        self,
        stories: dict[int, dict[str, Any]],
        units: dict[int, dict[str, set[str]]],
        themes: list[str],
    ) -> list[cs.Disagreement]:
        agreed: dict[tuple[int, str], bool] = {}
        if units:
            for row in await AgreedCoding.select(
                AgreedCoding.story, AgreedCoding.theme.key, AgreedCoding.applies
            ).where(AgreedCoding.story.is_in(sorted(units))):
                key = (row["story"], row["theme.key"])
                agreed[key] = agreed.get(key, False) or bool(row["applies"])
        found = []
        for story, sets in units.items():
            for theme in themes:
                applied = sorted(coder for coder, chosen in sets.items() if theme in chosen)
                if applied and len(applied) < len(sets):
                    found.append(
                        cs.Disagreement(
                            story=story,
                            title=stories[story]["title"],
                            language=stories[story]["language"],
                            site=stories[story]["site.slug"],
                            theme=theme,
                            applied_by=applied,
                            not_applied_by=sorted(set(sets) - set(applied)),
                            agreed=agreed.get((story, theme)),
                        )
                    )
        return found
