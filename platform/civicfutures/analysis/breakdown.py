"""Breakdowns: prevalence by a demographic attribute within each site.

A cell is (site, value of the attribute, theme); `total` counts the site's stories told by at
least one storyteller holding the value; a group story counts for each value its storytellers
hold. Storytellers without the attribute form the group `not_recorded`.
"""

from __future__ import annotations

import polars as pl

from civicfutures.analysis.prevalence import COLUMNS, KEYS, prevalence
from civicfutures.analysis.scope import Groups
from civicfutures.analysis.themesets import Codebook


def breakdown(
    groups: Groups,
    codebook: Codebook,
    sites: pl.LazyFrame,
    record_keys: pl.LazyFrame,
    unions: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Prevalence per (site, group, theme).

    The groups carry `site_id` beside `group`; the cells are counted by site id (an integer
    key groups faster than a name) and named after, from `sites` (site_id, site). `unions`:
    as for `prevalence`, by (site_id, group, storyteller_id).
    """
    cells = prevalence(groups, codebook, record_keys, keys=("site_id", "group"), unions=unions)
    named = sites.select("site_id", "site")
    return cells.join(named, on="site_id").select("site", "group", *COLUMNS, *KEYS)
