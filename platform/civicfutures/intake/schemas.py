"""The JSON shapes of the intake API (API.md): what clients send and what they get back.

Input structs forbid unknown fields; types and sizes are enforced by msgspec at decoding,
rules that need data or registries (language tags, countries, references) by `validation.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

STORY_BODY_MAX = 100_000

Slug = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
LanguageTag = Annotated[str, Meta(min_length=2, max_length=35, examples=["pl", "et", "vro", "uk"])]
ShortText = Annotated[str, Meta(max_length=200)]
Title = Annotated[str, Meta(max_length=300)]
Body = Annotated[str, Meta(min_length=1, max_length=STORY_BODY_MAX)]
LabelMap = Annotated[dict[str, Annotated[str, Meta(max_length=500)]], Meta(max_length=60)]
Id = Annotated[int, Meta(ge=1, le=2_147_483_647)]

ThemeKind = Literal["challenge", "vision", "enabler", "other"]
StoryKind = Literal["present", "future"]
StoryStatus = Literal["draft", "submitted", "reviewed"]
ConsentScope = Literal["research", "archive", "quote"]
TranslationOrigin = Literal["human", "machine"]
ArchiveState = Literal["off", "published"]
WorkshopKind = Annotated[
    str,
    Meta(
        pattern=r"^[a-z][a-z_]*$",
        max_length=32,
        examples=["storytelling", "future_thinking", "knowledge_exchange"],
    ),
]


class _In(Struct, forbid_unknown_fields=True, kw_only=True):
    """Input: unknown fields are an error, not silently dropped."""


# ---------------------------------------------------------------- projects, sites, themes


class DemographicChoice(_In, kw_only=True):
    value: Annotated[str, Meta(min_length=1, max_length=64)]
    labels: LabelMap = {}


class DemographicField(_In, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
    labels: LabelMap = {}
    choices: Annotated[list[DemographicChoice], Meta(max_length=100)] = []
    ordered: bool = False
    """The choices run in a meaningful order (age bands): statistical exports say ordinal."""


class ProjectIn(_In, kw_only=True):
    slug: Slug
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    default_language: LanguageTag = "en"
    disclosure_threshold: Annotated[int, Meta(ge=1, le=1000)] = 5
    demographics: Annotated[list[DemographicField], Meta(max_length=30)] = []


class ProjectPatch(_In, kw_only=True):
    """What an admin changes on a project: whether its public story archive is published."""

    archive: ArchiveState


class ProjectOut(Struct, kw_only=True):
    id: int
    slug: str
    name: str
    default_language: str
    disclosure_threshold: int
    demographics: list[DemographicField]
    archive: ArchiveState = "off"


class SiteIn(_In, kw_only=True):
    project: Slug
    slug: Slug
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    country: Annotated[str, Meta(min_length=2, max_length=2)]
    languages: Annotated[list[LanguageTag], Meta(min_length=1, max_length=20)]
    reference_shares: dict[str, dict[str, Annotated[float, Meta(ge=0, le=1)]]] = {}


class SiteOut(Struct, kw_only=True):
    id: int
    project: str
    slug: str
    name: str
    country: str
    languages: list[str]
    reference_shares: dict[str, dict[str, float]]


class ThemeIn(_In, kw_only=True):
    project: Slug
    key: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
    kind: ThemeKind
    parent: str | None = None
    labels: LabelMap = {}
    descriptions: LabelMap = {}


class ThemePatch(_In, kw_only=True):
    kind: ThemeKind | msgspec.UnsetType = msgspec.UNSET
    parent: str | msgspec.UnsetType | None = msgspec.UNSET
    labels: LabelMap | msgspec.UnsetType = msgspec.UNSET
    descriptions: LabelMap | msgspec.UnsetType = msgspec.UNSET


class ThemeOut(Struct, kw_only=True):
    id: int
    project: str
    key: str
    kind: str
    parent: str | None
    labels: dict[str, str]
    descriptions: dict[str, str]
    # A retired theme keeps its codings but is no longer offered to coders.
    retired: bool = False
    merged_into: str | None = None


# ---------------------------------------------------------------- workshops, storytellers


class WorkshopIn(_In, kw_only=True):
    site: Slug
    date: dt.date
    kind: WorkshopKind
    language: LanguageTag
    title: ShortText = ""
    note: Annotated[str, Meta(max_length=10_000)] = ""


class WorkshopPatch(_In, kw_only=True):
    date: dt.date | msgspec.UnsetType = msgspec.UNSET
    kind: WorkshopKind | msgspec.UnsetType = msgspec.UNSET
    language: LanguageTag | msgspec.UnsetType = msgspec.UNSET
    title: ShortText | msgspec.UnsetType = msgspec.UNSET
    note: Annotated[str, Meta(max_length=10_000)] | msgspec.UnsetType = msgspec.UNSET


class WorkshopOut(Struct, kw_only=True):
    id: int
    site: str
    date: dt.date
    kind: str
    language: str
    title: str
    note: str


def consent_moment(value: str | dt.datetime) -> dt.datetime:
    """A consent time as given: a timestamp (UTC unless it carries an offset), or a date (paper
    consent forms carry only a date), read as the start of that day in UTC."""
    if isinstance(value, dt.datetime):
        moment = value
    elif len(value) <= 10:
        moment = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
    else:
        moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class ConsentIn(_In, kw_only=True):
    version: Annotated[str, Meta(min_length=1, max_length=32)]
    # Decoded as text so that a date is accepted too; a datetime once the struct exists.
    given_at: Annotated[
        str,
        Meta(
            max_length=40,
            description="An RFC 3339 timestamp, or a date (YYYY-MM-DD) read as 00:00 UTC",
            examples=["2025-03-15", "2025-03-15T10:00:00Z"],
        ),
    ]
    scopes: Annotated[list[ConsentScope], Meta(max_length=3)]
    withdrawn_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        # A well-formed but impossible day (2025-02-30) is refused here, naming the field.
        try:
            self.given_at = consent_moment(self.given_at)  # type: ignore[assignment]
        except ValueError as error:
            raise ValueError("Invalid date or time in field `given_at`") from error


class StorytellerIn(_In, kw_only=True):
    site: Slug
    code: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    demographics: Annotated[
        dict[str, Annotated[str, Meta(max_length=64)]], Meta(max_length=30)
    ] = {}
    consent: ConsentIn


class StorytellerPatch(_In, kw_only=True):
    demographics: (
        Annotated[dict[str, Annotated[str, Meta(max_length=64)]], Meta(max_length=30)]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    consent: ConsentIn | msgspec.UnsetType = msgspec.UNSET


class ConsentOut(Struct, kw_only=True):
    version: str
    given_at: dt.datetime | None
    scopes: list[str]
    withdrawn_at: dt.datetime | None


class StorytellerOut(Struct, kw_only=True):
    id: int
    site: str
    code: str
    demographics: dict[str, str]
    consent: ConsentOut


# ---------------------------------------------------------------- stories


class TranslationIn(_In, kw_only=True):
    language: LanguageTag
    title: Title = ""
    body: Body
    by: TranslationOrigin = "human"
    reviewed: bool = False


class CodingIn(_In, kw_only=True):
    theme: Annotated[str, Meta(min_length=1, max_length=64)]
    coder: Annotated[str, Meta(max_length=64)] = ""
    start: Annotated[int, Meta(ge=0)] | None = None
    end: Annotated[int, Meta(ge=0)] | None = None


class StoryIn(_In, kw_only=True):
    workshop: Id
    storytellers: Annotated[list[Id], Meta(min_length=1, max_length=50)]
    kind: StoryKind
    horizon_year: Annotated[int, Meta(ge=1900, le=2300)] | None = None
    language: LanguageTag
    title: Title = ""
    body: Body
    status: StoryStatus = "submitted"
    translations: Annotated[list[TranslationIn], Meta(max_length=30)] = []
    codings: Annotated[list[CodingIn], Meta(max_length=500)] = []


class StoryPatch(_In, kw_only=True):
    """A partial story: fields left out stay as they are; lists given replace the stored ones."""

    workshop: Id | msgspec.UnsetType = msgspec.UNSET
    storytellers: Annotated[list[Id], Meta(min_length=1, max_length=50)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    kind: StoryKind | msgspec.UnsetType = msgspec.UNSET
    horizon_year: Annotated[int, Meta(ge=1900, le=2300)] | msgspec.UnsetType | None = msgspec.UNSET
    language: LanguageTag | msgspec.UnsetType = msgspec.UNSET
    title: Title | msgspec.UnsetType = msgspec.UNSET
    body: Body | msgspec.UnsetType = msgspec.UNSET
    status: StoryStatus | msgspec.UnsetType = msgspec.UNSET
    translations: Annotated[list[TranslationIn], Meta(max_length=30)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    codings: Annotated[list[CodingIn], Meta(max_length=500)] | msgspec.UnsetType = msgspec.UNSET


class TranslationOut(Struct, kw_only=True):
    language: str
    title: str
    body: str
    by: str
    reviewed: bool


class CodingOut(Struct, kw_only=True, omit_defaults=True):
    theme: str
    coder: str
    start: int | None
    end: int | None
    # The language tag of the translation the offsets count in; absent: the original.
    translation: str | None = None


class StoryOut(Struct, kw_only=True):
    id: int
    version: int
    workshop: int
    site: str
    storytellers: list[int]
    kind: str
    horizon_year: int | None
    language: str
    title: str
    body: str
    status: str
    translations: list[TranslationOut]
    codings: list[CodingOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class StoryPage(Struct, kw_only=True):
    items: list[StoryOut]
    next_cursor: str | None
    total: int


class ErrorItem(Struct):
    field: str
    message: str


class ErrorBody(Struct, kw_only=True):
    status_code: int
    detail: str
    errors: list[ErrorItem] = []


def _error_responses() -> dict[int, object]:
    from litestar.openapi.datastructures import ResponseSpec

    described = {
        400: "The body or a parameter could not be read (wrong type, unknown field).",
        401: "No valid API token.",
        403: "The caller's role may not do this.",
        404: "No such object, or not one of the caller's sites.",
        409: "The object collides with a stored one (a taken slug or code).",
        410: "Withdrawn or erased: a briefing that drew on a storyteller who withdrew or was "
        "erased, or a retried Idempotency-Key whose result was.",
        412: "If-Match named a version that is no longer current.",
        413: "The request body is larger than the limit.",
        422: "A field breaks a rule; `errors` names each field.",
        428: "The edit needs an If-Match header.",
        503: "The database is unavailable; retry after Retry-After seconds.",
    }
    return {
        status: ResponseSpec(data_container=ErrorBody, description=text, generate_examples=False)
        for status, text in described.items()
    }


# Every API route may answer with these errors; they share one body shape.
ERROR_RESPONSES = _error_responses()
