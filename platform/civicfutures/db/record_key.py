"""Storytellers' record keys: the random integers the cell key method of disclosure control
adds up (`analysis/disclosure.py`).

A key is drawn once, when the storyteller is created, and never changes: the same storytellers
always give a cell the same key, hence the same perturbation, whatever the query. The range is
ABS TableBuilder's, 0 to 255: a cell's key is the sum of its storytellers' keys modulo 256,
uniform whatever the cell's size, and 256 columns keep the perturbation table small.
"""

from __future__ import annotations

import secrets

RECORD_KEY_RANGE = 256


def new_record_key() -> int:
    """A fresh key, from the operating system's secure source: nobody can predict or replay it."""
    return secrets.randbelow(RECORD_KEY_RANGE)
