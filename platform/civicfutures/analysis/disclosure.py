"""Disclosure control of published tables: the cell key method, and suppression of small cells.

The cell key method (ABS TableBuilder; ONS, 2021 census) protects every table whose rule names
a cell key (prevalence, breakdown, and the comparison computed from published cells):

- Each storyteller holds a random record key (0…255, `db/record_key.py`); a cell's key is the
  sum of its storytellers' keys (modulo 256 when looked up). The insight computes it beside
  the counts (`prevalence.KEYS`); it never leaves this module.
- `published_counts` replaces each count by its published value from the perturbation table
  (`ptable.py`): the same count with the same key always publishes the same value.
- `flags`: a cell is `suppressed` when its true count (or its storytellers) is below k, and
  `reshare` adds cells whose published count is 0; shares and Wilson intervals come from the
  published counts. `conceal` empties every value of a flagged cell.

Every flag has a reason beside it (`suppressed_reason`, `total_suppressed_reason`), so that
what a reader is told about a hidden cell is true of it: `few` (its true count is below k),
`few_storytellers` (its count is k or more, but it rests on fewer than k storytellers) or
`protects` (hidden to protect a small group: a cell added by secondary suppression, or a sum
of small cells within sites that all published as 0, whose total may well be k or more).
- Coarser groups of prevalence are sums of published cells within sites (`suite.py`), so a
  difference of two groups publishes nothing the cells did not.

The same holds for every other published table: co-occurrence, links, representativeness,
coder agreement and the quality counts (`suite.py`) publish counts of their cells within
sites, each perturbed with its own key (`perturbed_sum`), and the shares, rates and
statistics computed from them; nothing is hidden to protect another cell.

`suppress` below (primary and secondary suppression) is the older protection, kept for
callers that protect a table without cell keys:

Primary suppression: a cell whose count rests on at least one and fewer than k storytellers is
suppressed; its count, its share and interval, its storyteller count and every other value
derived from it become null and `suppressed` is true. A group's `total` resting on fewer than
k storytellers is suppressed the same way (`total_suppressed`), taking the group's shares with it.

Secondary suppression: the cells of a row (one group across themes) and of a column (one theme
across groups) may add up to a figure published elsewhere. A line holding exactly one
suppressed cell would give that cell away by subtraction, so the smallest other cell of the
line (preferring non-zero counts) is suppressed too, repeated until every line holds none or
at least two. Group totals get the same treatment within their partition.

Summaries computed from several cells of a line (a representativeness score) are nulled on
lines holding a suppressed cell (`Rule.masked_by`).

Known limits: listed in README's Disclosure control section.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import partial

import polars as pl

from civicfutures.analysis.inference import wilson
from civicfutures.analysis.ptable import published

# How an exact working table says, inside every file it is written to, that it is not to be
# published: a first column of this name in CSV, metadata in Parquet and XLSX.
PUBLICATION_COLUMN = "publication"
NOT_FOR_PUBLICATION = "not for publication"
PUBLISHED = "published"

# Columns holding cell keys (`prevalence.KEYS`), dropped from everything published.
KEY_COLUMNS = ("key", "total_key")

# Why a cell is hidden: the values of a flag's reason column (null where it is shown).
FEW = "few"
FEW_STORYTELLERS = "few_storytellers"
PROTECTS = "protects"
REASONS = (FEW, FEW_STORYTELLERS, PROTECTS)
FLAGS = ("suppressed", "total_suppressed")
FLAGS_AND_REASONS = (
    "suppressed",
    "total_suppressed",
    "suppressed_reason",
    "total_suppressed_reason",
)


def reason_column(flag: str) -> str:
    """The column saying why `flag` hides a cell: `suppressed` → `suppressed_reason`."""
    return f"{flag}_reason"


def because(
    few: pl.Expr, storytellers: pl.Expr | None = None, emptied: pl.Expr | None = None
) -> pl.Expr:
    """A reason column from the conditions that hide a cell, the most telling first.

    `few`: its true count is below k; `storytellers`: it rests on fewer than k of them;
    `emptied`: its published count is 0 although no condition before says it is small.
    """
    expr = pl.when(few.fill_null(False)).then(pl.lit(FEW))
    if storytellers is not None:
        expr = expr.when(storytellers.fill_null(False)).then(pl.lit(FEW_STORYTELLERS))
    if emptied is not None:
        expr = expr.when(emptied.fill_null(False)).then(pl.lit(PROTECTS))
    return expr.otherwise(pl.lit(None, dtype=pl.String))


def flagged_by(flag: str, reason: pl.Expr) -> dict[str, pl.Expr]:
    """The flag and its reason column, the flag true exactly where a reason is given."""
    return {flag: reason.is_not_null(), reason_column(flag): reason}


def reasons_of(table: pl.DataFrame, flag: str, count: str, weight: str, k: int) -> pl.Series:
    """Reasons for a flag set by primary suppression (storytellers in 1…k − 1) and completed
    by secondary suppression: a flagged cell that is not small itself protects another."""
    small = _small(weight, k)
    return table.select(
        pl.when(~pl.col(flag))
        .then(pl.lit(None, dtype=pl.String))
        .when(small & (pl.col(count).fill_null(0) < k))
        .then(pl.lit(FEW))
        .when(small)
        .then(pl.lit(FEW_STORYTELLERS))
        .otherwise(pl.lit(PROTECTS))
        .alias(reason_column(flag))
    ).to_series()


@dataclass(frozen=True)
class Rule:
    """How one kind of table is protected: which columns are cells, lines and totals."""

    count: str = "stories"
    weight: str = "storytellers"
    derived: tuple[str, ...] = ("share", "ci_low", "ci_high")
    rows: tuple[str, ...] | None = ("group",)
    columns: tuple[str, ...] | None = ("theme",)
    total: str | None = "total"
    total_weight: str | None = "total_storytellers"
    total_derived: tuple[str, ...] = ("share", "ci_low", "ci_high")
    total_partition: tuple[str, ...] = ()
    small_counts: tuple[str, ...] = ()
    """Further count columns of people, each nulled alone when between 1 and k − 1."""
    masked_by: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    """(keys, columns): summaries computed from several cells (a distance, a score) are nulled
    on every row of a `keys` group holding a suppressed cell, since they could be solved
    back into the hidden cells."""
    key: str | None = None
    """The cell key column: the table's counts are perturbed (the cell key method)."""
    total_key: str | None = None
    perturbed: bool = False
    """The counts arrive perturbed and flagged already (a table computed from published
    cells, such as the comparison): only the hiding is left to do."""


def _small(weight: str, k: int) -> pl.Expr:
    return (pl.col(weight) > 0) & (pl.col(weight) < k)


@dataclass(frozen=True)
class Lines:
    """The lines of one dimension of a table (its rows, or its columns): which line each
    cell lies on (`of`, line numbers in order of first appearance) and each line's cells."""

    of: list[int]
    members: list[list[int]]


def _lines(table: pl.DataFrame, keys: list[str]) -> Lines:
    cells = (
        table.select(keys)
        .with_row_index("_cell")
        .group_by(keys, maintain_order=True)
        .agg("_cell")
        .with_row_index("_line")
    )
    of = cells.select("_line", "_cell").explode("_cell").sort("_cell")["_line"].to_list()
    return Lines(of=of, members=cells["_cell"].to_list())


def _one_line(cells: int) -> Lines:
    return Lines(of=[0] * cells, members=[list(range(cells))])


def _complete_lines(counts: list[int], flagged: list[bool], lines: list[Lines]) -> list[bool]:
    """Secondary suppression: flag more cells until no line holds exactly one flagged cell.

    `lines[d]` are the lines along dimension d (the rows, the columns).
    An exposed line gets the cell that protects best: first one whose line in another
    dimension is itself exposed (one cell fixes two lines), then one that exposes no new line,
    then a non-zero count, then the smallest count.
    """
    flagged = list(flagged)
    tally = [[0] * len(dimension.members) for dimension in lines]
    marked = [cell for cell, flag in enumerate(flagged) if flag]
    for d, dimension in enumerate(lines):
        for cell in marked:
            tally[d][dimension.of[cell]] += 1

    def exposed(d: int, line: int) -> bool:
        return tally[d][line] == 1 and len(lines[d].members[line]) >= 2

    def cost(d: int, cell: int) -> tuple:
        others = [e for e in range(len(lines)) if e != d]
        if any(exposed(e, lines[e].of[cell]) for e in others):
            shared = 0
        elif (
            all(
                tally[e][lines[e].of[cell]] == 0 and len(lines[e].members[lines[e].of[cell]]) >= 2
                for e in others
            )
            and others
        ):
            shared = 2
        else:
            shared = 1
        return (shared, counts[cell] == 0, counts[cell], cell)

    # Only lines holding a flagged cell can be exposed: the scan stays proportional to them.
    queue = deque(
        (d, line)
        for d, dimension in enumerate(lines)
        for line in sorted({dimension.of[cell] for cell in marked})
        if exposed(d, line)
    )
    while queue:
        d, line = queue.popleft()
        if not exposed(d, line):
            continue
        candidates = [c for c in lines[d].members[line] if not flagged[c]]
        chosen = min(candidates, key=lambda c: cost(d, c))
        flagged[chosen] = True
        for e, dimension in enumerate(lines):
            crossed = dimension.of[chosen]
            tally[e][crossed] += 1
            if exposed(e, crossed):
                queue.append((e, crossed))
    return flagged


def suppress(table: pl.DataFrame, rule: Rule, k: int) -> pl.DataFrame:
    """Apply primary and secondary suppression to a collected table (small: one row per cell)."""
    dimensions = [list(d) for d in (rule.rows, rule.columns) if d]
    # Ties between candidate cells are broken by position: fix the order first, so the same
    # table gives the same suppression whatever order an engine produced its rows in.
    keys = list(dict.fromkeys(key for d in dimensions for key in d))
    if keys:
        table = table.sort(keys, nulls_last=True)
    table = table.with_columns(suppressed=_small(rule.weight, k))
    if dimensions:
        flagged = _complete_lines(
            table[rule.count].fill_null(0).to_list(),
            table["suppressed"].to_list(),
            [_lines(table, keys) for keys in dimensions],
        )
        table = table.with_columns(suppressed=pl.Series(flagged, dtype=pl.Boolean))
    table = table.with_columns(reasons_of(table, "suppressed", rule.count, rule.weight, k))
    nulls = [rule.count, rule.weight, *rule.derived]
    table = table.with_columns(
        pl.when(~pl.col("suppressed")).then(pl.col(c)).alias(c) for c in dict.fromkeys(nulls)
    )
    if rule.total and rule.total_weight and rule.rows:
        table = _suppress_totals(table, rule, k)
    else:
        table = table.with_columns(
            total_suppressed=pl.lit(False),
            total_suppressed_reason=pl.lit(None, dtype=pl.String),
        )
    table = table.with_columns(
        pl.when(~_small(c, k)).then(pl.col(c)).alias(c) for c in rule.small_counts
    )
    for keys, columns in rule.masked_by:
        hidden = (pl.col("suppressed") | pl.col("total_suppressed")).any().over(list(keys))
        table = table.with_columns(pl.when(~hidden).then(pl.col(c)).alias(c) for c in columns)
    return table


def _suppress_totals(table: pl.DataFrame, rule: Rule, k: int) -> pl.DataFrame:
    rows = list(rule.rows or ())
    partition = list(rule.total_partition)
    assert rule.total and rule.total_weight
    groups = (
        table.select(*dict.fromkeys([*rows, *partition, rule.total, rule.total_weight]))
        .unique(subset=rows, keep="first", maintain_order=True)
        .with_columns(total_suppressed=_small(rule.total_weight, k))
    )
    # Totals of a partition add up to its margin; with no partition the whole table is one.
    flagged = _complete_lines(
        groups[rule.total].fill_null(0).to_list(),
        groups["total_suppressed"].to_list(),
        [_lines(groups, partition) if partition else _one_line(groups.height)],
    )
    groups = groups.with_columns(total_suppressed=pl.Series(flagged, dtype=pl.Boolean))
    groups = groups.with_columns(
        reasons_of(groups, "total_suppressed", rule.total, rule.total_weight, k)
    )
    table = table.join(
        groups.select(*rows, "total_suppressed", "total_suppressed_reason"),
        on=rows,
        how="left",
        nulls_equal=True,
    )
    nulls = [rule.total, rule.total_weight, *rule.total_derived]
    return table.with_columns(
        pl.when(~pl.col("total_suppressed")).then(pl.col(c)).alias(c) for c in dict.fromkeys(nulls)
    )


def _without_keys(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Cell keys never leave disclosure control: with them the perturbation could be undone."""
    names = lf.collect_schema().names()
    return lf.drop([name for name in KEY_COLUMNS if name in names])


def unsuppressed(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The table as computed, with the flags every published table carries (all false)."""
    return _without_keys(lf).with_columns(
        suppressed=pl.lit(False),
        total_suppressed=pl.lit(False),
        suppressed_reason=pl.lit(None, dtype=pl.String),
        total_suppressed_reason=pl.lit(None, dtype=pl.String),
    )


def flags(lf: pl.LazyFrame, rule: Rule, k: int) -> pl.LazyFrame:
    """`suppressed`: the cell's true count (or its storytellers) is below k; `total_suppressed`
    likewise for the group's total. Read from exact counts, before they are perturbed."""
    assert rule.total and rule.total_weight
    return lf.with_columns(
        **flagged_by("suppressed", because(pl.col(rule.count) < k, pl.col(rule.weight) < k)),
        **flagged_by(
            "total_suppressed", because(pl.col(rule.total) < k, pl.col(rule.total_weight) < k)
        ),
    )


def published_counts(lf: pl.LazyFrame, rule: Rule, k: int) -> pl.LazyFrame:
    """The table with each count replaced by its published value (ptable, cell key); the
    keys dropped. Nothing is flagged or hidden."""
    assert rule.key and rule.total_key and rule.total and rule.total_weight
    cells, totals = (rule.count, rule.weight), (rule.total, rule.total_weight)
    return _without_keys(
        lf.with_columns(
            **{c: published(pl.col(c), pl.col(rule.key), k) for c in cells},
            **{c: published(pl.col(c), pl.col(rule.total_key), k) for c in totals},
        )
    )


def perturbed_sum(
    cells: pl.LazyFrame, by: list[str], counts: dict[str, str], k: int
) -> pl.LazyFrame:
    """The finest cells' counts published (each count column with its key column, as
    `counts` maps them) and added up by `by`.

    A coarser cell is the sum of its published cells: the difference of two coarser cells
    gives only the published cells between them, never anything exact.
    """
    return (
        cells.with_columns(
            published(pl.col(count), pl.col(key), k).alias(count) for count, key in counts.items()
        )
        .group_by(by)
        .agg(pl.col(count).sum() for count in counts)
    )


def reshare(lf: pl.LazyFrame, rule: Rule) -> pl.LazyFrame:
    """Shares and Wilson intervals from the published counts, and a published count of 0
    flagged too (never shown as a share)."""
    assert rule.total
    count, total = rule.count, rule.total
    # A published 0 whose exact count is not small is a sum of small cells within sites.
    reason = pl.coalesce(
        pl.col("suppressed_reason"),
        pl.when(pl.col(count) == 0).then(pl.lit(PROTECTS)),
    )
    flagged = lf.with_columns(**flagged_by("suppressed", reason))
    if "share" not in rule.derived:
        return flagged
    # A perturbed count may pass its perturbed total; the share stays a share.
    shown = pl.min_horizontal(count, total)
    low, high = wilson(shown, pl.col(total))
    return flagged.with_columns(
        share=pl.when(pl.col(total) > 0).then(shown / pl.col(total)), ci_low=low, ci_high=high
    )


def perturb(lf: pl.LazyFrame, rule: Rule, k: int) -> pl.LazyFrame:
    """The published counts of a table of exact cells, flagged, with shares from them.

    Nothing is hidden yet (`conceal` does it): a table computed from published cells (the
    comparison) reads them all first.
    """
    return reshare(published_counts(flags(lf, rule, k), rule, k), rule)


def conceal(lf: pl.LazyFrame, rule: Rule) -> pl.LazyFrame:
    """Null every value of a flagged cell, and the totals and shares of a flagged group."""
    cells = [rule.count, rule.weight, *rule.derived]
    totals = [c for c in (rule.total, rule.total_weight, *rule.total_derived) if c]
    return lf.with_columns(
        pl.when(~pl.col("suppressed")).then(pl.col(c)).alias(c) for c in dict.fromkeys(cells)
    ).with_columns(
        pl.when(~pl.col("total_suppressed")).then(pl.col(c)).alias(c) for c in dict.fromkeys(totals)
    )


def protect(lf: pl.LazyFrame, rule: Rule | None, k: int, *, disclose: bool = False) -> pl.LazyFrame:
    """Publish a planned table, lazily (runs once the plan is collected).

    `disclose=True` publishes the exact working table; the caller has already checked the
    right to ask. A table without a rule (coder agreement, the quality listing) counts no
    storytellers.
    """
    if disclose or rule is None:
        return unsuppressed(lf)
    if rule.perturbed:
        return conceal(lf, rule)
    if rule.key:
        return conceal(perturb(lf, rule, k), rule)
    schema = unsuppressed(lf).collect_schema()
    return lf.map_batches(partial(_suppress_in_order, rule=rule, k=k, schema=schema), schema=schema)


def _suppress_in_order(
    table: pl.DataFrame, *, rule: Rule, k: int, schema: pl.Schema
) -> pl.DataFrame:
    return suppress(table, rule, k).select(list(schema.names()))
