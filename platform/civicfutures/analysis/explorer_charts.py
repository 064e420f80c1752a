"""The explorer's charts: one Vega-Lite chart per kind, rendered to SVG on the server.

Built like the briefings' charts (Altair, vl-convert, the page's number locale), so the page
needs no script. Hidden cells are left out of the chart; the table beneath marks them.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl
import vl_convert

from civicfutures.analysis.cell_labels import check_label
from civicfutures.briefings.chart_svg import stable_ids
from civicfutures.briefings.charts import (
    BAR,
    INK,
    number_locale,
    row_step,
    styled,
    wrapped_labels,
)
from civicfutures.i18n import gettext as _

WIDTH = 460
MAX_ROWS = 60
"""Rows drawn at most (the table holds them all): a chart past this is unreadable."""


def _label(frame: pl.DataFrame, name: str) -> str:
    return f"{name}_label" if f"{name}_label" in frame.columns else name


def _codes(frame: pl.DataFrame, *names: str) -> list[str]:
    """The code columns behind the labels drawn: kept in the data for sorting and linking."""
    return [n for n in names if n in frame.columns and _label(frame, n) != n]


def _shown(frame: pl.DataFrame, value: str) -> pl.DataFrame:
    return frame.filter(pl.col(value).is_not_null()).head(MAX_ROWS) if value in frame else frame


def _intervals(frame: pl.DataFrame, group: str) -> tuple[alt.TopLevelMixin, list[str]]:
    theme = _label(frame, "theme")
    codes = _codes(frame, "theme", group)
    group = _label(frame, group)
    rows = _shown(frame, "share")
    base = alt.Chart(alt.NamedData("rows")).encode(
        # Whole on one line: a theme with a single group has one row, too low for a wrapped label.
        y=alt.Y(f"{theme}:N", title=_("Theme"), sort=None, axis=alt.Axis(labelLimit=0, title=None)),
        color=alt.Color(f"{group}:N", title=_("Group")),
        yOffset=alt.YOffset(f"{group}:N"),
    )
    share = alt.X("share:Q", title=_("Share of stories"), axis=alt.Axis(format="%"))
    chart = alt.layer(
        base.mark_rule().encode(x=alt.X("ci_low:Q", title=_("Share of stories")), x2="ci_high:Q"),
        base.mark_point(filled=True).encode(x=share),
    ).properties(width=WIDTH)
    return chart, rows.select(theme, group, *codes, "share", "ci_low", "ci_high").to_dicts()


def _heatmap(frame: pl.DataFrame, rows_by: str) -> tuple[alt.TopLevelMixin, list[dict]]:
    theme = _label(frame, "theme")
    codes = _codes(frame, "theme", "site", "group")
    shown = frame.filter(pl.col("share").is_not_null())
    if rows_by == "site_group":
        shown = shown.with_columns(
            site_group=pl.col(_label(frame, "site")) + " · " + pl.col(_label(frame, "group"))
        )
    else:
        rows_by = _label(frame, rows_by)
    chart = (
        alt.Chart(alt.NamedData("rows"))
        .mark_rect()
        .encode(
            x=alt.X(
                f"{theme}:N", title=_("Theme"), sort=None, axis=alt.Axis(labelLimit=0, title=None)
            ),
            y=alt.Y(f"{rows_by}:N", title=_("Site"), axis=alt.Axis(labelLimit=0, title=None)),
            color=alt.Color("share:Q", title=_("Share of stories"), legend=alt.Legend(format="%")),
        )
        .properties(width=alt.Step(22), height=alt.Step(18))
    )
    return chart, shown.select(theme, rows_by, *codes, "share").to_dicts()


def _matrix(frame: pl.DataFrame) -> tuple[alt.TopLevelMixin, list[dict]]:
    a, b = _label(frame, "theme_a"), _label(frame, "theme_b")
    shown = frame.filter(pl.col("jaccard").is_not_null())
    # Both halves of the symmetric matrix, so each theme reads along its row.
    mirrored = pl.concat(
        [
            shown.select(pl.col(a).alias("row"), pl.col(b).alias("column"), "jaccard"),
            shown.select(pl.col(b).alias("row"), pl.col(a).alias("column"), "jaccard"),
        ]
    )
    chart = (
        alt.Chart(alt.NamedData("rows"))
        .mark_rect()
        .encode(
            x=alt.X("column:N", title=_("Theme"), axis=alt.Axis(labelLimit=0, title=None)),
            y=alt.Y("row:N", title=_("Theme"), axis=alt.Axis(labelLimit=0, title=None)),
            color=alt.Color("jaccard:Q", title=_("Jaccard index")),
        )
        .properties(width=alt.Step(22), height=alt.Step(18))
    )
    return chart, mirrored.to_dicts()


def _links(frame: pl.DataFrame) -> tuple[alt.TopLevelMixin, list[dict]]:
    """A two-column diagram: challenges on the left, visions on the right, a line per link."""
    c, v = _label(frame, "challenge"), _label(frame, "vision")
    shown = frame.filter(pl.col("links").is_not_null())
    challenges = sorted(set(shown[c].to_list()))
    visions = sorted(set(shown[v].to_list()))
    rows: list[dict[str, Any]] = []
    for row in shown.iter_rows(named=True):
        rows.append(
            {
                "y": challenges.index(row[c]),
                "y2": visions.index(row[v])
                * max(len(challenges) - 1, 1)
                / max(len(visions) - 1, 1),
                "links": row["links"],
            }
        )
    ends = [
        {"x": 0, "y": i, "text": text, "align": "right"} for i, text in enumerate(challenges)
    ] + [
        {"x": 1, "y": j * max(len(challenges) - 1, 1) / max(len(visions) - 1, 1), "text": text}
        for j, text in enumerate(visions)
    ]
    height = max(len(challenges), len(visions), 2) * 26
    scale_y = alt.Scale(domain=[max(len(challenges) - 1, 1) + 0.5, -0.5])
    lines = (
        alt.Chart(alt.NamedData("rows"))
        .mark_rule(color=BAR, opacity=0.6)
        .encode(
            # Room on both sides of the lines for the labels, inside the drawing.
            x=alt.datum(0, scale=alt.Scale(domain=[-1.2, 2.2]), axis=None),
            x2=alt.datum(1),
            y=alt.Y("y:Q", scale=scale_y, axis=None),
            y2="y2:Q",
            strokeWidth=alt.StrokeWidth(
                "links:Q", title=_("Links"), legend=alt.Legend(orient="bottom")
            ),
        )
    )
    left = (
        alt.Chart(alt.NamedData("ends"))
        .transform_filter("datum.x == 0")
        .mark_text(align="right", dx=-6, color=INK)
        .encode(x=alt.X("x:Q", axis=None), y=alt.Y("y:Q", axis=None), text="text:N")
    )
    right = (
        alt.Chart(alt.NamedData("ends"))
        .transform_filter("datum.x == 1")
        .mark_text(align="left", dx=6, color=INK)
        .encode(x=alt.X("x:Q", axis=None), y=alt.Y("y:Q", axis=None), text="text:N")
    )
    chart = alt.layer(lines, left, right).properties(width=WIDTH + 100, height=height)
    return chart, {"rows": rows, "ends": ends}  # type: ignore[return-value]


def _points(
    frame: pl.DataFrame, value: str, category: str, title: str, codes: tuple[str, ...] = ()
) -> tuple[alt.TopLevelMixin, list[dict]]:
    shown = _shown(frame, value)
    categories = [str(c) for c in dict.fromkeys(shown[category].to_list())]
    chart = (
        alt.Chart(alt.NamedData("rows"))
        .mark_bar(color=BAR)
        .encode(
            y=alt.Y(
                f"{category}:N", title=None, sort=None, axis=alt.Axis(**wrapped_labels(categories))
            ),
            x=alt.X(f"{value}:Q", title=title),
        )
        .properties(width=WIDTH, height=alt.Step(row_step(categories)))
    )
    return chart, shown.select(category, *_codes(frame, *codes), value).to_dicts()


def build(kind: str, frame: pl.DataFrame) -> tuple[alt.TopLevelMixin, Any]:
    """The chart of a kind and its rows (a list, or named datasets)."""
    if kind == "prevalence":
        return _intervals(frame, "group")
    if kind == "comparison":
        return _heatmap(frame, "site")
    if kind == "breakdown":
        return _heatmap(frame, "site_group")
    if kind == "cooccurrence":
        return _matrix(frame)
    if kind == "links":
        return _links(frame)
    if kind == "distinctive":
        labelled = frame.with_columns(
            item=pl.col(_label(frame, "site")) + " · " + pl.col(_label(frame, "theme"))
        )
        return _points(labelled, "residual", "item", _("Adjusted residual"), ("site", "theme"))
    if kind == "agreement":
        return _points(frame, "value", _label(frame, "theme"), _("Agreement"), ("theme",))
    if kind == "quality":
        counted = frame.group_by("check").agg(count=pl.len()).sort("check")
        # Labels read here, in the request's locale, not in a Polars worker thread.
        names = {code: check_label(code) for code in counted["check"].drop_nulls()}
        labelled = counted.with_columns(
            check_label=pl.col("check").replace_strict(names, default=pl.col("check"))
        )
        return _points(labelled, "count", "check_label", _("Rows"), ("check",))
    labelled = frame.with_columns(
        item=pl.col(_label(frame, "site"))
        + " · "
        + pl.col(_label(frame, "attribute"))
        + " = "
        + pl.col(_label(frame, "value"))
    )
    return _points(
        labelled,
        "difference",
        "item",
        _("Difference from the population share"),
        ("site", "attribute", "value"),
    )


def render_svg(kind: str, frame: pl.DataFrame, language: str) -> str:
    """The chart of a kind as an inline SVG in the page's number locale."""
    chart, data = build(kind, frame)
    datasets = data if isinstance(data, dict) else {"rows": data}
    spec = styled(chart, datasets)
    svg = vl_convert.vegalite_to_svg(spec, format_locale=number_locale(language))
    return stable_ids(svg, f"chart-{kind}")
