"""`tables/*.parquet`: the tables with their exact types (lists stay lists), for any engine."""

from __future__ import annotations

from pathlib import Path

from civicfutures.analysis.disclosure import NOT_FOR_PUBLICATION, PUBLISHED
from civicfutures.briefings.document import Briefing


def write_parquet(briefing: Briefing, directory: Path) -> list[Path]:
    folder = directory / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    # Exact counts (disclosure control off) say so in every file's metadata.
    publication = PUBLISHED if briefing.k else NOT_FOR_PUBLICATION
    for name, table in briefing.tables.items():
        path = folder / f"{name}.parquet"
        table.frame.write_parquet(
            path,
            compression="zstd",
            compression_level=3,
            statistics=True,
            metadata={"civicfutures.publication": publication},
        )
        written.append(path)
    return written
