"""The analysis suite written again in DuckDB SQL over the same Parquet snapshot.

Two uses: the benchmark times it against the Polars suite, and the tests check that both give
the same tables. It covers the default request (statuses submitted/reviewed, theme present when
any coder coded it, links through storytellers) for prevalence, comparison, breakdown,
co-occurrence, links, agreement, representativeness and the quick quality checks. The
per-theme p-values and disclosure control reuse the same Python code as the Polars suite,
so the comparison is of the engines, not of two implementations of a test.

It is tuned as the Polars suite is, so that the benchmark compares two careful programs:
each Parquet file is read once, into temporary tables of only the columns the suite reads
(`connect`); themes are small integers (their sort order kept) and every join is on an
integer key, the names joined back only onto the finished tables; distinct counts are
`DISTINCT` rows counted rather than `count(DISTINCT)`; the cells by site and within sites
by a demographic attribute are built once per connection and kept, and the counts by
country, project or demographic group are their sums when no storyteller in scope told
stories at two sites (checked once, counted directly otherwise), as the Polars suite does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from civicfutures.analysis.disclosure import suppress, unsuppressed
from civicfutures.analysis.inference import Z95, p_values
from civicfutures.analysis.params import DEFAULT_STATUSES
from civicfutures.analysis.suite import (
    BREAKDOWN_RULE,
    COMPARISON_RULE,
    COOCCURRENCE_RULE,
    INSIGHTS,
    LINKS_RULE,
    PREVALENCE_RULE,
    REPRESENTATIVENESS_RULE,
)

# Two cores: the benchmark's machine, and what the Polars suite has.
THREADS = 2

# The small tables, read where they are needed (a few hundred rows at most).
SMALL = ("project", "sites", "workshops", "themes", "reference_shares", "exclusions")


def _parquet(directory: Path | str, name: str) -> str:
    path = str(Path(directory) / f"{name}.parquet").replace("'", "''")
    return f"read_parquet('{path}')"


def connect(directory: Path | str, threads: int | None = THREADS) -> duckdb.DuckDBPyConnection:
    """A connection holding what the suite reads of a snapshot, each large file scanned once.

    - `th`: the themes with `tid`, their rank in theme order (so `tid` order is theme order);
    - `all_stories`: every story's ids, kind, language and status; `scoped`: those the
      request covers; `told`: (story_id, storyteller_id) of the scoped stories, the
      story's site, workshop and kind carried;
    - `codes`: each (story, theme, coder) once, `tid` null for a theme outside the codebook;
      `present`: each (story, theme) of a scoped story once;
    - `tellers`: every storyteller's own site and `demo`: the demographics, both as read.
    """
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    # The finished tables are sorted in Python: no query needs DuckDB to keep row order.
    con.execute("SET preserve_insertion_order = false")
    for name in SMALL:
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {_parquet(directory, name)}")
    statuses = ", ".join(f"'{s}'" for s in DEFAULT_STATUSES)
    con.execute(
        "CREATE TEMP TABLE th AS SELECT (row_number() OVER (ORDER BY theme) - 1)::SMALLINT AS tid,"
        " theme, kind FROM themes"
    )
    con.execute(
        "CREATE TEMP TABLE all_stories AS SELECT story_id, site_id, workshop_id, kind, language,"
        f" status IN ({statuses}) AS in_scope, status = 'draft' AS draft"
        f" FROM {_parquet(directory, 'stories')}"
    )
    con.execute(
        "CREATE TEMP TABLE scoped AS SELECT story_id, site_id, workshop_id, kind, language"
        " FROM all_stories WHERE in_scope"
    )
    con.execute(
        "CREATE TEMP TABLE told AS SELECT ss.story_id, ss.storyteller_id, s.site_id,"
        " s.workshop_id, s.kind"
        f" FROM {_parquet(directory, 'story_storytellers')} ss JOIN scoped s USING (story_id)"
    )
    con.execute(
        "CREATE TEMP TABLE codes AS SELECT DISTINCT c.story_id, th.tid, c.coder"
        f" FROM {_parquet(directory, 'codings')} c LEFT JOIN th USING (theme)"
    )
    con.execute(
        "CREATE TEMP TABLE present AS SELECT DISTINCT story_id, tid FROM codes"
        " WHERE tid IS NOT NULL AND story_id IN (SELECT story_id FROM scoped)"
    )
    con.execute(
        "CREATE TEMP TABLE tellers AS SELECT storyteller_id, site_id"
        f" FROM {_parquet(directory, 'storytellers')}"
    )
    con.execute(
        "CREATE TEMP TABLE demo AS SELECT storyteller_id, attribute, value"
        f" FROM {_parquet(directory, 'demographics')}"
    )
    con.execute(
        "CREATE TEMP TABLE translated AS SELECT story_id, language"
        f" FROM {_parquet(directory, 'translations')}"
    )
    return con


def _wilson(x: str, n: str) -> str:
    z2 = Z95 * Z95
    p = f"({x}::DOUBLE / {n})"
    centre = f"(({p} + {z2} / (2.0 * {n})) / (1 + {z2} / {n}))"
    half = f"({Z95} * sqrt({p} * (1 - {p}) / {n} + {z2} / (4.0 * {n} * {n})) / (1 + {z2} / {n}))"
    low = f"CASE WHEN {n} > 0 THEN greatest(0.0, least({centre} - {half}, {p})) END"
    high = f"CASE WHEN {n} > 0 THEN least(1.0, greatest({centre} + {half}, {p})) END"
    return f"{low} AS ci_low, {high} AS ci_high"


STRUCTURAL = {
    "site": "t.site_id",
    "country": "si.country",
    "project": "(SELECT project FROM project)",
    "story_kind": "t.kind",
    "workshop_kind": "w.kind",
}


def _memberships(by: str) -> str:
    """SQL of (story_id, storyteller_id, site_id, grp) for a grouping, as `scope.groups`."""
    if by in STRUCTURAL:
        joined = {
            "country": " JOIN sites si ON si.site_id = t.site_id",
            "workshop_kind": " LEFT JOIN workshops w USING (workshop_id)",
        }.get(by, "")
        return (
            f"SELECT t.story_id, t.storyteller_id, t.site_id, {STRUCTURAL[by]} AS grp"
            f" FROM told t{joined}"
        )
    attribute = by.replace("'", "''")
    return f"""
        SELECT t.story_id, t.storyteller_id, t.site_id, coalesce(d.value, 'not_recorded') AS grp
        FROM told t
        LEFT JOIN (SELECT storyteller_id, value FROM demo WHERE attribute = '{attribute}') d
        USING (storyteller_id)"""


def _same(keys: list[str], left: str, right: str) -> str:
    return " AND ".join(f"{left}.{k} IS NOT DISTINCT FROM {right}.{k}" for k in keys)


def _counted_cells(by: str, keys: list[str]) -> str:
    """SQL of the exact cells (keys, tid, stories, total, storytellers, total_storytellers)
    of every group of `keys` in the memberships of `by` and every theme, counted directly."""
    k = ", ".join(keys)
    return f"""
        WITH m AS ({_memberships(by)}),
        ms AS (SELECT DISTINCT {k}, story_id FROM m),
        totals AS (
            SELECT a.*, b.total_storytellers
            FROM (SELECT {k}, count(*) AS total FROM ms GROUP BY ALL) a
            JOIN (SELECT {k}, count(*) AS total_storytellers
                  FROM (SELECT DISTINCT {k}, storyteller_id FROM m) GROUP BY ALL) b
            ON {_same(keys, "a", "b")}),
        st AS (SELECT {k}, p.tid, count(*) AS stories
               FROM ms JOIN present p USING (story_id) GROUP BY ALL),
        tt AS (SELECT {k}, tid, count(*) AS storytellers
               FROM (SELECT DISTINCT {k}, m.storyteller_id, p.tid
                     FROM m JOIN present p USING (story_id))
               GROUP BY ALL)
        SELECT {", ".join(f"t.{key}" for key in keys)}, th.tid,
               coalesce(st.stories, 0) AS stories, t.total,
               coalesce(tt.storytellers, 0) AS storytellers, t.total_storytellers
        FROM totals t CROSS JOIN th
        LEFT JOIN st ON {_same(keys, "st", "t")} AND st.tid = th.tid
        LEFT JOIN tt ON {_same(keys, "tt", "t")} AND tt.tid = th.tid
    """


def _kept(con: duckdb.DuckDBPyConnection, name: str, sql: str) -> str:
    """A temporary table built once per connection: the analyses that share it read it."""
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} AS {sql}")
    return name


def _table_name(by: str) -> str:
    return "cells_" + re.sub(r"[^a-z0-9_]", "_", by.lower())


def _site_cells(con: duckdb.DuckDBPyConnection) -> str:
    return _kept(con, "cells_by_site", _counted_cells("site", ["site_id"]))


def _cells_within_sites(con: duckdb.DuckDBPyConnection, by: str) -> str:
    return _kept(con, _table_name(by) + "_within_sites", _counted_cells(by, ["site_id", "grp"]))


def _tellers_in_one_site(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether no storyteller in scope told stories at two sites (then groups of sites add up)."""
    spread = con.sql(
        "SELECT count(*) FROM (SELECT storyteller_id FROM told GROUP BY storyteller_id"
        " HAVING min(site_id) <> max(site_id))"
    ).fetchall()
    return spread[0][0] == 0


def _summed(cells: str, group: str, join: str = "") -> str:
    """The cells of a coarser grouping as sums of finer cells (each a site's, or within one)."""
    return f"""
        SELECT {group} AS grp, tid, sum(stories)::BIGINT AS stories, sum(total)::BIGINT AS total,
               sum(storytellers)::BIGINT AS storytellers,
               sum(total_storytellers)::BIGINT AS total_storytellers
        FROM {cells} c {join} GROUP BY ALL
    """


def _cells(con: duckdb.DuckDBPyConnection, by: str) -> str:
    """SQL of the exact cells of prevalence by `by` (grp, tid, counts)."""
    if by == "site":
        return f"SELECT site_id AS grp, * EXCLUDE (site_id) FROM {_site_cells(con)}"
    if by in ("country", "project") and _tellers_in_one_site(con):
        if by == "country":
            return _summed(_site_cells(con), "si.country", "JOIN sites si USING (site_id)")
        return _summed(_site_cells(con), "(SELECT project FROM project)")
    if by not in STRUCTURAL and _tellers_in_one_site(con):
        return _summed(_cells_within_sites(con, by), "grp")
    return _counted_cells(by, ["grp"])


def _shaped(cells: str, keys: dict[str, str]) -> str:
    """Cells with their names (theme, `keys` as named) and share and interval added."""
    names = ", ".join(f"{expression} AS {name}" for name, expression in keys.items())
    return f"""
        SELECT {names}, th.theme, c.stories, c.total,
               CASE WHEN c.total > 0 THEN c.stories::DOUBLE / c.total END AS share,
               {_wilson("c.stories", "c.total")},
               c.storytellers, c.total_storytellers
        FROM ({cells}) c JOIN th USING (tid)
    """


SITE_SLUG = "(SELECT site FROM sites si WHERE si.site_id = c.site_id)"
SITE_OF_GROUP = "(SELECT site FROM sites si WHERE si.site_id = c.grp)"


def prevalence(con: duckdb.DuckDBPyConnection, by: str = "site") -> pl.DataFrame:
    group = SITE_OF_GROUP if by == "site" else "c.grp"
    return con.sql(_shaped(_cells(con, by), {"group": group})).pl()


def breakdown(con: duckdb.DuckDBPyConnection, attribute: str) -> pl.DataFrame:
    cells = f"SELECT * FROM {_cells_within_sites(con, attribute)}"
    return con.sql(_shaped(cells, {"site": SITE_SLUG, "group": "c.grp"})).pl()


def comparison(
    con: duckdb.DuckDBPyConnection,
    permutations: int = 9999,
    seed: int = 20250315,
    alpha: float = 0.05,
) -> pl.DataFrame:
    cells_sql = f"""
        WITH cells AS ({_shaped(_cells(con, "site"), {"site": SITE_OF_GROUP})}),
        marg AS (
            SELECT *, sum(total) OVER (PARTITION BY theme)::DOUBLE AS n_all,
                      sum(stories) OVER (PARTITION BY theme)::DOUBLE AS x_all
            FROM cells WHERE total > 0)
        SELECT site, theme, stories, total, share, ci_low, ci_high,
               total * x_all / n_all AS expected,
               total * (n_all - x_all) / n_all AS expected_absent,
               n_all, x_all, storytellers, total_storytellers
        FROM marg
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE site_cells AS {cells_sql}")
    tests = con.sql(
        """
        SELECT theme, count(*) AS sites, any_value(n_all) AS n, any_value(x_all) AS x,
               sum((stories - expected) ^ 2 / expected
                   + (stories - expected) ^ 2 / expected_absent) AS statistic,
               least(min(expected), min(expected_absent)) AS smallest,
               count(*) FILTER (WHERE expected < 5) + count(*) FILTER (WHERE expected_absent < 5)
                   AS small,
               list(stories ORDER BY site) AS present, list(total ORDER BY site) AS totals
        FROM site_cells GROUP BY theme
        """
    ).pl()
    too_few = (pl.col("sites") < 2) | (pl.col("x") == 0) | (pl.col("x") == pl.col("n"))
    tests = tests.with_columns(
        too_few_to_compare=too_few,
        dof=(pl.col("sites") - 1).cast(pl.Int64),
        test=pl.when(too_few)
        .then(pl.lit("none"))
        .when((pl.col("smallest") >= 1) & (pl.col("small") <= 0.2 * 2 * pl.col("sites")))
        .then(pl.lit("chi_square"))
        .when(pl.col("sites") == 2)
        .then(pl.lit("fisher_exact"))
        .otherwise(pl.lit("permutation")),
    )
    tests = tests.with_columns(
        p_value=p_values(permutations, seed)(
            tests.select(
                pl.struct("theme", "test", "statistic", "dof", "present", "totals")
            ).to_series()
        ),
        statistic=pl.when(~pl.col("too_few_to_compare")).then(pl.col("statistic")),
    ).select("theme", "test", "statistic", "dof", "p_value", "too_few_to_compare")
    con.register("theme_tests", tests.to_arrow())
    return (
        con.sql(
            """
        SELECT c.site, c.theme, c.stories, c.total, c.share, c.ci_low, c.ci_high, c.expected,
               CASE WHEN NOT t.too_few_to_compare AND c.x_all > 0 THEN
                   (c.stories - c.expected)
                   / sqrt(c.expected * (1 - c.total / c.n_all) * (1 - c.x_all / c.n_all))
               END AS residual,
               t.test, t.statistic, t.dof, t.p_value, t.too_few_to_compare,
               c.storytellers, c.total_storytellers
        FROM site_cells c JOIN theme_tests t USING (theme)
        """
        )
        .pl()
        .with_columns(
            distinctive=(
                (pl.col("residual") > 1.96)
                & (pl.col("p_value") < alpha)
                & ~pl.col("too_few_to_compare")
            ).fill_null(False)
        )
        .select(INSIGHT_COLUMNS["comparison"])
    )


def cooccurrence(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        """
        WITH pairs AS (
            SELECT a.story_id, a.tid AS ta, b.tid AS tb
            FROM present a JOIN present b ON a.story_id = b.story_id AND a.tid < b.tid),
        counts AS (SELECT ta, tb, count(*) AS stories FROM pairs GROUP BY ALL),
        tellers AS (
            SELECT ta, tb, count(*) AS storytellers
            FROM (SELECT DISTINCT p.ta, p.tb, t.storyteller_id
                  FROM pairs p JOIN told t USING (story_id))
            GROUP BY ALL),
        singles AS (SELECT tid, count(*) AS stories FROM present GROUP BY tid),
        n AS (SELECT count(*)::DOUBLE AS n FROM scoped)
        SELECT a.theme AS theme_a, b.theme AS theme_b, c.stories,
               sa.stories AS stories_a, sb.stories AS stories_b,
               c.stories::DOUBLE / (sa.stories + sb.stories - c.stories) AS jaccard,
               c.stories * n.n / (sa.stories * sb.stories) AS lift,
               coalesce(t.storytellers, 0) AS storytellers
        FROM counts c
        LEFT JOIN tellers t USING (ta, tb)
        JOIN singles sa ON sa.tid = c.ta
        JOIN singles sb ON sb.tid = c.tb
        JOIN th a ON a.tid = c.ta
        JOIN th b ON b.tid = c.tb
        CROSS JOIN n
        """
    ).pl()


def links(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    # A link is one (storyteller, challenge, vision): its storytellers are its links.
    return con.sql(
        """
        WITH coded AS (
            SELECT t.storyteller_id, p.tid, t.kind AS story_kind
            FROM present p JOIN told t USING (story_id)),
        ch AS (SELECT DISTINCT storyteller_id, tid AS challenge FROM coded
               WHERE story_kind = 'present'
                 AND tid IN (SELECT tid FROM th WHERE kind = 'challenge')),
        vi AS (SELECT DISTINCT storyteller_id, tid AS vision FROM coded
               WHERE story_kind = 'future' AND tid IN (SELECT tid FROM th WHERE kind = 'vision')),
        counts AS (SELECT challenge, vision, count(*) AS links
                   FROM ch JOIN vi USING (storyteller_id) GROUP BY ALL),
        pc AS (SELECT challenge, count(*) AS units_challenge FROM ch GROUP BY ALL),
        pv AS (SELECT vision, count(*) AS units_vision FROM vi GROUP BY ALL)
        SELECT a.theme AS challenge, b.theme AS vision, 'storyteller' AS via, links,
               units_challenge, units_vision, links::DOUBLE / units_challenge AS share,
               links AS storytellers
        FROM counts JOIN pc USING (challenge) JOIN pv USING (vision)
        JOIN th a ON a.tid = challenge JOIN th b ON b.tid = vision
        """
    ).pl()


def agreement(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    coders = con.sql(
        "SELECT DISTINCT coder FROM codes WHERE story_id IN (SELECT story_id FROM scoped) "
        "ORDER BY coder"
    ).fetchall()
    names = [row[0] for row in coders]
    base = """
        WITH c AS (SELECT story_id, tid, coder FROM codes
                   WHERE story_id IN (SELECT story_id FROM scoped) {only}),
        units AS (SELECT story_id, count(DISTINCT coder) AS m FROM c GROUP BY story_id
                  HAVING count(DISTINCT coder) >= 2),
        ones AS (SELECT c.* FROM c WHERE story_id IN (SELECT story_id FROM units))
    """
    if len(names) == 2:
        first, second = (n.replace("'", "''") for n in names)
        only = f"AND coder IN ('{first}', '{second}')"
        sql = (
            base.format(only=only)
            + f"""
        , per AS (
            SELECT tid, count(*) FILTER (WHERE coder = '{first}') AS a,
                   count(*) FILTER (WHERE coder = '{second}') AS b,
                   count(*) - count(DISTINCT story_id) AS both_
            FROM ones GROUP BY tid),
        u AS (SELECT count(*)::DOUBLE AS units FROM units)
        SELECT th.theme, 'cohen_kappa' AS method, 2 AS coders, u.units::BIGINT AS units,
               coalesce(a, 0) + coalesce(b, 0) - coalesce(both_, 0) AS positive,
               CASE WHEN u.units > 0 THEN
                 (u.units - coalesce(a, 0) - coalesce(b, 0) + 2 * coalesce(both_, 0)) / u.units END
                 AS observed_agreement,
               coalesce(a, 0) / u.units AS pa, coalesce(b, 0) / u.units AS pb
        FROM th LEFT JOIN per USING (tid) CROSS JOIN u
        """
        )
        chance = pl.col("pa") * pl.col("pb") + (1 - pl.col("pa")) * (1 - pl.col("pb"))
        table = (
            con.sql(sql)
            .pl()
            .with_columns(
                value=pl.when((pl.col("units") > 0) & (chance < 1)).then(
                    (pl.col("observed_agreement") - chance) / (1 - chance)
                )
            )
        )
    else:
        sql = (
            base.format(only="")
            + f"""
        , per AS (
            SELECT o.tid, sum(o.n1) AS n1, sum(o.n1 * (u.m - o.n1) / (u.m - 1)) AS dis,
                   count(*) AS positive
            FROM (SELECT tid, story_id, count(*)::DOUBLE AS n1 FROM ones GROUP BY ALL) o
            JOIN units u USING (story_id) GROUP BY o.tid),
        tot AS (SELECT count(*) AS units, sum(m)::DOUBLE AS n FROM units)
        SELECT th.theme, 'krippendorff_alpha' AS method, {len(names)} AS coders, tot.units,
               coalesce(positive, 0) AS positive,
               CASE WHEN tot.n > 0 THEN 1 - 2 * coalesce(dis, 0) / tot.n END AS observed_agreement,
               CASE WHEN coalesce(n1, 0) * (tot.n - coalesce(n1, 0)) > 0 THEN
                 1 - (tot.n - 1) * dis / (n1 * (tot.n - n1)) END AS value
        FROM th LEFT JOIN per USING (tid) CROSS JOIN tot
        """
        )
        table = con.sql(sql).pl()
    return table.select(INSIGHT_COLUMNS["agreement"])


def representativeness(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        """
        WITH tellers AS (
            SELECT st.storyteller_id, si.site
            FROM (SELECT DISTINCT storyteller_id FROM told) st JOIN tellers USING (storyteller_id)
            JOIN sites si ON si.site_id = tellers.site_id),
        ref AS (
            SELECT si.site, r.attribute, r.value,
                   r.share / sum(r.share) OVER (PARTITION BY si.site, r.attribute) AS reference_share
            FROM reference_shares r JOIN sites si USING (site_id) WHERE r.share >= 0),
        population AS (
            SELECT t.site, a.attribute, count(*) AS everyone
            FROM tellers t JOIN (SELECT DISTINCT site, attribute FROM ref) a USING (site)
            GROUP BY ALL),
        counts AS (
            SELECT t.site, d.attribute, d.value, count(DISTINCT t.storyteller_id) AS storytellers
            FROM tellers t JOIN demo d USING (storyteller_id)
            JOIN ref ON ref.site = t.site AND ref.attribute = d.attribute AND ref.value = d.value
            GROUP BY ALL),
        cells AS (
            SELECT ref.site, ref.attribute, ref.value, coalesce(c.storytellers, 0) AS storytellers,
                   ref.reference_share
            FROM ref LEFT JOIN counts c USING (site, attribute, value)),
        lined AS (
            SELECT *, sum(storytellers) OVER (PARTITION BY site, attribute) AS total FROM cells),
        shared AS (
            SELECT l.*, coalesce(p.everyone, 0) - l.total AS left_out,
                   CASE WHEN l.total > 0 THEN l.storytellers::DOUBLE / l.total END AS share
            FROM lined l LEFT JOIN population p USING (site, attribute)),
        diffs AS (SELECT *, share - reference_share AS difference FROM shared),
        tvds AS (
            SELECT *, CASE WHEN total > 0 THEN
                0.5 * sum(abs(difference)) OVER (PARTITION BY site, attribute) END AS tvd
            FROM diffs),
        scored AS (SELECT *, 1 - tvd AS score FROM tvds),
        sites_scored AS (
            SELECT site, avg(score) AS site_score
            FROM (SELECT DISTINCT site, attribute, score FROM scored) GROUP BY site)
        SELECT s.site, s.attribute, s.value, s.storytellers::BIGINT AS storytellers,
               s.total::BIGINT AS total, s.left_out::BIGINT AS left_out, s.share,
               s.reference_share, s.difference, s.tvd, s.score, ss.site_score
        FROM scored s LEFT JOIN sites_scored ss USING (site)
        """
    ).pl()


def quality(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    default = con.sql("SELECT default_language FROM project").fetchall()
    target = (default[0][0] if default else "en").lower().split("-")[0].replace("'", "''")
    return con.sql(
        f"""
        WITH st AS (SELECT s.*, si.site FROM scoped s JOIN sites si USING (site_id))
        SELECT 'uncoded' AS "check", site, story_id, NULL::VARCHAR AS detail, NULL::DOUBLE AS value
        FROM st WHERE story_id NOT IN (SELECT story_id FROM codes)
        UNION ALL
        SELECT 'missing_translation', site, story_id, language, NULL
        FROM st
        WHERE split_part(lower(language), '-', 1) <> '{target}'
          AND story_id NOT IN (SELECT story_id FROM translated
                               WHERE split_part(lower(language), '-', 1) = '{target}')
        UNION ALL
        SELECT 'draft', si.site, s.story_id, NULL, NULL
        FROM all_stories s JOIN sites si USING (site_id) WHERE s.draft
        UNION ALL
        SELECT 'missing_consent', NULL, NULL, 'stories', COALESCE(SUM(stories), 0)::DOUBLE
        FROM exclusions WHERE reason = 'consent'
        UNION ALL
        SELECT 'missing_consent', NULL, NULL, 'storytellers', COALESCE(SUM(storytellers), 0)::DOUBLE
        FROM exclusions WHERE reason = 'consent'
        """
    ).pl()


INSIGHT_COLUMNS = {
    "comparison": [
        "site", "theme", "stories", "total", "share", "ci_low", "ci_high", "expected",
        "residual", "distinctive", "test", "statistic", "dof", "p_value", "too_few_to_compare",
        "storytellers", "total_storytellers",
    ],
    "agreement": ["theme", "method", "coders", "units", "positive", "observed_agreement", "value"],
}  # fmt: skip

# The benchmark's suite: (name, kind in the Polars registry, grouping, DuckDB function, rule).
SUITE: list[tuple[str, str, str | None, Callable[[duckdb.DuckDBPyConnection], pl.DataFrame]]] = [
    ("prevalence by site", "prevalence", "site", lambda con: prevalence(con, "site")),
    ("prevalence by country", "prevalence", "country", lambda con: prevalence(con, "country")),
    ("prevalence by age band", "prevalence", "age_band", lambda con: prevalence(con, "age_band")),
    ("comparison", "comparison", None, comparison),
    ("breakdown by age band", "breakdown", "age_band", lambda con: breakdown(con, "age_band")),
    ("co-occurrence", "cooccurrence", None, cooccurrence),
    ("links", "links", None, links),
    ("agreement", "agreement", None, agreement),
    ("representativeness", "representativeness", None, representativeness),
    ("quality", "quality", None, quality),
]

RULES = {
    "prevalence": PREVALENCE_RULE,
    "comparison": COMPARISON_RULE,
    "breakdown": BREAKDOWN_RULE,
    "cooccurrence": COOCCURRENCE_RULE,
    "links": LINKS_RULE,
    "representativeness": REPRESENTATIVENESS_RULE,
}


def finish(kind: str, table: pl.DataFrame, k: int, disclose: bool = False) -> pl.DataFrame:
    """The same disclosure control and row order as the Polars suite."""
    insight = INSIGHTS[kind]
    rule = RULES.get(kind)
    if disclose or rule is None:
        table = unsuppressed(table.lazy()).collect()
    else:
        table = suppress(table, rule, k)
    descending = list(insight.descending) or False
    return table.sort(list(insight.order), descending=descending, nulls_last=True)


def run_suite(
    directory: Path | str, k: int, threads: int | None = THREADS
) -> dict[str, pl.DataFrame]:
    """Every table of the benchmark suite, computed by DuckDB."""
    con = connect(directory, threads)
    try:
        return {name: finish(kind, run(con), k) for name, kind, _, run in SUITE}
    finally:
        con.close()
