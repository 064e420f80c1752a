"""A snapshot in memory: its tables as LazyFrames plus its manifest; analyses read only this."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import polars as pl

from civicfutures.analysis.schema import TABLES, conform
from civicfutures.analysis.themesets import Codebook


@dataclass(frozen=True)
class Snapshot:
    """One project's consent-filtered data: `tables[name]` follows `schema.TABLES[name]`."""

    tables: Mapping[str, pl.LazyFrame]
    manifest: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pl.LazyFrame:
        return self.tables[name]

    @property
    def id(self) -> str:
        return str(self.manifest.get("snapshot_id", ""))

    @property
    def project(self) -> str:
        return str(self.manifest.get("project", ""))

    @property
    def disclosure_threshold(self) -> int:
        """The project's k: cells resting on fewer storytellers are suppressed."""
        return int(self.manifest.get("disclosure_threshold", 5))

    @property
    def default_language(self) -> str:
        return str(self.manifest.get("default_language", "en"))

    @property
    def demographic_attributes(self) -> list[str]:
        return list(self.manifest.get("demographic_attributes", []))

    @cached_property
    def codebook(self) -> Codebook:
        """The themes in bit order, read once from the (small) themes table.

        Plans need the list of themes to name their columns, so it is read when the first
        plan is built; the large tables are only read when a plan is collected.
        """
        table = self.tables["themes"].sort("position", "theme").select("theme", "kind").collect()
        return Codebook(
            tuple(table["theme"].to_list()), tuple(table["kind"].fill_null("").to_list())
        )


def snapshot_from_frames(
    frames: Mapping[str, pl.DataFrame | pl.LazyFrame], manifest: Mapping[str, Any] | None = None
) -> Snapshot:
    """A snapshot built in memory (tests, the benchmark): missing tables are empty, all conformed."""
    tables = {
        name: conform(name, frames[name]) if name in frames else pl.LazyFrame(schema=schema)
        for name, schema in TABLES.items()
    }
    return Snapshot(tables=tables, manifest=dict(manifest or {}))
