"""The analysis suite: a registry of insights by kind, each planned lazily and collected once.

`plan(kind, snapshot, params)` builds the whole LazyFrame (scope → insight → disclosure control
→ sort); `run` collects it. Nothing here reads the database: a snapshot is the only input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial

import polars as pl

from civicfutures.analysis import quality as quality_checks
from civicfutures.analysis.agreement import agreement, method_for, units
from civicfutures.analysis.breakdown import breakdown
from civicfutures.analysis.comparison import comparison
from civicfutures.analysis.cooccurrence import cooccurrence
from civicfutures.analysis.dataset import Snapshot
from civicfutures.analysis.disclosure import (
    FLAGS_AND_REASONS,
    Rule,
    because,
    flagged_by,
    flags,
    perturb,
    perturbed_sum,
    protect,
    published_counts,
    reshare,
)
from civicfutures.analysis.distinctive import distinctive
from civicfutures.analysis.links import link_cells, links
from civicfutures.analysis.params import (
    DISCLOSURE_FIELDS,
    SCOPE_FIELDS,
    STRUCTURAL_BY,
    AnalysisParams,
    unsupported,
)
from civicfutures.analysis.prevalence import COLUMNS as prevalence_columns
from civicfutures.analysis.prevalence import KEYS as cell_keys
from civicfutures.analysis.prevalence import added_up, prevalence
from civicfutures.analysis.ptable import published
from civicfutures.analysis.representativeness import COLUMNS as representativeness_columns
from civicfutures.analysis.representativeness import counts as counts_of_representativeness
from civicfutures.analysis.representativeness import measures as representativeness_measures
from civicfutures.analysis.representativeness import representativeness
from civicfutures.analysis.scope import (
    STRUCTURAL_GROUPS,
    Groups,
    groups,
    held_values,
    scoped_stories,
    stories_in,
    with_site_slug,
)
from civicfutures.analysis.themesets import coder_sets, presence
from civicfutures.errors import FieldError, InvalidInput, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_list

# What the kept scope holds of each story: what the insights group and join by. The texts
# stay on disk (only the quality checks read them, and they scan for them).
SCOPE_COLUMNS = ("story_id", "site_id", "workshop_id", "kind")


def _stories(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    """The stories a request covers (`SCOPE_COLUMNS`).

    Read from the snapshot's file each time rather than kept: the coded stories, which are
    kept, hold the same columns, and reading these few is quick.
    """
    return scoped_stories(snapshot["stories"], snapshot["sites"], params).select(SCOPE_COLUMNS)


def _masks(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    """Each coded story's theme set under the presence rule (the insights join it to the scope).

    Not kept: the coded stories are built from it once, and they are.
    """
    return presence(_coder_sets(snapshot), snapshot.codebook, params.presence)


def _coder_sets(snapshot: Snapshot) -> pl.LazyFrame:
    """What each coder applied to each story: the theme sets and agreement start from it."""
    return snapshot.derived(
        ("coder sets",),
        lambda: coder_sets(snapshot["codings"], snapshot.codebook, snapshot.manifest.get("coders")),
    )


def _coded(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    """The stories in scope told by someone, each with its theme set (empty when uncoded).

    Kept with the snapshot: most insights start from it, and building it joins a million
    stories to their sets.
    """

    def build() -> pl.LazyFrame:
        told = snapshot["story_storytellers"].select("story_id")
        return (
            _stories(snapshot, params)
            .select("story_id", "site_id", "workshop_id", "kind")
            .join(told, on="story_id", how="semi")
            .join(_masks(snapshot, params), on="story_id", how="left")
            .with_columns(snapshot.codebook.zero())
        )

    return snapshot.derived(("coded", params.scope, params.presence), build)


def _coded_links(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    """`_coded` joined to the storytellers: one row per (story, storyteller), set carried."""
    return snapshot.derived(
        ("coded links", params.scope, params.presence),
        lambda: _coded(snapshot, params).join(snapshot["story_storytellers"], on="story_id"),
    )


def _site_unions(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    """(site_id, storyteller_id, _w…): the union of the sets of each storyteller's stories at
    each site, kept. The storytellers' cells by site count these, and so do those of each
    demographic group within sites: a storyteller is in the groups of the values they hold
    with all their stories, so their union in a group at a site is their union at the site.
    """
    return snapshot.derived(
        ("site unions", params.scope, params.presence),
        lambda: (
            _coded_links(snapshot, params)
            .group_by("site_id", "storyteller_id")
            .agg(snapshot.codebook.union())
        ),
    )


def _grouped(snapshot: Snapshot, params: AnalysisParams, by: str) -> Groups:
    """The coded stories and their storytellers in the groups of `by`, sets carried."""
    coded, linked = _coded(snapshot, params), _coded_links(snapshot, params)
    carry = tuple(snapshot.codebook.columns())
    if by in STRUCTURAL_GROUPS:
        return groups(snapshot, coded, linked, by, carry=carry)
    # A demographic grouping carries the site beside the group (a story has one site), so
    # that the breakdown within sites reads it too. It is collected before it is read twice
    # (each group's stories and its storytellers), which Polars would otherwise compute
    # twice; it is not kept, the cells made from it are. A breakdown reads only the stories
    # (its storytellers come from `_site_unions`), and left lazy for it measured no faster.
    held = groups(snapshot, coded, linked, by, keep=("site_id",), carry=carry).tellers.collect()
    return Groups(stories=stories_in(held.lazy(), ("site_id",), carry), tellers=held.lazy())


def _threshold(snapshot: Snapshot, params: AnalysisParams) -> int:
    return params.k if params.k is not None else snapshot.disclosure_threshold


def _tellers_in_one_site(snapshot: Snapshot, params: AnalysisParams) -> bool:
    """Whether every storyteller in scope told their stories at one site.

    A story has one site; when a storyteller's stories do too, nobody counts at two sites,
    and the counts of a country, of the project or of a demographic group are the sums of
    their sites' counts.
    """
    spread = snapshot.derived(
        ("tellers in one site", params.scope),
        lambda: (
            _coded_links(snapshot, params)
            .group_by("storyteller_id")
            .agg(sites=pl.col("site_id").n_unique())
            .select(one=(pl.col("sites") <= 1).all())
        ),
    )
    return bool(spread.collect().item())


# Groupings whose cells are not sums of the cells by site: the sites themselves, and the
# kinds of story and of workshop, which cut across sites.
NOT_ADDED_UP = ("site", "story_kind", "workshop_kind")


def _added_up(snapshot: Snapshot, params: AnalysisParams, by: str) -> pl.LazyFrame:
    """Prevalence by country, project or demographic attribute, from the cells by site."""
    if by == "country":
        countries = snapshot["sites"].select(pl.col("site").alias("group"), _coarser="country")
        within = _site_cells(snapshot, params).join(countries, on="group")
    elif by == "project":
        project = snapshot["project"].select(_coarser="project")
        within = _site_cells(snapshot, params).join(project, how="cross")
    else:
        # A demographic group's cells at each site (the breakdown), over every site.
        within = _breakdown_cells(snapshot, params, by).rename({"group": "_coarser"})
    return added_up(
        within.select(pl.col("_coarser").alias("group"), *prevalence_columns, *cell_keys)
    )


def _exact_prevalence(snapshot: Snapshot, params: AnalysisParams, by: str) -> pl.LazyFrame:
    """The exact cells of prevalence by `by`, with their cell keys."""

    def build() -> pl.LazyFrame:
        if by not in NOT_ADDED_UP and _tellers_in_one_site(snapshot, params):
            return _added_up(snapshot, params, by)
        unions = None
        if by == "site":
            unions = STRUCTURAL_GROUPS["site"](snapshot, _site_unions(snapshot, params))
        return prevalence(
            _grouped(snapshot, params, by),
            snapshot.codebook,
            _record_keys(snapshot),
            unions=unions,
        )

    # The cells before disclosure control: the comparison starts from the same ones by site.
    return snapshot.derived(("prevalence", params.scope, params.presence, by), build)


def _cells_within_sites(snapshot: Snapshot, params: AnalysisParams, by: str) -> pl.LazyFrame:
    """The exact cells of `by` split by site (`group` the coarser group, `site` beside it):
    the finest cells, each perturbed with its own key, that every published group adds up."""
    site_cells = _site_cells(snapshot, params).with_columns(site=pl.col("group"))
    if by == "site":
        return site_cells
    if by == "country":
        countries = snapshot["sites"].select(pl.col("site").alias("_site"), "country")
        return site_cells.join(countries, left_on="site", right_on="_site").with_columns(
            group=pl.col("country")
        )
    if by == "project":
        project = snapshot["project"].select(pl.col("project").alias("_project"))
        return site_cells.join(project, how="cross").with_columns(group=pl.col("_project"))
    if by in STRUCTURAL_GROUPS:
        carry = tuple(snapshot.codebook.columns())
        split = groups(
            snapshot,
            _coded(snapshot, params),
            _coded_links(snapshot, params),
            by,
            keep=("site_id",),
            carry=carry,
        )
        cells = prevalence(
            split, snapshot.codebook, _record_keys(snapshot), keys=("site_id", "group")
        )
        return cells.join(snapshot["sites"].select("site_id", "site"), on="site_id")
    return _breakdown_cells(snapshot, params, by)


def _published_prevalence(snapshot: Snapshot, params: AnalysisParams, by: str) -> pl.LazyFrame:
    """Prevalence as published: each group's counts are the sums of its published cells
    within sites, flagged by the group's exact counts.

    Adding up perturbed cells, rather than perturbing each group with its own key, gives a
    difference of two groups (sites A and B, less site B) exactly the published cells of
    the difference: nothing the cells by site did not already publish.
    """
    k = _threshold(snapshot, params)
    exact = flags(_exact_prevalence(snapshot, params, by), PREVALENCE_RULE, k).select(
        "group", "theme", *FLAGS_AND_REASONS
    )
    fine = published_counts(_cells_within_sites(snapshot, params, by), PREVALENCE_RULE, k)
    summed = fine.group_by("group", "theme").agg(
        pl.col("stories", "storytellers").sum(),
        # A cell's total is its site's: once per site, not once per theme.
        pl.col("total", "total_storytellers").sum(),
    )
    published = summed.join(exact, on=["group", "theme"], how="left", nulls_equal=True)
    published = reshare(
        published.with_columns(
            share=pl.lit(None, dtype=pl.Float64),
            ci_low=pl.lit(None, dtype=pl.Float64),
            ci_high=pl.lit(None, dtype=pl.Float64),
        ),
        PREVALENCE_RULE,
    )
    return published.select("group", *prevalence_columns, *FLAGS_AND_REASONS)


def plan_prevalence(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    by = params.by or "site"
    if params.unsuppressed:
        return _exact_prevalence(snapshot, params, by)
    return _published_prevalence(snapshot, params, by)


def _site_cells(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    return _exact_prevalence(snapshot, params, "site")


def _record_keys(snapshot: Snapshot) -> pl.LazyFrame:
    return snapshot["storytellers"].select("storyteller_id", "record_key")


def plan_comparison(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    """The comparison of the published cells by site (of the exact ones for microdata).

    Its expected counts and residuals would give the exact counts back; computed from
    the published counts they give only those.
    """
    cells = _site_cells(snapshot, params)
    if not params.unsuppressed:
        cells = perturb(cells, PREVALENCE_RULE, _threshold(snapshot, params))
    return comparison(
        cells,
        permutations=params.permutations,
        seed=params.seed,
        alpha=params.alpha,
        carry=() if params.unsuppressed else FLAGS_AND_REASONS,
    )


def plan_distinctive(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    # The whole site × theme grid is published first: a hidden cell is never listed.
    compared = protect(
        plan_comparison(snapshot, params),
        COMPARISON_RULE,
        _threshold(snapshot, params),
        disclose=params.unsuppressed,
    )
    return distinctive(compared)


def _breakdown_attribute(snapshot: Snapshot, params: AnalysisParams) -> str:
    if params.by and params.by not in STRUCTURAL_BY:
        return params.by
    if params.by is None and snapshot.demographic_attributes:
        return snapshot.demographic_attributes[0]
    raise InvalidInput(
        _("The analysis cannot run with these parameters."),
        [FieldError("by", _("A breakdown needs a demographic attribute: name one."))],
    )


def _breakdown_cells(snapshot: Snapshot, params: AnalysisParams, attribute: str) -> pl.LazyFrame:
    """The cells of the breakdown by `attribute` within sites, before disclosure control."""
    return snapshot.derived(
        ("breakdown", params.scope, params.presence, attribute),
        lambda: breakdown(
            _grouped(snapshot, params, attribute),
            snapshot.codebook,
            snapshot["sites"],
            _record_keys(snapshot),
            unions=held_values(snapshot, _site_unions(snapshot, params), attribute),
        ),
    )


def plan_breakdown(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    return _breakdown_cells(snapshot, params, _breakdown_attribute(snapshot, params))


def _exact_cooccurrence(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    return cooccurrence(
        _coded(snapshot, params),
        _stories(snapshot, params),
        _coded_links(snapshot, params),
        snapshot.codebook,
    )


def _pair_cells(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    """Exact co-occurrence cells within sites, with cell keys: per site and theme_a, the
    prevalence of every theme_b among the stories holding theme_a (`stories`: stories with
    both, `storytellers` and `key` of their storytellers)."""
    codebook = snapshot.codebook
    columns = codebook.columns()
    # Millions of rows once split by theme: the counts need neither the story ids nor the
    # keys of the themes, so the rows carry neither (positions group faster than strings).
    split = Groups(
        stories=codebook.explode(
            _coded(snapshot, params), ["site_id", *columns], name="theme_a", positions=True
        ),
        tellers=codebook.explode(
            _coded_links(snapshot, params),
            ["storyteller_id", "site_id", *columns],
            name="theme_a",
            positions=True,
        ),
    )
    cells = prevalence(split, codebook, _record_keys(snapshot), keys=("site_id", "theme_a"))
    return (
        cells.with_columns(codebook.name_of("theme_a"))
        .rename({"theme": "theme_b"})
        .filter(pl.col("theme_a") < pl.col("theme_b"))
    )


def _published_cooccurrence(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    """Every pair of themes (an absent pair would say a hidden one met at least once), its
    stories the sum of its published cells within sites, the single themes' stories and N
    those of the published prevalence by project; Jaccard and lift from those counts."""
    k = _threshold(snapshot, params)
    themes = sorted(snapshot.codebook.themes)
    pairs = pl.LazyFrame(
        [(a, b) for i, a in enumerate(themes) for b in themes[i + 1 :]],
        schema={"theme_a": pl.String, "theme_b": pl.String},
        orient="row",
    )
    pair_cells = _pair_cells(snapshot, params)
    if _tellers_in_one_site(snapshot, params):
        # A story has one site, and so has each storyteller: the exact counts are the sums
        # of the exact cells within sites, and the pairs need not be counted twice.
        exact = pair_cells.group_by("theme_a", "theme_b").agg(
            _stories=pl.col("stories").sum(), _tellers=pl.col("storytellers").sum()
        )
    else:
        exact = _exact_cooccurrence(snapshot, params).select(
            "theme_a", "theme_b", _stories="stories", _tellers="storytellers"
        )
    summed = perturbed_sum(
        pair_cells,
        ["theme_a", "theme_b"],
        {"stories": "key", "storytellers": "key"},
        k,
    )
    singles = _published_prevalence(snapshot, params, "project").select(
        "theme", "stories", "total", "suppressed"
    )
    single = singles.select(
        "theme", _n=pl.col("stories"), _hidden=pl.col("suppressed"), _all=pl.col("total")
    )
    both = pl.min_horizontal("stories", "stories_a", "stories_b").cast(pl.Float64)
    return (
        pairs.join(summed, on=["theme_a", "theme_b"], how="left")
        .join(exact, on=["theme_a", "theme_b"], how="left")
        .join(single.rename({"theme": "theme_a", "_n": "stories_a", "_hidden": "_hidden_a"}),
              on="theme_a", how="left")
        .join(single.select("theme", "_n", "_hidden").rename(
            {"theme": "theme_b", "_n": "stories_b", "_hidden": "_hidden_b"}),
              on="theme_b", how="left")
        .with_columns(pl.col("stories", "storytellers", "_stories", "_tellers").fill_null(0))
        .with_columns(
            **flagged_by("suppressed", because(
                pl.col("_stories") < k, pl.col("_tellers") < k, pl.col("stories") == 0)),
            **flagged_by("total_suppressed", because(pl.lit(False))),
            stories_a=pl.when(~pl.col("_hidden_a")).then("stories_a"),
            stories_b=pl.when(~pl.col("_hidden_b")).then("stories_b"),
        )
        .with_columns(
            jaccard=both / (pl.col("stories_a") + pl.col("stories_b") - both),
            lift=both * pl.col("_all") / (pl.col("stories_a") * pl.col("stories_b")),
        )
        .select(
            "theme_a", "theme_b", "stories", "stories_a", "stories_b", "jaccard", "lift",
            "storytellers", *FLAGS_AND_REASONS,
        )
    )  # fmt: skip


def plan_cooccurrence(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    if params.unsuppressed:
        return _exact_cooccurrence(snapshot, params)
    return _published_cooccurrence(snapshot, params)


def _exact_links(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    return links(
        _coded(snapshot, params),
        snapshot["story_storytellers"],
        snapshot.codebook,
        via=params.via,
        linked=_coded_links(snapshot, params),
    )


def _unit_sites(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    """The site and the key of each unit of the links: a storyteller's own site and record
    key; a workshop's site and the sum of its storytellers' keys (in scope)."""
    if params.via == "storyteller":
        return snapshot["storytellers"].select("storyteller_id", "site_id", "record_key")
    tellers = (
        _coded_links(snapshot, params)
        .select("workshop_id", "storyteller_id")
        .unique()
        .join(_record_keys(snapshot), on="storyteller_id")
        .group_by("workshop_id")
        .agg(pl.col("record_key").sum())
    )
    return (
        snapshot["workshops"]
        .select("workshop_id", "site_id")
        .join(tellers, on="workshop_id", how="left")
        .with_columns(pl.col("record_key").fill_null(0))
    )


def _published_links(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    """Every challenge × vision pair (an absent pair would say a hidden one was linked at
    least once); each count the sum of its published cells within sites, the share from the
    published counts."""
    k = _threshold(snapshot, params)
    codebook = snapshot.codebook
    cells, challenges, visions = link_cells(
        _coded(snapshot, params),
        snapshot["story_storytellers"],
        codebook,
        _unit_sites(snapshot, params),
        via=params.via,
        linked=_coded_links(snapshot, params),
    )
    pairs = pl.LazyFrame(
        [(c, v) for c in codebook.of_kind("challenge") for v in codebook.of_kind("vision")],
        schema={"challenge": pl.String, "vision": pl.String},
        orient="row",
    )
    if params.via == "storyteller":
        # A storyteller belongs to one site and is the one storyteller of each of their
        # links: the exact links and their storytellers are the sums of the cells.
        exact = cells.group_by("challenge", "vision").agg(
            _links=pl.col("links").sum(), _tellers=pl.col("links").sum()
        )
    else:
        exact = _exact_links(snapshot, params).select(
            "challenge", "vision", _links="links", _tellers="storytellers"
        )
    # A unit belongs to one site: the exact counts are the sums of the exact cells.
    by_challenge = challenges.group_by("challenge").agg(_uc=pl.col("units_challenge").sum())
    by_vision = visions.group_by("vision").agg(_uv=pl.col("units_vision").sum())
    shown = pl.min_horizontal("links", "units_challenge")
    return (
        pairs.join(perturbed_sum(cells, ["challenge", "vision"], {"links": "key"}, k),
                   on=["challenge", "vision"], how="left")
        .join(perturbed_sum(challenges, ["challenge"], {"units_challenge": "key"}, k),
              on="challenge", how="left")
        .join(perturbed_sum(visions, ["vision"], {"units_vision": "key"}, k),
              on="vision", how="left")
        .join(exact, on=["challenge", "vision"], how="left")
        .join(by_challenge, on="challenge", how="left")
        .join(by_vision, on="vision", how="left")
        .with_columns(
            pl.col("links", "units_challenge", "units_vision", "_links", "_tellers", "_uc", "_uv")
            .fill_null(0)
        )
        .with_columns(
            **flagged_by("suppressed", because(
                pl.col("_links") < k, pl.col("_tellers") < k, pl.col("links") == 0)),
            **flagged_by("total_suppressed", because(
                pl.col("_uc") < k, None, pl.col("units_challenge") == 0)),
            units_vision=pl.when((pl.col("_uv") >= k) & (pl.col("units_vision") > 0))
            .then("units_vision"),
            share=pl.when(pl.col("units_challenge") > 0).then(shown / pl.col("units_challenge")),
            via=pl.lit(params.via),
            # A workshop link's storytellers are counted only in the exact table.
            storytellers=pl.col("links") if params.via == "storyteller"
            else pl.lit(None, dtype=pl.Int64),
        )
        .select(
            "challenge", "vision", "via", "links", "units_challenge", "units_vision", "share",
            "storytellers", *FLAGS_AND_REASONS,
        )
    )  # fmt: skip


def plan_links(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    if params.unsuppressed:
        return _exact_links(snapshot, params)
    return _published_links(snapshot, params)


def plan_agreement(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    # Collected first: the statistics read the sets several times over, and Polars would
    # repeat the join for each reading.
    scope = _stories(snapshot, params).select("story_id")
    sets = _coder_sets(snapshot).join(scope, on="story_id", how="semi").collect().lazy()
    if params.coders:
        sets = sets.filter(pl.col("coder").is_in(list(params.coders)))
    compared = params.coders or snapshot.manifest.get("coders")
    n_compared = len(set(compared)) if compared else None
    exact = agreement(None, snapshot.codebook, n_compared, sets=sets)
    if params.unsuppressed:
        return exact
    if n_compared is None:
        n_compared = sets.select(pl.col("coder").n_unique()).collect().item()
    return _published_agreement(snapshot, params, exact, sets, method_for(n_compared))


# Statistics are published to two decimals: their reading needs no more, and every further
# digit narrows the counts they were computed from.
STATISTIC_DECIMALS = 2


def _published_agreement(
    snapshot: Snapshot,
    params: AnalysisParams,
    exact: pl.LazyFrame,
    sets: pl.LazyFrame,
    method: str,
) -> pl.LazyFrame:
    """Agreement as published: `units` and `positive` are counts of stories, each the sum of
    its published cells within sites (the prevalence of each theme among the units, by
    site); kappa or alpha and the observed agreement only where every count they are
    computed from (units where all coders, some, or none applied the theme) is 0 or at
    least k, rounded (`statistic_suppressed` says where they are withheld)."""
    k = _threshold(snapshot, params)
    codebook = snapshot.codebook
    rated = units(sets, codebook, method).join(
        _stories(snapshot, params).select("story_id", "site_id"), on="story_id"
    )
    tellers = rated.join(snapshot["story_storytellers"], on="story_id")
    cells = prevalence(
        Groups(stories=rated, tellers=tellers), codebook, _record_keys(snapshot), keys=("site_id",)
    )
    summed = perturbed_sum(cells, ["theme"], {"stories": "key", "total": "total_key"}, k).rename(
        {"stories": "positive", "total": "units"}
    )
    if _tellers_in_one_site(snapshot, params):
        # Nobody counts at two sites: the project's counts are the sums of the sites'.
        whole = added_up(cells.with_columns(_all=pl.lit(0)), keys=("_all",))
    else:
        everywhere = Groups(
            stories=rated.with_columns(_all=pl.lit(0)),
            tellers=tellers.with_columns(_all=pl.lit(0)),
        )
        whole = prevalence(everywhere, codebook, _record_keys(snapshot), keys=("_all",))
    whole = whole.select(
        "theme",
        _positive="stories",
        _units="total",
        _tellers="storytellers",
        _all_tellers="total_storytellers",
    )
    unanimous = codebook.long(codebook.tally(rated, prefix="_u"), [], "_unanimous")
    exact_counts = whole.join(unanimous, on="theme", how="left").with_columns(
        pl.col("_unanimous").fill_null(0)
    )
    parts = [
        pl.col("_unanimous"),
        pl.col("_positive") - pl.col("_unanimous"),
        pl.col("_units") - pl.col("_positive"),
    ]
    passes = pl.all_horizontal((part == 0) | (part >= k) for part in parts)
    table = (
        exact.drop("units", "positive")
        .join(summed, on="theme", how="left")
        .join(exact_counts, on="theme", how="left")
        .with_columns(
            pl.col(
                "units",
                "positive",
                *(c for c in ("_positive", "_units", "_tellers", "_all_tellers")),
            ).fill_null(0)
        )
        .with_columns(
            **flagged_by(
                "suppressed",
                because(pl.col("_positive") < k, pl.col("_tellers") < k, pl.col("positive") == 0),
            ),
            **flagged_by(
                "total_suppressed",
                because(pl.col("_units") < k, pl.col("_all_tellers") < k, pl.col("units") == 0),
            ),
        )
        .with_columns(
            statistic_suppressed=pl.col("total_suppressed") | ~passes,
        )
        .with_columns(
            pl.when(~pl.col("statistic_suppressed"))
            .then(pl.col(c).round(STATISTIC_DECIMALS))
            .alias(c)
            for c in ("observed_agreement", "value")
        )
    )
    return table.select(
        "theme", "method", "coders", "units", "positive", "observed_agreement", "value",
        *FLAGS_AND_REASONS, "statistic_suppressed",
    )  # fmt: skip


def plan_quality(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    scoped = scoped_stories(snapshot["stories"], snapshot["sites"], params)
    # Cached: two checks read the scoped stories.
    stories = with_site_slug(snapshot, scoped).cache()
    parts = {
        "uncoded": quality_checks.uncoded(stories, _coder_sets(snapshot)),
        "missing_translation": quality_checks.missing_translations(
            stories, snapshot["translations"], snapshot.default_language
        ),
    }
    if params.detect_language:
        parts["language_mismatch"] = quality_checks.language_mismatches(stories, snapshot["sites"])
    if params.near_duplicates:
        parts["near_duplicate"] = quality_checks.near_duplicates(
            stories, params.near_duplicate_threshold
        )
    if "draft" not in params.statuses:
        drafts = scoped_stories(
            snapshot["stories"], snapshot["sites"], replace(params, statuses=("draft",))
        )
        parts["draft"] = quality_checks.drafts(with_site_slug(snapshot, drafts))
    if not params.unsuppressed:
        return _published_quality(snapshot, params, stories, parts)
    return quality_checks.quality(
        [*parts.values(), quality_checks.missing_consent(_exclusions_in_scope(snapshot, params))]
    )


def _exclusions_in_scope(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    """What consent left out at the sites a request covers: a local count is its site's.

    A row without a site counts only for the whole project. Exclusions carry no date, so a
    date range does not narrow them."""
    consent = snapshot["exclusions"].filter(pl.col("reason") == "consent")
    site_filters: list[pl.Expr] = []
    if params.sites:
        site_filters.append(pl.col("site").is_in(list(params.sites)))
    if params.countries:
        site_filters.append(pl.col("country").is_in([c.upper() for c in params.countries]))
    if not site_filters:
        return consent
    kept = snapshot["sites"].filter(*site_filters).select("site_id")
    return consent.join(kept, on="site_id", how="semi")


def _published_quality(
    snapshot: Snapshot,
    params: AnalysisParams,
    stories: pl.LazyFrame,
    parts: dict[str, pl.LazyFrame],
) -> pl.LazyFrame:
    """The quality report as published: not the listing (whose length is an exact count)
    but, per check run, the number of findings at every site in scope and over them all
    (`site` empty), and the consent counts; each a count of its own cell within a site,
    perturbed with its storytellers' key, the total the sum of the sites' published counts."""
    k = _threshold(snapshot, params)
    # The listing, its storytellers and the cells are each read twice below: cached, so
    # that Polars computes them once.
    listing = quality_checks.quality(parts.values()).cache()
    tellers = (
        listing.select("check", "site", "story_id")
        .unique()
        .join(snapshot["story_storytellers"], on="story_id")
        .join(_record_keys(snapshot), on="storyteller_id")
        .select("check", "site", "storyteller_id", "record_key")
        .unique()
        .cache()
    )
    # Every site in scope holding a story of any status: drafts count where nothing else is.
    anywhere = scoped_stories(snapshot["stories"], snapshot["sites"], replace(params, statuses=()))
    grid = pl.LazyFrame({"check": list(parts)}, schema={"check": pl.String}).join(
        with_site_slug(snapshot, anywhere).select("site").unique(), how="cross"
    )
    cells = (
        grid.join(listing.group_by("check", "site").agg(_n=pl.len()), on=["check", "site"],
                  how="left")
        .join(tellers.group_by("check", "site").agg(
            _tellers=pl.len(), _key=pl.col("record_key").sum()), on=["check", "site"], how="left")
        .with_columns(pl.col("_n", "_tellers", "_key").cast(pl.Int64).fill_null(0))
        .with_columns(_value=published(pl.col("_n"), pl.col("_key"), k))
        .cache()
    )  # fmt: skip
    everywhere = (
        cells.group_by("check")
        .agg(pl.col("_n", "_value").sum())
        .join(
            tellers.select("check", "storyteller_id").unique().group_by("check")
            .agg(_tellers=pl.len()),
            on="check", how="left",
        )
        .with_columns(pl.col("_tellers").cast(pl.Int64).fill_null(0),
                      site=pl.lit(None, dtype=pl.String))
    )  # fmt: skip
    # Each site's count published with its own key, the scope's the sum of them.
    consent = (
        _exclusions_in_scope(snapshot, params)
        .select(
            pl.concat_list(pl.lit("stories"), pl.lit("storytellers")).alias("detail"),
            pl.concat_list("stories", "storytellers").alias("_n"),
            pl.concat_list(
                pl.col("stories_key").fill_null(0), pl.col("storytellers_key").fill_null(0)
            ).alias("_key"),
        )
        .explode("detail", "_n", "_key")
        .with_columns(_value=published(pl.col("_n"), pl.col("_key"), k))
        .group_by("detail")
        .agg(pl.col("_n", "_value").sum())
        .join(
            pl.LazyFrame({"detail": ["stories", "storytellers"]}, schema={"detail": pl.String}),
            on="detail",
            how="right",
        )
        .with_columns(
            pl.col("_n", "_value").cast(pl.Int64).fill_null(0),
            check=pl.lit("missing_consent"),
            site=pl.lit(None, dtype=pl.String),
        )
        .with_columns(_tellers=pl.col("_n"))
    )
    rows = pl.concat(
        [
            frame.select(
                "check",
                "site",
                "detail" if "detail" in frame.collect_schema().names()
                else pl.lit(None, dtype=pl.String).alias("detail"),
                "_n",
                "_tellers",
                "_value",
            )
            for frame in (cells, everywhere, consent)
        ]
    )  # fmt: skip
    hidden = because(pl.col("_n") < k, pl.col("_tellers") < k, pl.col("_value") == 0)
    return rows.select(
        "check",
        "site",
        story_id=pl.lit(None, dtype=pl.Int64),
        detail="detail",
        value=pl.col("_value").cast(pl.Float64),
        **flagged_by("suppressed", hidden),
        **flagged_by("total_suppressed", because(pl.lit(False))),
    ).select("check", "site", "story_id", "detail", "value", *FLAGS_AND_REASONS)


def plan_representativeness(snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    sites = snapshot["sites"].select("site_id", "site")
    # Kept: the counts and the population both read the storytellers, and Polars would
    # repeat the joins for each reading.
    tellers = snapshot.derived(
        ("storytellers in scope", params.scope),
        lambda: (
            _coded_links(snapshot, params)
            .select("storyteller_id")
            .unique()
            .join(snapshot["storytellers"], on="storyteller_id")
            .join(sites, on="site_id")
            .select("storyteller_id", "site", "record_key")
        ),
    )
    reference = (
        snapshot["reference_shares"]
        .join(sites, on="site_id")
        .select("site", "attribute", "value", "share")
    )
    if params.sites or params.countries:
        reference = reference.join(tellers.select("site").unique(), on="site", how="semi")
    if params.unsuppressed:
        return representativeness(tellers, snapshot["demographics"], reference)
    return _published_representativeness(
        counts_of_representativeness(tellers, snapshot["demographics"], reference),
        _threshold(snapshot, params),
    )


def _published_representativeness(exact: pl.LazyFrame, k: int) -> pl.LazyFrame:
    """Each storyteller belongs to one site, so every cell is a cell within a site: each
    count is published with its own key, a line's total is the sum of its published cells,
    and shares, distances and scores come from those; a line holding a hidden cell keeps
    its distance and score to itself (`masked_by`)."""
    line = ["site", "attribute"]
    published_cells = exact.with_columns(
        _exact=pl.col("storytellers"),
        _exact_total=pl.col("storytellers").sum().over(line),
        _left_out=pl.col("left_out"),
        storytellers=published(pl.col("storytellers"), pl.col("key"), k),
        left_out=published(pl.col("left_out"), pl.col("left_out_key"), k),
    )
    table = representativeness_measures(published_cells).with_columns(
        **flagged_by(
            "suppressed", because(pl.col("_exact") < k, None, pl.col("storytellers") == 0)
        ),
        **flagged_by(
            "total_suppressed", because(pl.col("_exact_total") < k, None, pl.col("total") == 0)
        ),
        left_out=pl.when(pl.col("_left_out") >= k).then("left_out"),
    )
    for keys, columns in REPRESENTATIVENESS_RULE.masked_by:
        hidden = (pl.col("suppressed") | pl.col("total_suppressed")).any().over(list(keys))
        table = table.with_columns(pl.when(~hidden).then(pl.col(c)).alias(c) for c in columns)
    return table.select(*representativeness_columns, *FLAGS_AND_REASONS)


PREVALENCE_RULE = Rule(key="key", total_key="total_key")
# Prevalence arrives published from its plan (`_published_prevalence`): only hiding is left.
PUBLISHED_PREVALENCE_RULE = Rule(perturbed=True)
COMPARISON_RULE = Rule(
    perturbed=True,
    rows=("site",),
    derived=("share", "ci_low", "ci_high", "expected", "residual", "distinctive"),
    total_derived=("share", "ci_low", "ci_high", "expected", "residual", "distinctive"),
)
BREAKDOWN_RULE = Rule(
    rows=("site", "group"),
    columns=("site", "theme"),
    total_partition=("site",),
    key="key",
    total_key="total_key",
)
COOCCURRENCE_RULE = Rule(
    perturbed=True,
    derived=("jaccard", "lift"),
    rows=None,
    columns=None,
    total=None,
    total_weight=None,
    total_derived=(),
)
LINKS_RULE = Rule(
    perturbed=True,
    count="links",
    derived=("share",),
    rows=None,
    columns=None,
    total="units_challenge",
    total_weight="units_challenge",
    total_derived=("share",),
)
# The quality counts arrive published from their plan (the exact table is a listing).
QUALITY_RULE = Rule(
    perturbed=True,
    count="value",
    weight="value",
    derived=(),
    rows=None,
    columns=None,
    total=None,
    total_weight=None,
    total_derived=(),
)
# Agreement arrives published from its plan; the statistics go with a hidden count.
AGREEMENT_RULE = Rule(
    perturbed=True,
    count="positive",
    weight="positive",
    derived=(),
    rows=None,
    columns=None,
    total="units",
    total_weight="units",
    total_derived=(),
)
REPRESENTATIVENESS_RULE = Rule(
    perturbed=True,
    count="storytellers",
    derived=("share", "difference"),
    rows=("site", "attribute"),
    columns=("attribute", "value"),
    total="total",
    total_weight="total",
    total_derived=("share", "difference"),
    total_partition=("attribute",),
    small_counts=("left_out",),
    masked_by=((("site", "attribute"), ("tvd", "score")), (("site",), ("site_score",))),
)


@dataclass(frozen=True)
class Insight:
    """One kind of analysis: how to plan it, how to protect it, how to order its rows, and
    which fields of `AnalysisParams` beyond scope and disclosure its plan reads."""

    plan: Callable[[Snapshot, AnalysisParams], pl.LazyFrame]
    rule: Rule | None
    order: tuple[str, ...]
    descending: tuple[bool, ...] = ()
    reads: tuple[str, ...] = ()

    @property
    def parameters(self) -> frozenset[str]:
        """Every field of `AnalysisParams` this kind reads; any other is refused when set."""
        return frozenset((*SCOPE_FIELDS, *DISCLOSURE_FIELDS, *self.reads))


PERMUTATION_TEST = ("presence", "permutations", "seed", "alpha")

INSIGHTS: dict[str, Insight] = {
    "prevalence": Insight(
        plan_prevalence, PUBLISHED_PREVALENCE_RULE, ("group", "theme"), reads=("by", "presence")
    ),
    "comparison": Insight(
        plan_comparison, COMPARISON_RULE, ("theme", "site"), reads=PERMUTATION_TEST
    ),
    "distinctive": Insight(
        plan_distinctive,
        None,
        ("site", "residual", "theme"),
        (False, True, False),
        reads=PERMUTATION_TEST,
    ),
    "breakdown": Insight(
        plan_breakdown, BREAKDOWN_RULE, ("site", "group", "theme"), reads=("by", "presence")
    ),
    "cooccurrence": Insight(
        plan_cooccurrence, COOCCURRENCE_RULE, ("theme_a", "theme_b"), reads=("presence",)
    ),
    "links": Insight(plan_links, LINKS_RULE, ("challenge", "vision"), reads=("presence", "via")),
    "agreement": Insight(plan_agreement, AGREEMENT_RULE, ("theme",), reads=("coders",)),
    "quality": Insight(
        plan_quality,
        QUALITY_RULE,
        ("check", "site", "story_id", "detail"),
        reads=("detect_language", "near_duplicates", "near_duplicate_threshold"),
    ),
    "representativeness": Insight(
        plan_representativeness,
        REPRESENTATIVENESS_RULE,
        ("site", "attribute", "value"),
        reads=("presence",),
    ),
}

KINDS = tuple(INSIGHTS)


def plan(kind: str, snapshot: Snapshot, params: AnalysisParams) -> pl.LazyFrame:
    """The complete lazy plan of one analysis request, protected and in a stable order."""
    insight = INSIGHTS.get(kind)
    if insight is None:
        raise NotFound(
            _("There is no analysis “{value}”: choose one of {choices}.").format(
                value=kind, choices=format_list(KINDS, "or")
            )
        )
    params.validate(snapshot.demographic_attributes)
    protected = protect(
        insight.plan(snapshot, params),
        insight.rule,
        _threshold(snapshot, params),
        disclose=params.unsuppressed,
    )
    descending = list(insight.descending) or False
    return protected.sort(list(insight.order), descending=descending, nulls_last=True)


def refuse_unsupported(kind: str, params: AnalysisParams) -> None:
    """Raise InvalidInput naming each parameter set that analysis `kind` would ignore."""
    errors = unsupported(kind, params, INSIGHTS[kind].parameters)
    if errors:
        raise InvalidInput(_("This analysis does not take some of the parameters given."), errors)


def run(kind: str, snapshot: Snapshot, params: AnalysisParams | None = None) -> pl.DataFrame:
    """Run one analysis: one plan, one collect."""
    return plan(kind, snapshot, params or AnalysisParams()).collect()


# How many plans `collect_many` builds and collects at once. Each is a Polars query using
# every core, but each also has stretches on one core (building its plan, disclosure control
# in Python, small joins): with two in flight the other's work fills them. A third adds about
# 80 MiB at 10^6 stories (over the suite's 1 GiB) and no speed on two cores.
CONCURRENT_ANALYSES = 2


def collect_many(builds: Sequence[Callable[[], pl.LazyFrame]]) -> list[pl.DataFrame]:
    """Build and collect several plans of one snapshot at once; the tables in order.

    The frames the snapshot keeps are built once whichever plan asks first (the others
    wait for it), so plans sharing them lose nothing by running side by side.
    """
    with ThreadPoolExecutor(max_workers=CONCURRENT_ANALYSES) as pool:
        return list(pool.map(lambda build: build().collect(), builds))


def run_many(
    snapshot: Snapshot, requests: Sequence[tuple[str, AnalysisParams]]
) -> list[pl.DataFrame]:
    """Run several analyses of one snapshot at once (a briefing's, the benchmark's suite)."""
    return collect_many([partial(plan, kind, snapshot, params) for kind, params in requests])
