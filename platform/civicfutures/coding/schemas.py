"""The JSON shapes of the coding routes (API.md, second wave)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from msgspec import Meta, Struct

from civicfutures.intake.schemas import STORY_BODY_MAX, Id, LanguageTag, Slug

ThemeKey = Annotated[str, Meta(min_length=1, max_length=64)]
# An offset past the longest story is refused at decoding, whatever its size.
Offset = Annotated[int, Meta(ge=0, le=STORY_BODY_MAX)]


class CodingCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A coding by the caller: offsets in code points of the NFC text of the original (or of
    the translation named by `translation`); both omitted codes the whole story."""

    theme: ThemeKey
    start: Offset | None = None
    end: Offset | None = None
    translation: LanguageTag | None = None


class CodingChange(Struct, forbid_unknown_fields=True, kw_only=True):
    """Another theme for one's coding, or other offsets on the same text (both or neither)."""

    theme: ThemeKey | None = None
    start: Offset | None = None
    end: Offset | None = None


class DoneIn(Struct, forbid_unknown_fields=True, kw_only=True):
    done: bool = True


class CodingRecord(Struct, kw_only=True):
    id: int
    story: int
    theme: str
    coder: str
    # Whether the caller made it (what they may change and remove).
    mine: bool
    translation: str | None
    start: int | None
    end: int | None
    excerpt: str | None
    created_at: dt.datetime
    updated_at: dt.datetime | None


class DoneOut(Struct, kw_only=True):
    story: int
    done: bool


class AgreedCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """Reconciled coding of a story: `applies` false records that the theme does not apply
    (no offsets then); otherwise offsets as for a coding, both omitted for the whole story."""

    theme: ThemeKey
    applies: bool = True
    start: Offset | None = None
    end: Offset | None = None
    translation: LanguageTag | None = None


class AgreedRecord(Struct, kw_only=True):
    id: int
    story: int
    theme: str
    applies: bool
    agreed_by: str
    translation: str | None
    start: int | None
    end: int | None
    excerpt: str | None
    created_at: dt.datetime


class Interval(Struct, kw_only=True):
    low: float
    high: float


class Statistic(Struct, kw_only=True):
    """Kappa or alpha of one theme in one scope; `value` null when undefined or when it rests
    on fewer than the minimum of doubly-coded stories (`enough` false)."""

    units: int
    positive: int
    enough: bool
    value: float | None
    interval: Interval | None


class ThemeAgreement(Struct, kw_only=True):
    theme: str
    # "" for the whole project, else a site's slug.
    site: str
    coders: int
    kappa: Statistic | None
    alpha: Statistic


class Disagreement(Struct, kw_only=True):
    story: int
    title: str
    language: str
    site: str
    theme: str
    applied_by: list[str]
    not_applied_by: list[str]
    # The reconciled decision when there is one: true (applies), false (does not apply).
    agreed: bool | None


class AgreementReport(Struct, kw_only=True):
    project: str
    minimum_units: int
    coders: list[str]
    stories: int
    doubly_coded: int
    hidden_stories: int
    themes: list[ThemeAgreement]
    disagreements: list[Disagreement]
    truncated: bool


class MemoCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A memo on exactly one of: a story, a coding (its excerpt), a theme (with its project)."""

    text: str
    story: Id | None = None
    coding: Id | None = None
    theme: ThemeKey | None = None
    project: Slug | None = None


class MemoChange(Struct, forbid_unknown_fields=True, kw_only=True):
    text: str


class MemoRecord(Struct, kw_only=True):
    id: int
    text: str
    story: int | None
    coding: int | None
    theme: str | None
    author: str
    mine: bool
    created_at: dt.datetime
    updated_at: dt.datetime | None


class Suggestion(Struct, kw_only=True):
    """A theme the classifier suggests for a story: its probability, and the agreed stories
    it was learned from. Never a coding until a coder codes it."""

    theme: str
    score: float
    examples: int


class Suggestions(Struct, kw_only=True):
    story: int
    suggestions: list[Suggestion]
    trained_on: int
    """Stories with agreed decisions the classifier learned from (those the caller may read)."""
    minimum_examples: int


class RejectionIn(Struct, forbid_unknown_fields=True, kw_only=True):
    """ "Not this theme": the suggested theme is not suggested to the caller for the story again."""

    theme: ThemeKey


class HeldOutTheme(Struct, kw_only=True):
    theme: str
    stories: int
    positive: int
    kappa: float | None


class SuggestionQuality(Struct, kw_only=True):
    """The classifier's Cohen's kappa against the humans' agreed decisions on held-out stories
    (k-fold with a fixed seed), per theme and pooled, with the stories each rests on."""

    project: str
    stories: int
    folds: int
    minimum_examples: int
    kappa: float | None
    themes: list[HeldOutTheme]
