"""The analysis suite written again in DuckDB SQL over the same Parquet snapshot.

Two uses: the benchmark times it against the Polars suite, and the tests check that both give
the same tables. It covers the default request (statuses submitted/reviewed, theme present when
any coder coded it, links through storytellers) for prevalence, comparison, breakdown,
co-occurrence, links, agreement, representativeness and the quick quality checks. The
per-theme p-values and disclosure control reuse the same Python code as the Polars suite,
so the comparison is of the engines, not of two implementations of a test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from civicfutures.analysis.disclosure import suppress, unsuppressed
from civicfutures.analysis.inference import Z95, p_values
from civicfutures.analysis.params import DEFAULT_STATUSES, STRUCTURAL_BY
from civicfutures.analysis.schema import TABLES
from civicfutures.analysis.suite import (
    BREAKDOWN_RULE,
    COMPARISON_RULE,
    COOCCURRENCE_RULE,
    INSIGHTS,
    LINKS_RULE,
    PREVALENCE_RULE,
    REPRESENTATIVENESS_RULE,
)


def connect(directory: Path | str, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A connection with one view per snapshot table and the request's scope materialised."""
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    for name in TABLES:
        path = str(Path(directory) / f"{name}.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    statuses = ", ".join(f"'{s}'" for s in DEFAULT_STATUSES)
    con.execute(f"CREATE TEMP TABLE scoped AS SELECT * FROM stories WHERE status IN ({statuses})")
    con.execute(
        "CREATE TEMP TABLE present AS SELECT DISTINCT c.story_id, c.theme FROM codings c "
        "WHERE c.story_id IN (SELECT story_id FROM scoped)"
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


def _memberships(by: str, keep_site: bool = False) -> str:
    """SQL of (story_id, grp, storyteller_id[, site]) for a grouping, as in `scope.memberships`."""
    site = ", si.site AS site" if keep_site else ""
    structural = {
        "site": "si.site",
        "country": "si.country",
        "project": "(SELECT project FROM project)",
        "story_kind": "s.kind",
        "workshop_kind": "w.kind",
    }
    if by in STRUCTURAL_BY:
        return f"""
            SELECT s.story_id, {structural[by]} AS grp, ss.storyteller_id{site}
            FROM scoped s
            JOIN sites si USING (site_id)
            LEFT JOIN workshops w USING (workshop_id)
            JOIN story_storytellers ss USING (story_id)"""
    return f"""
        SELECT s.story_id, coalesce(d.value, 'not_recorded') AS grp, ss.storyteller_id{site}
        FROM scoped s
        JOIN sites si USING (site_id)
        JOIN story_storytellers ss USING (story_id)
        LEFT JOIN (SELECT * FROM demographics WHERE attribute = '{by}') d USING (storyteller_id)"""


def _prevalence_sql(by: str, keys: list[str]) -> str:
    key_list = ", ".join(keys)
    return f"""
        WITH m AS ({_memberships(by, keep_site="site" in keys)}),
        totals AS (
            SELECT {key_list}, count(DISTINCT story_id) AS total,
                   count(DISTINCT storyteller_id) AS total_storytellers
            FROM m GROUP BY {key_list}),
        cells AS (
            SELECT {key_list}, p.theme, count(DISTINCT m.story_id) AS stories,
                   count(DISTINCT m.storyteller_id) AS storytellers
            FROM m JOIN present p USING (story_id) GROUP BY {key_list}, p.theme)
        SELECT {", ".join(f"t.{k}" for k in keys)}, th.theme,
               coalesce(c.stories, 0) AS stories, t.total,
               CASE WHEN t.total > 0 THEN coalesce(c.stories, 0)::DOUBLE / t.total END AS share,
               {_wilson("coalesce(c.stories, 0)", "t.total")},
               coalesce(c.storytellers, 0) AS storytellers, t.total_storytellers
        FROM totals t CROSS JOIN themes th
        LEFT JOIN cells c ON {" AND ".join(f"c.{k} = t.{k}" for k in keys)} AND c.theme = th.theme
    """


def prevalence(con: duckdb.DuckDBPyConnection, by: str = "site") -> pl.DataFrame:
    return con.sql(_prevalence_sql(by, ["grp"])).pl().rename({"grp": "group"})


def breakdown(con: duckdb.DuckDBPyConnection, attribute: str) -> pl.DataFrame:
    return con.sql(_prevalence_sql(attribute, ["site", "grp"])).pl().rename({"grp": "group"})


def comparison(
    con: duckdb.DuckDBPyConnection,
    permutations: int = 9999,
    seed: int = 20250315,
    alpha: float = 0.05,
) -> pl.DataFrame:
    cells_sql = f"""
        WITH cells AS ({_prevalence_sql("site", ["grp"])}),
        marg AS (
            SELECT *, sum(total) OVER (PARTITION BY theme)::DOUBLE AS n_all,
                      sum(stories) OVER (PARTITION BY theme)::DOUBLE AS x_all
            FROM cells WHERE total > 0)
        SELECT grp AS site, theme, stories, total, share, ci_low, ci_high,
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
            SELECT a.story_id, a.theme AS theme_a, b.theme AS theme_b
            FROM present a JOIN present b ON a.story_id = b.story_id AND a.theme < b.theme),
        counts AS (SELECT theme_a, theme_b, count(*) AS stories FROM pairs GROUP BY ALL),
        tellers AS (
            SELECT theme_a, theme_b, count(DISTINCT ss.storyteller_id) AS storytellers
            FROM pairs JOIN story_storytellers ss USING (story_id) GROUP BY ALL),
        singles AS (SELECT theme, count(*) AS stories FROM present GROUP BY theme),
        n AS (SELECT count(*)::DOUBLE AS n FROM scoped)
        SELECT c.theme_a, c.theme_b, c.stories, sa.stories AS stories_a, sb.stories AS stories_b,
               c.stories::DOUBLE / (sa.stories + sb.stories - c.stories) AS jaccard,
               c.stories * n.n / (sa.stories * sb.stories) AS lift,
               coalesce(t.storytellers, 0) AS storytellers
        FROM counts c
        LEFT JOIN tellers t USING (theme_a, theme_b)
        JOIN singles sa ON sa.theme = c.theme_a
        JOIN singles sb ON sb.theme = c.theme_b
        CROSS JOIN n
        """
    ).pl()


def links(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        """
        WITH coded AS (
            SELECT p.story_id, p.theme, s.kind AS story_kind, th.kind AS theme_kind, ss.storyteller_id
            FROM present p JOIN scoped s USING (story_id) JOIN themes th USING (theme)
            JOIN story_storytellers ss USING (story_id)),
        ch AS (SELECT DISTINCT storyteller_id, theme AS challenge FROM coded
               WHERE story_kind = 'present' AND theme_kind = 'challenge'),
        vi AS (SELECT DISTINCT storyteller_id, theme AS vision FROM coded
               WHERE story_kind = 'future' AND theme_kind = 'vision'),
        linked AS (SELECT ch.storyteller_id, challenge, vision FROM ch JOIN vi USING (storyteller_id)),
        counts AS (SELECT challenge, vision, count(*) AS links,
                          count(DISTINCT storyteller_id) AS storytellers FROM linked GROUP BY ALL),
        pc AS (SELECT challenge, count(*) AS units_challenge FROM ch GROUP BY ALL),
        pv AS (SELECT vision, count(*) AS units_vision FROM vi GROUP BY ALL)
        SELECT challenge, vision, 'storyteller' AS via, links, units_challenge, units_vision,
               links::DOUBLE / units_challenge AS share, storytellers
        FROM counts JOIN pc USING (challenge) JOIN pv USING (vision)
        """
    ).pl()


def agreement(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    coders = con.sql(
        "SELECT DISTINCT coder FROM codings WHERE story_id IN (SELECT story_id FROM scoped) "
        "ORDER BY coder"
    ).fetchall()
    names = [row[0] for row in coders]
    base = """
        WITH c AS (SELECT DISTINCT story_id, theme, coder FROM codings
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
            SELECT theme, count(*) FILTER (WHERE coder = '{first}') AS a,
                   count(*) FILTER (WHERE coder = '{second}') AS b,
                   count(*) - count(DISTINCT story_id) AS both_
            FROM ones GROUP BY theme),
        u AS (SELECT count(*)::DOUBLE AS units FROM units)
        SELECT th.theme, 'cohen_kappa' AS method, 2 AS coders, u.units::BIGINT AS units,
               coalesce(a, 0) + coalesce(b, 0) - coalesce(both_, 0) AS positive,
               CASE WHEN u.units > 0 THEN
                 (u.units - coalesce(a, 0) - coalesce(b, 0) + 2 * coalesce(both_, 0)) / u.units END
                 AS observed_agreement,
               coalesce(a, 0) / u.units AS pa, coalesce(b, 0) / u.units AS pb
        FROM themes th LEFT JOIN per USING (theme) CROSS JOIN u
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
            SELECT o.theme, sum(o.n1) AS n1, sum(o.n1 * (u.m - o.n1) / (u.m - 1)) AS dis,
                   count(*) AS positive
            FROM (SELECT theme, story_id, count(*)::DOUBLE AS n1 FROM ones GROUP BY ALL) o
            JOIN units u USING (story_id) GROUP BY o.theme),
        tot AS (SELECT count(*) AS units, sum(m)::DOUBLE AS n FROM units)
        SELECT th.theme, 'krippendorff_alpha' AS method, {len(names)} AS coders, tot.units,
               coalesce(positive, 0) AS positive,
               CASE WHEN tot.n > 0 THEN 1 - 2 * coalesce(dis, 0) / tot.n END AS observed_agreement,
               CASE WHEN coalesce(n1, 0) * (tot.n - coalesce(n1, 0)) > 0 THEN
                 1 - (tot.n - 1) * dis / (n1 * (tot.n - n1)) END AS value
        FROM themes th LEFT JOIN per USING (theme) CROSS JOIN tot
        """
        )
        table = con.sql(sql).pl()
    return table.select(INSIGHT_COLUMNS["agreement"])


def representativeness(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        """
        WITH tellers AS (
            SELECT DISTINCT ss.storyteller_id, si.site
            FROM story_storytellers ss JOIN storytellers st USING (storyteller_id)
            JOIN sites si ON si.site_id = st.site_id
            WHERE ss.story_id IN (SELECT story_id FROM scoped)),
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
            FROM tellers t JOIN demographics d USING (storyteller_id)
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
        FROM st WHERE story_id NOT IN (SELECT story_id FROM codings)
        UNION ALL
        SELECT 'missing_translation', site, story_id, language, NULL
        FROM st
        WHERE split_part(lower(language), '-', 1) <> '{target}'
          AND story_id NOT IN (SELECT story_id FROM translations
                               WHERE split_part(lower(language), '-', 1) = '{target}')
        UNION ALL
        SELECT 'draft', si.site, s.story_id, NULL, NULL
        FROM stories s JOIN sites si USING (site_id) WHERE s.status = 'draft'
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


def run_suite(directory: Path | str, k: int, threads: int | None = None) -> dict[str, pl.DataFrame]:
    """Every table of the benchmark suite, computed by DuckDB."""
    con = connect(directory, threads)
    try:
        return {name: finish(kind, run(con), k) for name, kind, _, run in SUITE}
    finally:
        con.close()
