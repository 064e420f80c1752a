"""What a recording is, read from its first bytes with `filetype`, never from its name."""

from __future__ import annotations

import filetype

# The containers browsers play, by the MIME type `filetype` answers, as served.
ACCEPTED = {
    "audio/mpeg": ("audio/mpeg", "mp3"),
    "audio/mp4": ("audio/mp4", "m4a"),
    "audio/x-m4a": ("audio/mp4", "m4a"),
    "video/mp4": ("video/mp4", "mp4"),
    "audio/ogg": ("audio/ogg", "ogg"),
    "audio/opus": ("audio/ogg", "opus"),
    "video/webm": ("video/webm", "webm"),
    "audio/x-wav": ("audio/wav", "wav"),
    "audio/wav": ("audio/wav", "wav"),
}
# Bytes `filetype` needs to recognise every accepted container.
HEAD_BYTES = 8192


def sniff(head: bytes) -> tuple[str, str] | None:
    """The media type and extension of an accepted recording, else None."""
    kind = filetype.guess(head)
    if kind is None:
        return None
    return ACCEPTED.get(kind.mime)


def is_video(media_type: str) -> bool:
    return media_type.startswith("video/")
