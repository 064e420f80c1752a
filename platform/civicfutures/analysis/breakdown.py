"""Breakdowns: prevalence by a demographic attribute within each site.

A cell is (site, value of the attribute, theme); `total` counts the site's stories told by at
least one storyteller holding the value; a group story counts for each value its storytellers
hold. Storytellers without the attribute form the group `not_recorded`.
"""

from __future__ import annotations

import polars as pl

from civicfutures.analysis.prevalence import prevalence


def breakdown(
    memberships: pl.LazyFrame, present: pl.LazyFrame, themes: pl.LazyFrame
) -> pl.LazyFrame:
    """Prevalence per (site, group, theme); `memberships` carries `site` beside `group`."""
    return prevalence(memberships, present, themes, keys=("site", "group"))
