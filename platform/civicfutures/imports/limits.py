"""How much one import may carry, read from the environment like the platform's other settings.

Kept beside the import rather than in `civicfutures.settings` so the area's knobs travel with it;
`get_limits.cache_clear()` re-reads them (tests do).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache

MIB = 1024 * 1024
# Rows a sheet may hold beyond its stories: the header, notes above it, blank rows between.
SHEET_ROW_SLACK = 100


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

    max_columns: int = field(
        default_factory=lambda: _int_env("CIVICFUTURES_IMPORT_MAX_COLUMNS", 256)
    )
    """CIVICFUTURES_IMPORT_MAX_COLUMNS: the furthest column a sheet's cells (or a CSV row's
    fields) may reach."""

    max_cells: int = field(
        default_factory=lambda: _int_env("CIVICFUTURES_IMPORT_MAX_CELLS", 5_000_000)
    )
    """CIVICFUTURES_IMPORT_MAX_CELLS: the most cells a sheet's rectangle (last row times last
    column) may span; the reader allocates the whole rectangle, so this bounds its memory."""

    max_unpacked_bytes: int = field(
        default_factory=lambda: _int_env("CIVICFUTURES_IMPORT_MAX_UNPACKED_BYTES", 256 * MIB)
    )
    """CIVICFUTURES_IMPORT_MAX_UNPACKED_BYTES: the most one part of an XLSX or ODS file (a zip
    archive) may unpack to, counted while unpacking rather than trusted from its header."""

    max_compression_ratio: int = field(
        default_factory=lambda: _int_env("CIVICFUTURES_IMPORT_MAX_COMPRESSION_RATIO", 200)
    )
    """CIVICFUTURES_IMPORT_MAX_COMPRESSION_RATIO: how many times smaller than its content a
    part of the archive may be; real sheets stay well below, zip bombs far above."""

    max_concurrent: int = field(
        default_factory=lambda: max(_int_env("CIVICFUTURES_IMPORT_MAX_CONCURRENT", 2), 1)
    )
    """CIVICFUTURES_IMPORT_MAX_CONCURRENT: imports (dry runs and commits) one process runs at
    once; another one is answered 503 with Retry-After rather than queued behind them."""

    time_budget_seconds: float = field(
        default_factory=lambda: float(
            os.environ.get("CIVICFUTURES_IMPORT_TIME_BUDGET_SECONDS", "60")
        )
    )
    """CIVICFUTURES_IMPORT_TIME_BUDGET_SECONDS: how long reading and checking one file may take;
    past it the import stops with a problem naming the limit, and writes nothing."""

    @property
    def max_sheet_rows(self) -> int:
        """The furthest row a sheet may reach: the stories, the header and blank rows between."""
        return self.max_rows + SHEET_ROW_SLACK

    @property
    def max_request_bytes(self) -> int:
        """An upload's body: the file plus room for the multipart envelope and form fields."""
        return self.max_bytes + MIB


@cache
def get_limits() -> ImportLimits:
    return ImportLimits()
