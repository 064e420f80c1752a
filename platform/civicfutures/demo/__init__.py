"""The demo project shipped with the package: four sites, a multilingual codebook, real-sounding stories.

Loaded through the same services as any client input, so the demo is validated like real data.
Tests, documentation and `civicfutures demo` share it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from civicfutures.auth.actor import SYSTEM, Actor
from civicfutures.db.tables import Outcome, Project
from civicfutures.db.transactions import write_transaction
from civicfutures.intake import schemas as s
from civicfutures.intake.people_service import StorytellerService, WorkshopService
from civicfutures.intake.setup_service import SetupService
from civicfutures.intake.story_service import StoryService

DEMO_SLUG = "euarenas-futures"


def demo_data() -> dict[str, Any]:
    """The demo project as data (`demo_project.json`)."""
    text = (
        resources.files("civicfutures.demo")
        .joinpath("demo_project.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


@dataclass(frozen=True)
class DemoSummary:
    project: str
    sites: int
    themes: int
    workshops: int
    storytellers: int
    stories: int
    created: bool


def _excerpt_offsets(body: str, excerpt: str | None) -> tuple[int | None, int | None]:
    if not excerpt:
        return None, None
    start = body.find(excerpt)
    if start < 0:
        raise ValueError(f"demo excerpt not in its story: {excerpt[:40]!r}")
    return start, start + len(excerpt)


async def load_demo(actor: Actor = SYSTEM, data: dict[str, Any] | None = None) -> DemoSummary:
    """Create the demo project unless it exists; all of it in one transaction."""
    data = data or demo_data()
    project = data["project"]
    counts = {
        key: len(data.get(key, []))
        for key in ("sites", "themes", "workshops", "storytellers", "stories")
    }
    if await Project.exists().where(Project.slug == project["slug"]):
        return DemoSummary(project=project["slug"], created=False, **counts)
    setup, workshops, storytellers, stories = (
        SetupService(),
        WorkshopService(),
        StorytellerService(),
        StoryService(),
    )
    async with write_transaction():
        await setup.create_project(
            actor,
            s.ProjectIn(
                slug=project["slug"],
                name=project["name"],
                default_language=project["default_language"],
                disclosure_threshold=project["disclosure_threshold"],
                demographics=[
                    s.DemographicField(
                        name=item["name"],
                        labels=item.get("labels", {}),
                        choices=[
                            s.DemographicChoice(value=c["value"], labels=c.get("labels", {}))
                            for c in item["choices"]
                        ],
                        ordered=item.get("ordered", False),
                    )
                    for item in project.get("demographics", [])
                ],
            ),
        )
        for site in data["sites"]:
            await setup.create_site(
                actor,
                s.SiteIn(
                    project=project["slug"],
                    slug=site["slug"],
                    name=site["name"],
                    country=site["country"],
                    languages=site["languages"],
                    reference_shares=site.get("reference_shares", {}),
                ),
            )
        for theme in data["themes"]:
            await setup.create_theme(
                actor,
                s.ThemeIn(
                    project=project["slug"],
                    key=theme["key"],
                    kind=theme["kind"],
                    parent=theme.get("parent"),
                    labels=theme.get("labels", {}),
                    descriptions=theme.get("descriptions", {}),
                ),
            )
        project_id = (
            await Project.select(Project.id).where(Project.slug == project["slug"]).first()
        )["id"]
        outcome_ids: dict[str, int] = {}
        for position, outcome in enumerate(data.get("outcomes", [])):
            row = Outcome(
                project=project_id,
                key=outcome["key"],
                parent=outcome_ids.get(outcome.get("parent") or ""),
                labels=outcome.get("labels", {}),
                descriptions=outcome.get("descriptions", {}),
                position=position,
            )
            await row.save()
            outcome_ids[outcome["key"]] = row.id
        workshop_ids: dict[str, int] = {}
        for workshop in data["workshops"]:
            out = await workshops.create(
                actor,
                s.WorkshopIn(
                    site=workshop["site"],
                    date=dt.date.fromisoformat(workshop["date"]),
                    kind=workshop["kind"],
                    language=workshop["language"],
                    title=workshop.get("title", ""),
                    note=workshop.get("note", ""),
                ),
            )
            workshop_ids[workshop["ref"]] = out.id
        teller_ids: dict[str, int] = {}
        for teller in data["storytellers"]:
            consent = teller["consent"]
            out = await storytellers.create(
                actor,
                s.StorytellerIn(
                    site=teller["site"],
                    code=teller["code"],
                    demographics=teller.get("demographics", {}),
                    consent=s.ConsentIn(
                        version=consent["version"],
                        given_at=dt.datetime.fromisoformat(
                            consent["given_at"].replace("Z", "+00:00")
                        ),
                        scopes=consent["scopes"],
                    ),
                ),
            )
            teller_ids[teller["code"]] = out.id
        for story in data["stories"]:
            codings = []
            for coding in story.get("codings", []):
                start, end = _excerpt_offsets(story["body"], coding.get("excerpt"))
                codings.append(
                    s.CodingIn(
                        theme=coding["theme"], coder=coding.get("coder", ""), start=start, end=end
                    )
                )
            await stories.create(
                actor,
                s.StoryIn(
                    workshop=workshop_ids[story["workshop"]],
                    storytellers=[teller_ids[code] for code in story["storytellers"]],
                    kind=story["kind"],
                    horizon_year=story.get("horizon_year"),
                    language=story["language"],
                    title=story.get("title", ""),
                    body=story["body"],
                    status=story.get("status", "submitted"),
                    translations=[
                        s.TranslationIn(
                            language=t["language"],
                            title=t.get("title", ""),
                            body=t["body"],
                            by=t.get("by", "human"),
                        )
                        for t in story.get("translations", [])
                    ],
                    codings=codings,
                ),
            )
    return DemoSummary(project=project["slug"], created=True, **counts)
