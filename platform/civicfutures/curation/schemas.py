"""The JSON shapes of outcomes, insights, quotes and the Theory of Change (API.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from civicfutures.intake.schemas import Id, LanguageTag, Slug

InsightStatus = Literal["draft", "agreed"]
Key = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
LabelMap = Annotated[dict[str, Annotated[str, Meta(max_length=500)]], Meta(max_length=60)]
TitleMap = Annotated[dict[str, Annotated[str, Meta(max_length=300)]], Meta(max_length=60)]
SummaryMap = Annotated[dict[str, Annotated[str, Meta(max_length=20_000)]], Meta(max_length=60)]
ExcerptTranslations = Annotated[
    dict[str, Annotated[str, Meta(min_length=1, max_length=20_000)]], Meta(max_length=30)
]
Offset = Annotated[int, Meta(ge=0, le=2_147_483_647)]


class _In(Struct, forbid_unknown_fields=True, kw_only=True):
    """Input: unknown fields are an error, not silently dropped."""


# ---------------------------------------------------------------- outcomes


class OutcomeIn(_In, kw_only=True):
    project: Slug
    key: Key
    parent: str | None = None
    labels: LabelMap = {}
    descriptions: LabelMap = {}


class OutcomePatch(_In, kw_only=True):
    parent: str | msgspec.UnsetType | None = msgspec.UNSET
    labels: LabelMap | msgspec.UnsetType = msgspec.UNSET
    descriptions: LabelMap | msgspec.UnsetType = msgspec.UNSET


class OutcomeOut(Struct, kw_only=True):
    id: int
    project: str
    key: str
    parent: str | None
    labels: dict[str, str]
    descriptions: dict[str, str]


# ---------------------------------------------------------------- insights


class EvidenceIn(_In, kw_only=True):
    """An excerpt of a story: code-point offsets into its NFC original text."""

    story: Id
    start: Offset
    end: Offset
    quotable: bool = False
    translations: ExcerptTranslations = {}


class InsightIn(_In, kw_only=True):
    project: Slug
    site: Slug | None = None
    language: LanguageTag | None = None
    title: TitleMap
    summary: SummaryMap = {}
    themes: Annotated[list[Key], Meta(max_length=100)] = []
    evidence: Annotated[list[EvidenceIn], Meta(max_length=200)] = []
    outcomes: Annotated[list[Key], Meta(max_length=100)] = []
    status: InsightStatus = "draft"


class InsightPatch(_In, kw_only=True):
    """A partial insight: fields left out stay; lists and maps given replace the stored ones."""

    site: Slug | msgspec.UnsetType | None = msgspec.UNSET
    language: LanguageTag | msgspec.UnsetType = msgspec.UNSET
    title: TitleMap | msgspec.UnsetType = msgspec.UNSET
    summary: SummaryMap | msgspec.UnsetType = msgspec.UNSET
    themes: Annotated[list[Key], Meta(max_length=100)] | msgspec.UnsetType = msgspec.UNSET
    evidence: Annotated[list[EvidenceIn], Meta(max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    outcomes: Annotated[list[Key], Meta(max_length=100)] | msgspec.UnsetType = msgspec.UNSET
    status: InsightStatus | msgspec.UnsetType = msgspec.UNSET


class EvidenceOut(Struct, kw_only=True):
    """A cited excerpt whose storytellers still allow research use."""

    id: int
    story: int
    site: str
    language: str
    start: int
    end: int
    excerpt: str
    quotable: bool
    quote_consent: bool
    translations: dict[str, str]


class InsightOut(Struct, kw_only=True):
    id: int
    version: int
    project: str
    site: str | None
    language: str
    title: dict[str, str]
    summary: dict[str, str]
    status: str
    author: str | None
    themes: list[str]
    outcomes: list[str]
    evidence: list[EvidenceOut]
    # Excerpts hidden because a storyteller withdrew consent: counted, never shown.
    evidence_withdrawn: int
    created_at: dt.datetime
    updated_at: dt.datetime


# ---------------------------------------------------------------- quotes


class ExcerptTranslation(Struct, kw_only=True):
    """A translation offered with a quote.

    `scope` is `excerpt` when a curator translated the excerpt itself, `aligned` when the
    excerpt's sentences were matched with certainty in the story's translation, `story` when
    only the whole story's translation exists.
    """

    language: str
    text: str
    scope: Literal["excerpt", "aligned", "story"]
    title: str = ""
    by: str = "human"
    reviewed: bool = False


class QuoteTranslationIn(_In, kw_only=True):
    """The curator's translation of a quote (the excerpt at `start`–`end` of `story`); an empty
    `text` removes the translation into `language`."""

    project: Slug
    story: Id
    start: Offset
    end: Offset
    language: Annotated[str, Meta(min_length=1, max_length=64)]
    text: Annotated[str, Meta(max_length=20_000)] = ""


class QuoteOut(Struct, kw_only=True):
    story: int
    site: str
    language: str
    start: int
    end: int
    text: str
    translations: list[ExcerptTranslation]
    themes: list[str]
    insights: list[int]


# ---------------------------------------------------------------- Theory of Change


class InsightRef(Struct, kw_only=True):
    id: int
    title: str
    title_language: str | None
    status: str
    site: str | None


class OutcomeNode(Struct, kw_only=True):
    key: str
    parent: str | None
    label: str
    label_language: str | None
    description: str
    insights: list[InsightRef]
    stories: int
    sites: list[str]
    sites_without_evidence: list[str]


class TheoryOfChange(Struct, kw_only=True):
    project: str
    language: str
    include_drafts: bool
    sites: list[str]
    outcomes: list[OutcomeNode]
    # Insights not yet mapped to any outcome.
    unmapped: list[InsightRef]
