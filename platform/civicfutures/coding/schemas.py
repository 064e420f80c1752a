"""The JSON shapes of the coding routes (API.md, second wave)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from msgspec import Meta, Struct

from civicfutures.intake.schemas import STORY_BODY_MAX, LanguageTag

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
