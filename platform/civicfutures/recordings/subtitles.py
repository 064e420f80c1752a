"""WebVTT subtitles checked with `webvtt-py` before they are kept: a file that does not parse
is refused with the line it breaks at."""

from __future__ import annotations

import ast

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from civicfutures.errors import FieldError, InvalidInput
from civicfutures.i18n import gettext as _

FIELD = "subtitles"


def _line_of(text: str, error: MalformedCaptionError) -> int | None:
    """The line number of the cue block the parser names in its message."""
    message = str(error)
    _prefix, _sep, block = message.partition("Invalid cue block ")
    try:
        first = ast.literal_eval(block)[0] if block else None
    except (ValueError, SyntaxError, IndexError, TypeError):
        first = None
    if first is None:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == str(first).strip():
            return number
    return None


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(_("The subtitles are not a WebVTT file."), [FieldError(FIELD, message)])


def check_webvtt(data: bytes) -> bytes:
    """The subtitles as UTF-8 WebVTT with at least one cue, else InvalidInput naming the field
    and, where the parser finds a broken cue, its line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _invalid(_("WebVTT subtitles are written in UTF-8.")) from error
    if "\x00" in text:
        raise _invalid(_("WebVTT subtitles are plain text."))
    try:
        captions = webvtt.from_string(text, strict=True).captions
    except MalformedFileError as error:
        raise _invalid(_("A WebVTT file starts with the line “WEBVTT”.")) from error
    except (MalformedCaptionError, ValueError) as error:
        line = _line_of(text, error) if isinstance(error, MalformedCaptionError) else None
        if line is None:
            raise _invalid(_("A cue of the subtitles is malformed.")) from error
        raise _invalid(
            _(
                "Line {line}: this cue's timing is malformed (00:00:01.000 --> 00:00:04.000)."
            ).format(line=line)
        ) from error
    if not captions:
        raise _invalid(_("The subtitles hold no cue."))
    return text.encode("utf-8")
