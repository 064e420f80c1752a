"""Small valid media files made with the standard library, and WebVTT texts."""

from __future__ import annotations

import io
import math
import struct
import wave


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A mono 16-bit WAV of a quiet 440 Hz tone."""
    frames = b"".join(
        struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        sound.writeframes(frames)
    return out.getvalue()


UKRAINIAN_VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nАвтобус, якого немає.\n".encode()
POLISH_VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nAutobus, którego nie ma.\n".encode()
BROKEN_VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nok\n\n00:00:01.000 --> 00:0x:02.000\nbad\n"
