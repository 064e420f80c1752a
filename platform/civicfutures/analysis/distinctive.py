"""Distinctive themes of a site: the comparison's cells flagged distinctive, strongest first."""

from __future__ import annotations

import polars as pl


def distinctive(comparison: pl.LazyFrame) -> pl.LazyFrame:
    """Rows of the (already protected) comparison whose theme is distinctive for the site.

    Ordered by site, then by residual from the largest; a suppressed cell is never listed.
    """
    return (
        comparison.filter(pl.col("distinctive") & ~pl.col("suppressed"))
        .select(
            "site",
            "theme",
            "stories",
            "total",
            "share",
            "ci_low",
            "ci_high",
            "expected",
            "residual",
            "test",
            "p_value",
        )
        .sort(["site", "residual", "theme"], descending=[False, True, False])
    )
