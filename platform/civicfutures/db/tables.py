"""Piccolo tables: the domain of DESIGN.md §2.

Conventions: JSON columns hold small maps keyed by language tag (`{"pl": "..."}`) or lists;
offsets into story text count Unicode code points of the NFC-normalised original body.
Composite unique keys are unique indexes created by a raw-SQL migration (Piccolo's composite
`Unique` constraint does not work on SQLite).
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from civicfutures.db.record_key import new_record_key


class Project(Table):
    """A programme of workshops with its codebook and disclosure threshold."""

    id = Serial(primary_key=True)
    slug = Varchar(length=64, unique=True)
    name = Varchar(length=200)
    default_language = Varchar(length=35, default="en")
    disclosure_threshold = SmallInt(default=5)
    # Demographic attributes partners record: [{"name", "choices": [..]}]; see demo data.
    demographics = JSON(default=[])
    # Blind coding: a coder sees others' codings of a story only after marking it done.
    blind_coding = Boolean(default=False)
    # The public story archive: "off" until an admin publishes it ("published").
    archive = Varchar(length=16, default="off")
    created_at = Timestamptz(default=TimestamptzNow())

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.slug])


class Site(Table):
    """A municipality taking part in a project."""

    id = Serial(primary_key=True)
    project = ForeignKey(Project, on_delete=OnDelete.cascade, null=False)
    slug = Varchar(length=64, unique=True)
    name = Varchar(length=200)
    country = Varchar(length=2)
    languages = JSON(default=[])
    # Reference population shares for representativeness: {"age_band": {"16-24": 0.12, ...}}.
    reference_shares = JSON(default={})
    created_at = Timestamptz(default=TimestamptzNow())


class Theme(Table):
    """A codebook entry of a project."""

    id = Serial(primary_key=True)
    project = ForeignKey(Project, on_delete=OnDelete.cascade, null=False)
    key = Varchar(length=64)
    kind = Varchar(length=16)
    parent = ForeignKey("self", on_delete=OnDelete.set_null, null=True, default=None)
    labels = JSON(default={})
    descriptions = JSON(default={})
    position = Integer(default=0)
    # A retired theme keeps its codings and history but is no longer offered to coders.
    retired_at = Timestamptz(null=True, default=None)
    merged_into = ForeignKey("self", on_delete=OnDelete.set_null, null=True, default=None)


class Workshop(Table):
    """A workshop held at a site."""

    id = Serial(primary_key=True)
    site = ForeignKey(Site, on_delete=OnDelete.cascade, null=False)
    held_on = Date()
    kind = Varchar(length=32)
    language = Varchar(length=35)
    title = Varchar(length=200, default="")
    note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Storyteller(Table):
    """A pseudonymous participant: a code, demographics and consent; never a name."""

    id = Serial(primary_key=True)
    project = ForeignKey(Project, on_delete=OnDelete.cascade, null=False)
    site = ForeignKey(Site, on_delete=OnDelete.cascade, null=False)
    code = Varchar(length=64)
    demographics = JSON(default={})
    consent_version = Varchar(length=32, default="")
    consent_given_at = Timestamptz(null=True, default=None)
    consent_scopes = JSON(default=[])
    consent_withdrawn_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # Secret: disclosure control adds these up into cell keys; never shown or exported.
    record_key = Integer(default=new_record_key)


class User(Table, tablename="app_user"):
    """A person who signs in: partners, researchers, authors, admins."""

    id = Serial(primary_key=True)
    email = Varchar(length=254, unique=True)
    password_hash = Varchar(length=255, default="")
    is_active = Boolean(default=True)
    preferred_language = Varchar(length=35, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Story(Table):
    """A story told at a workshop, in its original language."""

    id = Serial(primary_key=True)
    workshop = ForeignKey(Workshop, on_delete=OnDelete.cascade, null=False)
    # Denormalised from the workshop: every access check and site filter reads it.
    site = ForeignKey(Site, on_delete=OnDelete.cascade, null=False)
    kind = Varchar(length=16)
    horizon_year = SmallInt(null=True, default=None)
    language = Varchar(length=35)
    title = Varchar(length=300, default="")
    body = Text()
    # sha256 (hex) of `body`: an import matches stored stories by it without reading them.
    body_sha256 = Varchar(length=64, null=True, default=None)
    status = Varchar(length=16, default="submitted")
    version = Integer(default=1)
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    updated_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class StoryStoryteller(Table):
    """Who told a story; a group story has several rows."""

    id = Serial(primary_key=True)
    story = ForeignKey(Story, on_delete=OnDelete.cascade, null=False)
    storyteller = ForeignKey(Storyteller, on_delete=OnDelete.cascade, null=False)


class Translation(Table):
    """A story in another language."""

    id = Serial(primary_key=True)
    story = ForeignKey(Story, on_delete=OnDelete.cascade, null=False)
    language = Varchar(length=35)
    title = Varchar(length=300, default="")
    body = Text()
    origin = Varchar(length=16, default="human")
    reviewed = Boolean(default=False)


class StoryMedia(Table):
    """A story's recording (`kind` "recording") or its subtitles in one language (`kind`
    "subtitles"): the bytes live in the storage under `object_key`."""

    id = Serial(primary_key=True)
    story = ForeignKey(Story, on_delete=OnDelete.cascade, null=False)
    kind = Varchar(length=16)
    language = Varchar(length=35, default="")
    media_type = Varchar(length=64)
    object_key = Varchar(length=300)
    size = BigInt()
    sha256 = Varchar(length=64)
    uploaded_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Coding(Table):
    """A theme applied to a story by a coder, optionally on an excerpt of the original text
    (`translation` empty) or of one translation (`translation` its language tag)."""

    id = Serial(primary_key=True)
    story = ForeignKey(Story, on_delete=OnDelete.cascade, null=False)
    theme = ForeignKey(Theme, on_delete=OnDelete.cascade, null=False)
    # The coder's name as shown; `coder_user` is who it is when a signed-in user coded.
    coder = Varchar(length=64, default="")
    coder_user = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    translation = Varchar(length=35, default="")
    start_offset = Integer(null=True, default=None)
    end_offset = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(null=True, default=None)


class CodingDone(Table):
    """A coder's mark that they finished coding a story (opens others' codings in blind mode)."""

    id = Serial(primary_key=True)
    story = ForeignKey(Story, on_delete=OnDelete.cascade, null=False)
    user = ForeignKey(User, on_delete=OnDelete.cascade, null=False)
    done_at = Timestamptz(default=TimestamptzNow())


class AgreedCoding(Table):
    """Coders' reconciled decision on a theme in a story: the theme applies (on an excerpt, or
    the whole story) or it does not. Kept apart from `Coding`, whose rows the agreement
    statistics read and a reconciliation never changes."""

    id = Serial(primary_key=True)
    story = ForeignKey(Story, on_delete=OnDelete.cascade, null=False)
    theme = ForeignKey(Theme, on_delete=OnDelete.cascade, null=False)
    applies = Boolean(default=True)
    translation = Varchar(length=35, default="")
    start_offset = Integer(null=True, default=None)
    end_offset = Integer(null=True, default=None)
    agreed_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    agreed_label = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class SuggestionRejection(Table):
    """A coder's "not this theme" on a suggested theme of a story: not suggested to them again.
    Never a coding: the agreement statistics and exports do not read it."""

    id = Serial(primary_key=True)
    story = ForeignKey(Story, on_delete=OnDelete.cascade, null=False)
    theme = ForeignKey(Theme, on_delete=OnDelete.cascade, null=False)
    user = ForeignKey(User, on_delete=OnDelete.cascade, null=False)
    rejected_at = Timestamptz(default=TimestamptzNow())


class Memo(Table):
    """A researcher's note (REFI-QDA `Note`) on one story, one coding (its excerpt) or one
    theme. A story's memos and its codings' memos go with the story (foreign keys cascade)."""

    id = Serial(primary_key=True)
    project = ForeignKey(Project, on_delete=OnDelete.cascade, null=False)
    # The site of the story the memo is about; null for a theme's memo.
    site = ForeignKey(Site, on_delete=OnDelete.cascade, null=True, default=None)
    story = ForeignKey(Story, on_delete=OnDelete.cascade, null=True, default=None)
    coding = ForeignKey(Coding, on_delete=OnDelete.cascade, null=True, default=None)
    theme = ForeignKey(Theme, on_delete=OnDelete.cascade, null=True, default=None)
    body = Text()
    author = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    author_label = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(null=True, default=None)


class Outcome(Table):
    """A Theory-of-Change outcome of a project."""

    id = Serial(primary_key=True)
    project = ForeignKey(Project, on_delete=OnDelete.cascade, null=False)
    key = Varchar(length=64)
    parent = ForeignKey("self", on_delete=OnDelete.set_null, null=True, default=None)
    labels = JSON(default={})
    descriptions = JSON(default={})
    position = Integer(default=0)


class Insight(Table):
    """A finding written by analysts, for one site or across sites."""

    id = Serial(primary_key=True)
    project = ForeignKey(Project, on_delete=OnDelete.cascade, null=False)
    site = ForeignKey(Site, on_delete=OnDelete.cascade, null=True, default=None)
    # The language the author wrote in: what readers of other languages fall back to.
    language = Varchar(length=35, default="")
    title = JSON(default={})
    summary = JSON(default={})
    status = Varchar(length=16, default="draft")
    author = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class InsightTheme(Table):
    id = Serial(primary_key=True)
    insight = ForeignKey(Insight, on_delete=OnDelete.cascade, null=False)
    theme = ForeignKey(Theme, on_delete=OnDelete.cascade, null=False)


class InsightOutcome(Table):
    id = Serial(primary_key=True)
    insight = ForeignKey(Insight, on_delete=OnDelete.cascade, null=False)
    outcome = ForeignKey(Outcome, on_delete=OnDelete.cascade, null=False)


class Evidence(Table):
    """An excerpt of a story cited by an insight (offsets into the original body)."""

    id = Serial(primary_key=True)
    insight = ForeignKey(Insight, on_delete=OnDelete.cascade, null=False)
    story = ForeignKey(Story, on_delete=OnDelete.cascade, null=False)
    start_offset = Integer()
    end_offset = Integer()
    # The cited text as it was when cited: lets an edit of the story re-anchor the excerpt.
    excerpt = Text(default="")
    quotable = Boolean(default=False)
    # Curators' translations of this excerpt, {tag: text}; never derived by alignment.
    translations = JSON(default={})


class Membership(Table):
    """A role a user holds, on one site or (site null) on every site."""

    id = Serial(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, null=False)
    site = ForeignKey(Site, on_delete=OnDelete.cascade, null=True, default=None)
    role = Varchar(length=16)
    unsuppressed = Boolean(default=False)


class ApiToken(Table):
    """A bearer token; only its hash is stored."""

    id = Serial(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, null=False)
    token_hash = Varchar(length=64, unique=True)
    name = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class UserSession(Table):
    """A signed-in page session; the cookie holds a random id whose digest is `session_key`."""

    id = Serial(primary_key=True)
    session_key = Varchar(length=64, unique=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


class LoginThrottle(Table):
    """Failed sign-ins per e-mail address and per client address (`auth/throttle.py`)."""

    id = Serial(primary_key=True)
    throttle_key = Varchar(length=400, unique=True)
    failures = Integer(default=0)
    last_failure_at = Timestamptz(index=True)


class AuditEvent(Table):
    """Append-only record of every write."""

    id = Serial(primary_key=True)
    at = Timestamptz(default=TimestamptzNow())
    actor = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    actor_label = Varchar(length=254, default="")
    action = Varchar(length=32)
    entity = Varchar(length=32)
    entity_id = Varchar(length=64, default="")
    before_hash = Varchar(length=64, default="")
    after_hash = Varchar(length=64, default="")
    detail = JSON(default={})


class IdempotencyKey(Table):
    """A POST with an `Idempotency-Key`: what it created, by reference, never its content.

    A retry rebuilds the answer from the resource (`idempotency.py`), so nothing a storyteller
    told outlives their erasure here.
    """

    id = Serial(primary_key=True)
    scope = Varchar(length=200)
    key = Varchar(length=200)
    fingerprint = Varchar(length=64)
    status_code = SmallInt()
    resource_type = Varchar(length=32)
    resource_id = Varchar(length=64)
    # sha256 of the first answer's bytes: tells whether a replay still answers the same.
    answer_sha256 = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())
