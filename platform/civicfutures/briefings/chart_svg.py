"""A chart's SVG from its Vega-Lite specification: drawn by vl-convert, then made stable.

Kept apart from `charts` (Altair, Polars, the catalogs) so that the build's drawing process
(`drawing`) can draw charts importing nothing but this: the same function gives the same
bytes in either process.
"""

from __future__ import annotations

import re
from typing import Any

import vl_convert

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


_GRADIENT = re.compile(r'<linearGradient id="([^"]+)"(.*?)</linearGradient>', re.S)


def shared_gradients(svg: str) -> str:
    """One definition for each distinct gradient, every mark that used a copy pointing to it.

    The renderer writes a gradient for each mark it fills with one: a heatmap of a small
    project, most of whose cells are hidden, carried thousands of copies of the hatching
    (four fifths of a 10 MB SVG), each drawn anew by a browser and by the PDF's layout. Copies
    differ only in their id; gradients are relative to each mark's box, so one serves all.
    """
    kept: dict[str, str] = {}
    renamed: dict[str, str] = {}

    def first_of_kind(match: re.Match[str]) -> str:
        identifier, body = match.group(1), match.group(2)
        if body in kept:
            renamed[identifier] = kept[body]
            return ""
        kept[body] = identifier
        return match.group(0)

    svg = _GRADIENT.sub(first_of_kind, svg)
    if not renamed:
        return svg
    return re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{renamed.get(m.group(1), m.group(1))})", svg)


def chart_svg(spec: str, number_locale: dict[str, Any], name: str) -> str:
    """The chart as an SVG document: one definition per gradient, ids named after `name`.

    `spec` is the specification as JSON, as both processes hand it to the renderer."""
    svg = vl_convert.vegalite_to_svg(spec, format_locale=number_locale)
    return stable_ids(shared_gradients(svg), name)
