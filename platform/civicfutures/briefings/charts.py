"""Charts as Vega-Lite specifications built with Altair, rendered to SVG by vl-convert.

The SVG is a pure function of the specification (no ids, no dates), so a rebuilt briefing
carries the same bytes. Numbers on axes follow the briefing's locale: the d3 number locale is
derived from CLDR, like every other number in the briefing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import altair as alt
import polars as pl
import vl_convert

from civicfutures.briefings.document import Chart
from civicfutures.i18n.formatting import format_percent
from civicfutures.i18n.languages import cldr_locale

BAR = "#1f5a8a"
RULE = "#d9822b"
MUTED = "#b9b9b9"
WIDTH = 420
ROW = 20
CELL = 42
FONT = 12
MIN_CELL = 10
TEXT_CELL = 34
"""Heatmap cells carry their percentage when at least this wide (pixels)."""
PAGE_WIDTH = 640


@dataclass(frozen=True)
class ChartSpec:
    """A chart before rendering: its Vega-Lite specification and the texts around it."""

    name: str
    title: str
    description: str
    spec: dict[str, Any]
    language: str


def number_locale(language: str) -> dict[str, Any]:
    """A d3-format locale from CLDR: decimal and group separators, the percent sign's place."""
    locale = cldr_locale(language)
    symbols = locale.number_symbols[locale.default_numbering_system]
    pattern = locale.percent_formats[None].pattern
    suffix = pattern[pattern.rfind("0") + 1 :].replace("%", symbols.get("percentSign", "%"))
    return {
        "decimal": symbols.get("decimal", "."),
        "thousands": symbols.get("group", ","),
        "grouping": [3],
        "currency": ["", ""],
        "percent": suffix or "%",
        "minus": symbols.get("minusSign", "−"),
    }


_ID = re.compile(r'\bid="([^"]+)"')


def stable_ids(svg: str, prefix: str) -> str:
    """Rename the SVG's element ids after the chart and their order.

    The renderer numbers gradients and clip paths with a counter that lives as long as the
    process (`gradient_0`, then `gradient_1` for the next chart): the same chart would get
    other ids in a rebuild, and two charts inlined in one page could share an id.
    """
    names = {old: f"{prefix}-{n}" for n, old in enumerate(dict.fromkeys(_ID.findall(svg)))}
    if not names:
        return svg
    pattern = re.compile(
        r'(\bid="|url\(#|href="#)(' + "|".join(re.escape(old) for old in names) + r')(?=[")])'
    )
    return pattern.sub(lambda m: m.group(1) + names[m.group(2)], svg)


def render(spec: ChartSpec) -> Chart:
    """The chart as an SVG document (ids made stable)."""
    svg = vl_convert.vegalite_to_svg(spec.spec, format_locale=number_locale(spec.language))
    svg = stable_ids(svg, spec.name)
    return Chart(name=spec.name, title=spec.title, description=spec.description, svg=svg)


def styled(chart: alt.TopLevelMixin, datasets: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The specification with readable type sizes (the SVG is shown at its natural size).

    Rows travel as named datasets added after Altair has validated the specification:
    validating every row against the schema would take seconds for a 200-site heatmap.
    """
    spec = (
        chart.configure_axis(labelFontSize=FONT, titleFontSize=FONT)
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT)
        .configure_title(fontSize=FONT + 1)
        .configure_view(stroke=None)
        .to_dict()
    )
    spec["datasets"] = datasets
    return spec


def _rows(frame: pl.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    return frame.select(columns).to_dicts()


def _bars(
    frame: pl.DataFrame,
    title: str,
    axis_title: str,
    suppressed_label: str,
    name: str,
    datasets: dict[str, Any],
) -> alt.LayerChart:
    """Horizontal bars of theme shares with their intervals; suppressed themes say so in text."""
    rows = _rows(
        frame.with_columns(
            pl.when(pl.col("suppressed"))
            .then(pl.lit(suppressed_label))
            .otherwise(pl.lit(""))
            .alias("note")
        ),
        ["theme_label", "share", "ci_low", "ci_high", "note"],
    )
    order = [row["theme_label"] for row in rows]
    datasets[name] = rows
    data = alt.NamedData(name=name)
    y = alt.Y("theme_label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    x = alt.X(
        "share:Q",
        title=axis_title,
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format="%", tickCount=5),
    )
    bars = alt.Chart(data).mark_bar(color=BAR).encode(x=x, y=y)
    intervals = alt.Chart(data).mark_rule(color=RULE).encode(x="ci_low:Q", x2="ci_high:Q", y=y)
    notes = (
        alt.Chart(data)
        .mark_text(align="left", dx=4, color="#555555", fontStyle="italic")
        .encode(x=alt.datum(0), y=y, text="note:N")
    )
    return alt.layer(bars, intervals, notes).properties(
        title=title, width=WIDTH, height=alt.Step(ROW)
    )


def present_and_future(
    present: pl.DataFrame,
    future: pl.DataFrame,
    *,
    title: str,
    description: str,
    challenges_title: str,
    visions_title: str,
    axis_title: str,
    suppressed_label: str,
    language: str,
) -> ChartSpec:
    """Challenges in present-day stories beside visions in future stories (rows in shown order)."""
    datasets: dict[str, Any] = {}
    chart = alt.vconcat(
        _bars(present, challenges_title, axis_title, suppressed_label, "challenges", datasets),
        _bars(future, visions_title, axis_title, suppressed_label, "visions", datasets),
        spacing=28,
    ).properties(description=description)
    return ChartSpec("present_vs_future", title, description, styled(chart, datasets), language)


def prevalence_by_site(
    frame: pl.DataFrame,
    *,
    title: str,
    description: str,
    axis_title: str,
    theme_title: str,
    site_title: str,
    suppressed_label: str,
    language: str,
) -> ChartSpec:
    """Bars for one site; a site × theme heatmap of shares for several."""
    sites = frame["site_name"].unique(maintain_order=True).to_list()
    if len(sites) <= 1:
        datasets: dict[str, Any] = {}
        chart = _bars(
            frame, sites[0] if sites else "", axis_title, suppressed_label, "themes", datasets
        ).properties(description=description)
        return ChartSpec(
            "prevalence_by_site", title, description, styled(chart, datasets), language
        )
    ordered = frame.sort("_theme_order", "site_name")
    rows = _rows(ordered, ["theme_label", "site_name", "share", "suppressed"])
    for row in rows:
        # Formatted here with CLDR, like every other number of the briefing.
        row["text"] = format_percent(row["share"], language) if row["share"] is not None else ""
    themes = list(dict.fromkeys(row["theme_label"] for row in rows))
    data = alt.NamedData(name="cells")
    # The longer list runs down the page; columns narrow so the chart fits a printed page.
    theme_axis = ("theme_label:N", themes, theme_title)
    site_axis = ("site_name:N", sorted(sites), site_title)
    across, down = (site_axis, theme_axis) if len(themes) > len(sites) else (theme_axis, site_axis)
    cell = max(MIN_CELL, min(CELL, PAGE_WIDTH // len(across[1])))
    x = alt.X(
        across[0],
        sort=across[1],
        title=across[2],
        axis=alt.Axis(labelAngle=-40, labelLimit=200, orient="top"),
    )
    y = alt.Y(down[0], sort=down[1], title=down[2], axis=alt.Axis(labelLimit=260))
    cells = (
        alt.Chart(data)
        .mark_rect(stroke="white")
        .encode(
            x=x,
            y=y,
            color=alt.condition(
                "datum.share == null",
                alt.value(MUTED),
                alt.Color(
                    "share:Q",
                    title=axis_title,
                    scale=alt.Scale(domain=[0, 1], scheme="blues"),
                    legend=alt.Legend(format="%"),
                ),
            ),
        )
    )
    layers: list[alt.Chart] = [cells]
    if cell >= TEXT_CELL:
        layers.append(
            alt.Chart(data)
            .mark_text(fontSize=FONT - 1)
            .encode(
                x=x,
                y=y,
                text=alt.Text("text:N"),
                color=alt.condition("datum.share > 0.5", alt.value("white"), alt.value("black")),
            )
        )
    chart = alt.layer(*layers).properties(
        width=alt.Step(cell), height=alt.Step(ROW + 4), description=description
    )
    return ChartSpec(
        "prevalence_by_site", title, description, styled(chart, {"cells": rows}), language
    )
