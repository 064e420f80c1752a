"""How much one import may carry, read from the environment like the platform's other settings.

Kept beside the import rather than in `civicfutures.settings` so the area's knobs travel with it;
`get_limits.cache_clear()` re-reads them (tests do).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache

MIB = 1024 * 1024


def _int_env(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int = field(
        default_factory=lambda: _int_env("CIVICFUTURES_IMPORT_MAX_BYTES", 20 * MIB)
    )
    """CIVICFUTURES_IMPORT_MAX_BYTES: the largest file an import accepts (default 20 MiB)."""

    max_rows: int = field(default_factory=lambda: _int_env("CIVICFUTURES_IMPORT_MAX_ROWS", 100_000))
    """CIVICFUTURES_IMPORT_MAX_ROWS: the most stories (data rows) one file may hold."""

    max_listed_problems: int = field(
        default_factory=lambda: _int_env("CIVICFUTURES_IMPORT_MAX_LISTED_PROBLEMS", 1_000)
    )
    """CIVICFUTURES_IMPORT_MAX_LISTED_PROBLEMS: problems listed in one report; the rest are counted."""

    @property
    def max_request_bytes(self) -> int:
        """An upload's body: the file plus room for the multipart envelope and form fields."""
        return self.max_bytes + MIB


@cache
def get_limits() -> ImportLimits:
    return ImportLimits()
