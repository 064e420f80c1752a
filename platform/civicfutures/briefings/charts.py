"""Charts as Vega-Lite specifications built with Altair, rendered to SVG by vl-convert.

The SVG is a pure function of the specification (no ids, no dates), so a rebuilt briefing
carries the same bytes. Numbers on axes follow the briefing's locale: the d3 number locale is
derived from CLDR, like every other number in the briefing.

Charts are read on an A4 page and on a phone, where the page scales the SVG down to the
screen's width: they are kept narrow, long labels are wrapped onto lines rather than cut, no
axis title sits beside labels whose width the renderer can only estimate, colours come from
colour-blind-safe palettes, and the sentence saying what the marks mean is written here,
next to the marks, so the caption cannot drift from them. Each chart carries its figures as
tables: the text alternative the HTML page offers beside the picture.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import polars as pl

from civicfutures.briefings.chart_svg import chart_svg
from civicfutures.briefings.document import Chart, ChartTable
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_number, format_percent
from civicfutures.i18n.languages import cldr_locale

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
"""Okabe and Ito's palette, told apart with every common colour-vision deficiency; yellow,
faint on white paper, comes last."""
SEQUENTIAL = "viridis"
"""Perceptually uniform and readable with colour-vision deficiencies, also printed in grey."""
SEQUENTIAL_EXTENT = [1, 0]
"""Viridis run backwards: small shares light, large ones dark, as on paper."""
BAR = OKABE_ITO[5]
INTERVAL = OKABE_ITO[6]
INK = "#1d2329"
NOTE = "#4d4d4d"
HATCH = "#7a7a7a"
FONT_FAMILY = "Noto Sans, DejaVu Sans, Arial, sans-serif"
"""Measured by vl-convert with its first family, the one the briefing's readers most likely
have (it covers Latin, Cyrillic and Greek; browsers fall back to Noto Sans Arabic)."""
WIDTH = 240
"""Bars' length: with the wrapped labels the chart stays near 400 px, so a phone shows it
at about nine tenths of its size and an A4 page at its own."""
ROW = 22
LINE = 14
"""Height of one line of a wrapped label (12 px text)."""
WRAP = 24
"""Characters on one line of a label (about 150 px of 12 px text)."""
TITLE_WRAP = 40
CELL = 42
FONT = 12
MIN_CELL = 10
TEXT_CELL = 34
"""Heatmap cells carry their percentage when at least this wide (pixels)."""
PAGE_WIDTH = 640
DARK_SHARE = 0.53
"""From this share up, the reversed viridis cell is dark enough for white text (both inks
reach a contrast of about 4.5:1 at the crossing)."""
PADDING = {"left": 16, "right": 24, "top": 8, "bottom": 8}
"""Room around the drawing for a reader's font that is a little wider than the measured one."""


def _stripes(count: int = 8) -> dict[str, Any]:
    """Diagonal hatching as a linear gradient with hard stops (Vega has no fill patterns)."""
    stops = []
    for i in range(count):
        color = HATCH if i % 2 == 0 else "#ffffff"
        stops += [
            {"offset": i / count, "color": color},
            {"offset": (i + 1) / count, "color": color},
        ]
    return {"gradient": "linear", "x1": 0, "y1": 0, "x2": 1, "y2": 1, "stops": stops}


STRIPES = _stripes()


@dataclass(frozen=True)
class ChartSpec:
    """A chart before rendering: its Vega-Lite specification and the texts around it."""

    name: str
    title: str
    description: str
    spec: dict[str, Any]
    language: str
    tables: list[ChartTable] = field(default_factory=list)


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


def drawing_request(spec: ChartSpec) -> tuple[str, dict[str, Any], str]:
    """What `chart_svg.chart_svg` draws the chart from: the specification as JSON, the number
    locale, the chart's name (the prefix of its ids)."""
    return json.dumps(spec.spec, ensure_ascii=False), number_locale(spec.language), spec.name


def render(spec: ChartSpec, svg: str | None = None) -> Chart:
    """The chart, with its SVG as `chart_svg.chart_svg` draws it: here, unless the build's
    drawing process has drawn it already (`svg`)."""
    if svg is None:
        svg = chart_svg(*drawing_request(spec))
    return Chart(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        svg=svg,
        tables=spec.tables,
        tables_label=_("The chart's figures as a table"),
    )


def styled(chart: alt.TopLevelMixin, datasets: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The specification with readable type sizes, one font and colour-blind-safe palettes.

    Rows travel as named datasets added after Altair has validated the specification:
    validating every row against the schema would take seconds for a 200-site heatmap.
    """
    spec = (
        chart.configure(font=FONT_FAMILY, padding=PADDING)
        .configure_axis(
            labelFontSize=FONT,
            titleFontSize=FONT,
            labelColor=INK,
            titleColor=INK,
            # Clear of the tick labels' line boxes, not only of their glyphs.
            titlePadding=6,
        )
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT, labelColor=INK, titleColor=INK)
        .configure_title(fontSize=FONT + 1, color=INK)
        .configure_range(
            category=list(OKABE_ITO),
            ordinal={"scheme": SEQUENTIAL, "extent": SEQUENTIAL_EXTENT},
            ramp={"scheme": SEQUENTIAL, "extent": SEQUENTIAL_EXTENT},
            heatmap={"scheme": SEQUENTIAL, "extent": SEQUENTIAL_EXTENT},
        )
        .configure_view(stroke=None)
        .to_dict()
    )
    spec["datasets"] = datasets
    return spec


def wrap(text: str, width: int = WRAP) -> list[str]:
    """A label's lines, broken between words (a word longer than a line keeps its line)."""
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [text]


def _lookup(lines: dict[str, list[str]]) -> str:
    # JSON with ASCII escapes is a valid Vega expression literal for any label text.
    return "(" + json.dumps(lines, ensure_ascii=True, sort_keys=True) + ")"


def wrapped_labels(labels: list[str], width: int = WRAP) -> dict[str, Any]:
    """Axis properties that show each label whole, on as many lines as it needs.

    The lines are looked up by the label (the data keep the plain text, so the marks'
    accessible names and tooltips read naturally); a label of several lines is moved up by
    half its extra height, so the block stays centred on its row.
    """
    lines = {label: wrap(label, width) for label in labels}
    broken = {label: parts for label, parts in lines.items() if len(parts) > 1}
    properties: dict[str, Any] = {"labelLimit": 0}
    if broken:
        table = _lookup(broken)
        properties.update(
            labelExpr=f"{table}[datum.label] || datum.label",
            labelLineHeight=LINE,
            labelOffset={"expr": f"-(length({table}[datum.value] || [0]) - 1) * {LINE / 2}"},
        )
    return properties


def row_step(labels: list[str], width: int = WRAP) -> int:
    """A row tall enough for the label with the most lines."""
    most = max((len(wrap(label, width)) for label in labels), default=1)
    return max(ROW, most * LINE + 8)


def _title(text: str) -> alt.TitleParams:
    """A sub-chart's title, wrapped, starting at the labels' edge rather than centred."""
    return alt.TitleParams(text=wrap(text, TITLE_WRAP), anchor="start", frame="bounds")


def _rows(frame: pl.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    return frame.select(columns).to_dicts()


def _bar_table(rows: list[dict[str, Any]], caption: str, language: str) -> ChartTable:
    """The bars' figures: each theme's share and interval, or why it is not shown."""
    body = []
    for row in rows:
        if row["share"] is None:
            body.append([row["theme_label"], row["note"] or "–", "", ""])
            continue
        body.append(
            [
                row["theme_label"],
                format_percent(row["share"], language),
                format_percent(row["ci_low"], language) if row["ci_low"] is not None else "",
                format_percent(row["ci_high"], language) if row["ci_high"] is not None else "",
            ]
        )
    return ChartTable(
        caption=caption,
        headers=[_("Theme"), _("Share"), _("95% CI from"), _("95% CI to")],
        rows=body,
    )


def _bars(
    frame: pl.DataFrame,
    title: str,
    axis_title: str,
    suppressed_label: str,
    name: str,
    datasets: dict[str, Any],
    language: str,
) -> tuple[alt.LayerChart, ChartTable]:
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
    y = alt.Y("theme_label:N", sort=order, title=None, axis=alt.Axis(**wrapped_labels(order)))
    x = alt.X(
        "share:Q",
        title=axis_title,
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format="%", tickCount=5),
    )
    bars = alt.Chart(data).mark_bar(color=BAR, size=ROW - 8).encode(x=x, y=y)
    intervals = (
        alt.Chart(data)
        .mark_rule(color=INTERVAL, strokeWidth=2)
        .encode(x="ci_low:Q", x2="ci_high:Q", y=y)
    )
    notes = (
        alt.Chart(data)
        .mark_text(align="left", dx=4, color=NOTE, fontStyle="italic")
        .encode(x=alt.datum(0), y=y, text="note:N")
    )
    chart = alt.layer(bars, intervals, notes).properties(
        title=_title(title), width=WIDTH, height=alt.Step(row_step(order))
    )
    return chart, _bar_table(rows, title, language)


def _bars_key() -> str:
    return _("Bars show each share; black lines show its 95%% confidence interval.") % {}


def _described(description: str, *sentences: str) -> str:
    return " ".join(part for part in (description, *sentences) if part)


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
    challenges, challenges_table = _bars(
        present, challenges_title, axis_title, suppressed_label, "challenges", datasets, language
    )
    visions, visions_table = _bars(
        future, visions_title, axis_title, suppressed_label, "visions", datasets, language
    )
    description = _described(description, _bars_key())
    chart = alt.vconcat(challenges, visions, spacing=28).properties(description=description)
    return ChartSpec(
        "present_vs_future",
        title,
        description,
        styled(chart, datasets),
        language,
        [challenges_table, visions_table],
    )


def _heatmap_table(
    rows: list[dict[str, Any]], themes: list[str], sites: list[str], caption: str, theme_title: str
) -> ChartTable:
    """Themes down, sites across, as the chart's cells read: a share or "hidden"."""
    cells = {(row["theme_label"], row["site_name"]): row for row in rows}
    body = []
    for theme in themes:
        line = [theme]
        for site in sites:
            row = cells.get((theme, site))
            line.append("" if row is None else row["text"] or _("hidden"))
        body.append(line)
    return ChartTable(caption=caption, headers=[theme_title, *sites], rows=body)


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
    k: int,
) -> ChartSpec:
    """Bars for one site; a site × theme heatmap of shares for several.

    A hidden cell is drawn hatched, with a legend entry, and the caption says so; it is
    never left blank, where it would read as "no stories".
    """
    sites = frame["site_name"].unique(maintain_order=True).to_list()
    if len(sites) <= 1:
        datasets: dict[str, Any] = {}
        chart, table = _bars(
            frame,
            sites[0] if sites else "",
            axis_title,
            suppressed_label,
            "themes",
            datasets,
            language,
        )
        description = _described(description, _bars_key())
        return ChartSpec(
            "prevalence_by_site",
            title,
            description,
            styled(chart.properties(description=description), datasets),
            language,
            [table],
        )
    ordered = frame.sort("_theme_order", "site_name")
    rows = _rows(ordered, ["theme_label", "site_name", "share"])
    for row in rows:
        # Formatted here with CLDR, like every other number of the briefing.
        row["text"] = format_percent(row["share"], language) if row["share"] is not None else ""
        row["hidden"] = row["share"] is None
    themes = list(dict.fromkeys(row["theme_label"] for row in rows))
    hidden_key = _("Hidden")
    # The longer list runs down the page; columns narrow so the chart fits a printed page.
    theme_axis = ("theme_label:N", themes, theme_title)
    site_axis = ("site_name:N", sorted(sites), site_title)
    across, down = (site_axis, theme_axis) if len(themes) > len(sites) else (theme_axis, site_axis)
    cell = max(MIN_CELL, min(CELL, PAGE_WIDTH // len(across[1])))
    longest = max(len(label) for label in across[1])
    # Axis titles are left out: the labels name themes and sites, and a title beside labels
    # whose width is estimated is what overprinted them. The encodings keep their titles for
    # the marks' accessible names.
    x = alt.X(
        across[0],
        sort=across[1],
        title=across[2],
        axis=alt.Axis(
            title=None, labelAngle=-40 if longest <= 20 else -90, labelLimit=0, orient="top"
        ),
    )
    y = alt.Y(
        down[0], sort=down[1], title=down[2], axis=alt.Axis(title=None, **wrapped_labels(down[1]))
    )
    shown = alt.Chart(alt.NamedData(name="cells")).transform_filter("!datum.hidden")
    cells = shown.mark_rect(stroke="white").encode(
        x=x,
        y=y,
        color=alt.Color(
            "share:Q",
            title=axis_title,
            scale=alt.Scale(domain=[0, 1]),
            legend=alt.Legend(format="%", orient="bottom", direction="horizontal"),
        ),
    )
    layers: list[alt.Chart] = [cells]
    if any(row["hidden"] for row in rows):
        layers.append(
            alt.Chart(alt.NamedData(name="cells"))
            .transform_filter("datum.hidden")
            .transform_calculate(key=json.dumps(hidden_key, ensure_ascii=True))
            .mark_rect(fill=STRIPES, stroke="white")
            .encode(
                x=x,
                y=y,
                # A channel with one value, only for its legend entry beside the colour scale.
                opacity=alt.Opacity(
                    "key:N",
                    scale=alt.Scale(range=[1, 1]),
                    # The swatch takes the cells' hatched fill.
                    legend=alt.Legend(
                        title=None,
                        orient="bottom",
                        symbolType="square",
                        symbolSize=220,
                        symbolStrokeColor=HATCH,
                        symbolStrokeWidth=1,
                    ),
                ),
            )
        )
        description = _described(
            description,
            _("Hatched cells are hidden to protect small groups of fewer than %(k)s storytellers.")
            % {"k": format_number(k)},
        )
    if cell >= TEXT_CELL:
        layers.append(
            shown.mark_text(fontSize=FONT - 1).encode(
                x=x,
                y=y,
                text=alt.Text("text:N"),
                color=alt.condition(
                    f"datum.share >= {DARK_SHARE}", alt.value("white"), alt.value("black")
                ),
            )
        )
    step = row_step(down[1])
    chart = alt.layer(*layers).properties(
        width=alt.Step(cell), height=alt.Step(step), description=description
    )
    table = _heatmap_table(rows, themes, sorted(sites), title, theme_title)
    return ChartSpec(
        "prevalence_by_site", title, description, styled(chart, {"cells": rows}), language, [table]
    )
