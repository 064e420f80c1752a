"""The one error of reading a file: it cannot be read at all, and the message says why."""

from __future__ import annotations


class ReadError(Exception):
    """The file cannot be read at all; the message is for the user."""
