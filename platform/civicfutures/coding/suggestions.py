"""Suggested themes for a story, learned from the project's agreed decisions.

What the classifier learns from (per story and theme, the humans' agreed decision): a
reconciled decision (`AgreedCoding`: the theme applies, or it does not) where there is one;
otherwise the coders' unanimous decision on a story that two or more coded. A disagreement
nobody reconciled teaches nothing.

Consent: the training stories are those the caller may read (the consent rule, a partner's
sites), less those still blind to the caller; a withdrawn storyteller's story therefore never
trains a model nor shapes a suggestion, and an erased one is gone from the tables. The
suggested story itself is read through `CodingService.story`, so the caller must be allowed
to read and code it.

Models are cached per process, keyed by the training set's version: a digest of every
training story's id, text version and agreed decisions. Any change there (an agreed coding
made or removed, a coding, an edited story, a withdrawal, an erasure) gives another version
and a model trained afresh on first use; no clock is involved.

Suggestions are never stored as codings: a coder accepts one by coding the story (the usual
coding form), or rejects it (`SuggestionRejection`), which hides it from that coder on that
story for good.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections import OrderedDict, defaultdict
from dataclasses import dataclass

from civicfutures.auth.actor import Actor
from civicfutures.coding import classifier
from civicfutures.coding import schemas as cs
from civicfutures.coding.service import CodingService
from civicfutures.coding.visibility import blind_stories
from civicfutures.consent import readable_stories
from civicfutures.db.tables import AgreedCoding, Coding, Story, SuggestionRejection, Theme
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import Forbidden
from civicfutures.i18n import gettext as _
from civicfutures.intake.setup_service import find_project
from civicfutures.intake.validation import Checker
from civicfutures.settings import get_settings

CACHE_SIZE = 16
_models: OrderedDict[tuple[int, str, int], classifier.ThemeModel] = OrderedDict()
_quality: OrderedDict[tuple[int, str, int], classifier.HeldOut] = OrderedDict()


@dataclass(frozen=True)
class Training:
    """The stories a model learns from, their texts' versions and per-theme decisions."""

    project: int
    stories: list[int]
    versions: list[int]
    labels: dict[str, list[bool | None]]
    version: str


def _remember(cache: OrderedDict, key: tuple, value: object) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)


async def training_set(actor: Actor, project_id: int) -> Training:
    """The agreed decisions of the stories `actor` may read in the project."""
    query = Story.select(Story.id, Story.version).where(
        Story.site.project == project_id, readable_stories(actor)
    )
    if actor.site_ids is not None:
        query = query.where(Story.site.is_in(sorted(actor.site_ids) or [-1]))
    versions = {row["id"]: row["version"] for row in await query}
    for story_id in await blind_stories(actor, versions):
        versions.pop(story_id)
    themes = [
        row["key"]
        for row in await Theme.select(Theme.key).where(
            Theme.project == project_id, Theme.retired_at.is_null()
        )
    ]
    agreed: dict[tuple[int, str], bool] = {}
    for row in await AgreedCoding.select(
        AgreedCoding.story, AgreedCoding.theme.key, AgreedCoding.applies
    ).where(AgreedCoding.theme.project == project_id):
        if row["story"] in versions:
            key = (row["story"], row["theme.key"])
            agreed[key] = agreed.get(key, False) or bool(row["applies"])
    coded: dict[int, dict[str, set[str]]] = defaultdict(dict)
    for row in await Coding.select(Coding.story, Coding.theme.key, Coding.coder).where(
        Coding.theme.project == project_id
    ):
        if row["story"] in versions:
            coded[row["story"]].setdefault(row["coder"], set()).add(row["theme.key"])
    decided: dict[int, dict[str, bool]] = defaultdict(dict)
    for (story, theme), applies in agreed.items():
        decided[story][theme] = applies
    for story, sets in coded.items():
        if len(sets) < 2:
            continue
        for theme in themes:
            applied = sum(theme in chosen for chosen in sets.values())
            if (story, theme) not in agreed and applied in (0, len(sets)):
                decided[story][theme] = applied > 0
    stories = sorted(decided)
    labels = {theme: [decided[story].get(theme) for story in stories] for theme in themes}
    digest = hashlib.sha256(
        repr(
            [(story, versions[story], sorted(decided[story].items())) for story in stories]
        ).encode()
    ).hexdigest()
    return Training(project_id, stories, [versions[s] for s in stories], labels, digest)


async def _texts(story_ids: list[int]) -> list[str]:
    bodies = {
        row["id"]: row["body"]
        for row in await Story.select(Story.id, Story.body).where(Story.id.is_in(story_ids or [-1]))
    }
    return [bodies[story_id] for story_id in story_ids]


async def model_for(training: Training, minimum: int) -> classifier.ThemeModel:
    """The cached model of this training set, trained (outside the event loop) when new."""
    key = (training.project, training.version, minimum)
    if key in _models:
        _models.move_to_end(key)
        return _models[key]
    if not classifier.eligible(training.labels, minimum):
        model = classifier.ThemeModel(stories=len(training.stories))
    else:
        texts = await _texts(training.stories)
        model = await asyncio.to_thread(classifier.fit, texts, training.labels, minimum)
    _remember(_models, key, model)
    return model


class SuggestionService:
    def __init__(self) -> None:
        self.minimum = get_settings().suggestion_min_examples
        self.codings = CodingService()

    async def suggest(self, actor: Actor, story_id: int) -> cs.Suggestions:
        """The themes suggested to the caller for a story they may code, best first."""
        texts = await self.codings.story(actor, story_id)
        training = await training_set(actor, texts.project)
        model = await model_for(training, self.minimum)
        scores = model.scores([texts.body])
        if not scores:
            return cs.Suggestions(
                story=story_id,
                suggestions=[],
                trained_on=model.stories,
                minimum_examples=self.minimum,
            )
        settled = await self._settled(actor, story_id, texts.project)
        found = [
            cs.Suggestion(
                theme=theme, score=round(float(score[0]), 3), examples=model.examples[theme]
            )
            for theme, score in scores.items()
            if score[0] >= classifier.THRESHOLD and theme not in settled
        ]
        found.sort(key=lambda s: (-s.score, s.theme))
        return cs.Suggestions(
            story=story_id,
            suggestions=found,
            trained_on=model.stories,
            minimum_examples=self.minimum,
        )

    async def _settled(self, actor: Actor, story_id: int, project_id: int) -> set[str]:
        """Themes not to suggest: coded by the caller, rejected by the caller, or decided by
        an agreed coding (once the story's others' work is open to the caller)."""
        settled: set[str] = set()
        if actor.user_id is not None:
            for row in await Coding.select(Coding.theme.key).where(
                Coding.story == story_id, Coding.coder_user == actor.user_id
            ):
                settled.add(row["theme.key"])
            for row in await SuggestionRejection.select(SuggestionRejection.theme.key).where(
                SuggestionRejection.story == story_id, SuggestionRejection.user == actor.user_id
            ):
                settled.add(row["theme.key"])
        if not await blind_stories(actor, [story_id]):
            for row in await AgreedCoding.select(AgreedCoding.theme.key).where(
                AgreedCoding.story == story_id
            ):
                settled.add(row["theme.key"])
        return settled

    async def reject(self, actor: Actor, story_id: int, theme: str) -> None:
        """ "Not this theme": never suggest `theme` to the caller for this story again."""
        async with write_transaction():
            texts = await self.codings.story(actor, story_id)
            if actor.user_id is None:
                raise Forbidden(_("Only a signed-in coder can reject a suggestion."))
            check = Checker()
            theme_id = await self.codings._theme_id(texts.project, theme, check)
            check.raise_if_any()
            if not await SuggestionRejection.exists().where(
                SuggestionRejection.story == story_id,
                SuggestionRejection.theme == theme_id,
                SuggestionRejection.user == actor.user_id,
            ):
                await SuggestionRejection.insert(
                    SuggestionRejection(
                        story=story_id,
                        theme=theme_id,
                        user=actor.user_id,
                        rejected_at=dt.datetime.now(dt.UTC),
                    )
                )

    async def quality(self, actor: Actor, project_ref: str) -> cs.SuggestionQuality:
        """Held-out kappa of the classifier on the stories the caller may read."""
        project = await find_project(project_ref)
        training = await training_set(actor, project["id"])
        key = (training.project, training.version, self.minimum)
        figures = _quality.get(key)
        if figures is None:
            if classifier.eligible(training.labels, self.minimum):
                texts = await _texts(training.stories)
                figures = await asyncio.to_thread(
                    classifier.held_out, texts, training.labels, self.minimum
                )
            else:
                figures = classifier.HeldOut(themes=[], stories=0, folds=0, kappa=None)
            _remember(_quality, key, figures)
        return cs.SuggestionQuality(
            project=project["slug"],
            stories=figures.stories,
            folds=figures.folds,
            minimum_examples=self.minimum,
            kappa=figures.kappa,
            themes=[
                cs.HeldOutTheme(
                    theme=row.theme, stories=row.stories, positive=row.positive, kappa=row.kappa
                )
                for row in figures.themes
            ],
        )
