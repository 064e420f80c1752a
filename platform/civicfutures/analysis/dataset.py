"""A snapshot in memory: its tables as LazyFrames plus its manifest; analyses read only this."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import polars as pl

from civicfutures.analysis.schema import TABLES, conform
from civicfutures.analysis.themesets import Codebook

# Frames derived from one snapshot and kept with it (scopes, theme sets, prevalence cells).
DERIVED_FRAMES_KEPT = 32


@dataclass(frozen=True)
class Snapshot:
    """One project's consent-filtered data: `tables[name]` follows `schema.TABLES[name]`."""

    tables: Mapping[str, pl.LazyFrame]
    manifest: Mapping[str, Any] = field(default_factory=dict)
    _derived: dict[tuple, pl.DataFrame] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _building: dict[tuple, threading.Event] = field(default_factory=dict, repr=False, compare=False)

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

    def derived(self, key: tuple, build: Callable[[], pl.LazyFrame]) -> pl.LazyFrame:
        """A frame computed from this snapshot once and kept: analyses of one snapshot share it.

        A snapshot never changes, so a frame derived from it (the stories a scope covers, the
        theme sets under a presence rule) stays true for as long as the snapshot is held.
        Each frame is built once even when several threads ask for it at the same time; the
        others wait for that build, and builds of different frames run side by side.
        """
        while True:
            with self._lock:
                frame = self._derived.pop(key, None)
                if frame is not None:
                    self._derived[key] = frame  # now the most recently used
                    return frame.lazy()
                underway = self._building.get(key)
                if underway is None:
                    underway = self._building[key] = threading.Event()
                    break
            # Another thread builds it: take its result (or build it, if that build failed).
            underway.wait()
        try:
            frame = build().collect()
            with self._lock:
                while len(self._derived) >= DERIVED_FRAMES_KEPT:
                    # The least recently used goes: a held snapshot's memory stays bounded.
                    del self._derived[next(iter(self._derived))]
                self._derived[key] = frame
        finally:
            with self._lock:
                del self._building[key]
            underway.set()
        return frame.lazy()

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
