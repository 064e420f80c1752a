"""The coding overview of a project: per story and theme, who coded what.

Stories come under the consent rule (`readable_stories`) and the reader's sites; codings under
the blind-coding rule (`visibility`), so the overview shows exactly what the story pages show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from civicfutures import audit
from civicfutures.auth.actor import Actor
from civicfutures.coding.visibility import blind_stories, visible
from civicfutures.consent import readable_stories
from civicfutures.db.tables import Coding, CodingDone, Project, Site, Story
from civicfutures.db.transactions import write_transaction
from civicfutures.intake.setup_service import find_project

ROW_LIMIT = 2000


@dataclass
class OverviewRow:
    story: int
    title: str
    language: str
    site: str
    theme: str
    # coder -> (excerpts, whole-story codings)
    coders: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class OverviewTable:
    rows: list[OverviewRow]
    sites: list[dict[str, str]]
    coders: list[str]
    hidden_stories: int
    blind: bool
    done: dict[int, list[str]]
    truncated: bool = False


class CodingOverview:
    async def build(
        self, actor: Actor, project: dict[str, Any], site: str | None, coder: str | None
    ) -> OverviewTable:
        sites = [
            {"slug": row["slug"], "name": row["name"]}
            for row in await Site.select(Site.id, Site.slug, Site.name)
            .where(Site.project == project["id"])
            .order_by(Site.slug)
            if actor.sees_site(row["id"])
        ]
        query = (
            Story.select(Story.id, Story.title, Story.language, Story.site.slug)
            .where(Story.site.project == project["id"], readable_stories(actor))
            .order_by(Story.id)
        )
        if actor.site_ids is not None:
            query = query.where(Story.site.is_in(sorted(actor.site_ids) or [-1]))
        if site:
            query = query.where(Story.site.slug == site)
        stories = {row["id"]: row for row in await query}
        ids = sorted(stories)
        blind = await blind_stories(actor, ids)
        codings = (
            await Coding.select(
                Coding.story, Coding.theme.key, Coding.coder, Coding.coder_user, Coding.start_offset
            )
            .where(Coding.story.is_in(ids or [-1]))
            .order_by(Coding.story, Coding.theme.position, Coding.theme.key, Coding.coder)
        )
        seen = [c for c in codings if visible(actor, blind, c["story"], c["coder_user"])]
        all_coders = sorted({c["coder"] for c in seen})
        rows: dict[tuple[int, str], OverviewRow] = {}
        for c in seen:
            if coder and c["coder"] != coder:
                continue
            story = stories[c["story"]]
            row = rows.setdefault(
                (c["story"], c["theme.key"]),
                OverviewRow(
                    story=c["story"],
                    title=story["title"],
                    language=story["language"],
                    site=story["site.slug"],
                    theme=c["theme.key"],
                ),
            )
            counts = row.coders.setdefault(c["coder"], [0, 0])
            counts[0 if c["start_offset"] is not None else 1] += 1
        done: dict[int, list[str]] = {}
        if ids:
            for mark in await CodingDone.select(CodingDone.story, CodingDone.user.email).where(
                CodingDone.story.is_in(ids)
            ):
                if mark["story"] not in blind:
                    done.setdefault(mark["story"], []).append(mark["user.email"][:64])
        listed = list(rows.values())
        return OverviewTable(
            rows=listed[:ROW_LIMIT],
            sites=sites,
            coders=all_coders,
            hidden_stories=len(blind),
            blind=bool(project.get("blind_coding")),
            done=done,
            truncated=len(listed) > ROW_LIMIT,
        )

    async def set_blind(self, actor: Actor, project: str, blind: bool) -> None:
        """Turn blind coding on or off (the page guard admits admins only)."""
        async with write_transaction():
            row = await find_project(project)
            if bool(row.get("blind_coding")) == blind:
                return
            await Project.update({Project.blind_coding: blind}).where(Project.id == row["id"])
            await audit.record(
                actor,
                "update",
                "project",
                row["id"],
                before={"blind_coding": not blind},
                after={"blind_coding": blind},
                detail={"fields": ["blind_coding"]},
            )
