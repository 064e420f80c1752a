"""Breakdowns: prevalence by a demographic attribute within each site.

A cell is (site, value of the attribute, theme); `total` counts the site's stories told by at
least one storyteller holding the value; a group story counts for each value its storytellers
hold. Storytellers without the attribute form the group `not_recorded`.
"""

from __future__ import annotations

import polars as pl

from civicfutures.analysis.prevalence import prevalence
from civicfutures.analysis.scope import Groups
from civicfutures.analysis.themesets import Codebook


def breakdown(groups: Groups, codebook: Codebook) -> pl.LazyFrame:
    """Prevalence per (site, group, theme); the groups carry `site` beside `group`."""
    return prevalence(groups, codebook, keys=("site", "group"))
