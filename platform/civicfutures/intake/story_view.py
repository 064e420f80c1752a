"""What the story page shows: one readable story with its setting, tellers, codings and history.

Every read goes through the same services as the JSON API, so the consent rule
(`readable_stories`, `readable_storytellers`) decides here exactly as it does there.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from civicfutures.auth.actor import Actor
from civicfutures.coding.agreed import AgreedCodingService
from civicfutures.coding.memos import MemoService
from civicfutures.coding.schemas import AgreedRecord, CodingRecord, MemoRecord
from civicfutures.coding.service import CodingService, may_code
from civicfutures.coding.visibility import blind_stories
from civicfutures.consent import StoryConsent, story_consent
from civicfutures.db.tables import AuditEvent
from civicfutures.errors import NotFound
from civicfutures.intake import schemas as s
from civicfutures.intake.people_service import StorytellerService, WorkshopService
from civicfutures.intake.setup_service import SetupService, find_project
from civicfutures.intake.story_service import StoryService


@dataclass(frozen=True)
class Segment:
    """A run of the text and the codings (their positions in the page's list) covering it."""

    text: str
    codings: tuple[int, ...] = ()


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    who: str
    action: str
    fields: tuple[str, ...]


@dataclass
class StoryView:
    story: s.StoryOut
    site: s.SiteOut
    project: dict[str, Any]
    workshop: s.WorkshopOut
    tellers: list[s.StorytellerOut]
    hidden_tellers: int
    consent: StoryConsent
    segments: list[Segment]
    history: list[HistoryEntry] = field(default_factory=list)
    # The codings the reader sees (blind coding), with the segments of each translation.
    codings: list[CodingRecord] = field(default_factory=list)
    translation_segments: dict[str, list[Segment]] = field(default_factory=dict)
    may_code: bool = False
    blind: bool = False
    done: bool = False
    # Blind coding hides others' codings from this reader until they mark the story done.
    others_hidden: bool = False
    # For those who may code: the reconciled codings and the memos on the story and codings.
    agreed: list[AgreedRecord] = field(default_factory=list)
    memos: list[MemoRecord] = field(default_factory=list)


def segments(body: str, spans: list[tuple[int, int] | None]) -> list[Segment]:
    """Cut `body` at every excerpt boundary so overlapping excerpts nest as flat runs.

    `spans[i]` is coding i's (start, end) in code points of the body, or None for a coding of
    the whole story (it marks nothing). Spans outside the text are clipped rather than trusted.
    """
    size = len(body)
    clean = [
        (i, max(0, a), min(size, b))
        for i, span in enumerate(spans)
        if span is not None
        for a, b in [span]
        if min(size, b) > max(0, a)
    ]
    cuts = sorted({0, size, *(a for _, a, _ in clean), *(b for _, _, b in clean)})
    runs: list[Segment] = []
    for start, end in itertools.pairwise(cuts):
        covering = tuple(i for i, a, b in clean if a <= start and end <= b)
        runs.append(Segment(body[start:end], covering))
    return runs


class StoryViewService:
    async def view(self, actor: Actor, story_id: int) -> StoryView:
        story = await StoryService().get(actor, story_id)
        site = await SetupService().get_site(actor, story.site)
        project = await find_project(site.project)
        workshop = await WorkshopService().get(actor, story.workshop)
        tellers: list[s.StorytellerOut] = []
        hidden = 0
        people = StorytellerService()
        for teller_id in story.storytellers:
            try:
                tellers.append(await people.get(actor, teller_id))
            except NotFound:
                hidden += 1
        consent = (await story_consent([story.id]))[story.id]
        coding = CodingService()
        codings = await coding.list(actor, story.id)

        def spans(tag: str | None) -> list[tuple[int, int] | None]:
            return [
                (c.start, c.end)
                if c.start is not None and c.end is not None and c.translation == tag
                else None
                for c in codings
            ]

        may = may_code(actor, site.id)
        return StoryView(
            story=story,
            site=site,
            project=project,
            workshop=workshop,
            tellers=tellers,
            hidden_tellers=hidden,
            consent=consent,
            segments=segments(story.body, spans(None)),
            history=await self.history(story.id),
            codings=codings,
            translation_segments={
                t.language: segments(t.body, spans(t.language)) for t in story.translations
            },
            may_code=may,
            blind=bool(project.get("blind_coding")),
            done=await coding.is_done(actor, story.id),
            others_hidden=bool(await blind_stories(actor, [story.id])),
            agreed=await AgreedCodingService().list(actor, story.id) if may else [],
            memos=await MemoService().for_story(actor, story.id) if may else [],
        )

    async def history(self, story_id: int) -> list[HistoryEntry]:
        """The story's audit events, newest first: when, by whom, which fields (never values)."""
        rows = (
            await AuditEvent.select(
                AuditEvent.at, AuditEvent.actor_label, AuditEvent.action, AuditEvent.detail
            )
            .output(load_json=True)
            .where(AuditEvent.entity == "story", AuditEvent.entity_id == str(story_id))
            .order_by(AuditEvent.id, ascending=False)
        )
        return [
            HistoryEntry(
                at=row["at"],
                who=row["actor_label"],
                action=row["action"],
                fields=tuple((row["detail"] or {}).get("fields") or ()),
            )
            for row in rows
        ]
