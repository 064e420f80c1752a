"""Charts' SVG read back: each text's box on the page, and the colours painted.

A text's width is estimated from its font size and characters, so the checks hold for any
viewer's font near Noto Sans; browser tests measure the real glyphs instead.
"""

from __future__ import annotations

import math
import re

import lxml.etree as etree

from civicfutures.briefings.charts import OKABE_ITO

SVG = "{http://www.w3.org/2000/svg}"
EM = {"normal": 0.58, "bold": 0.64}
"""A generous average advance of Noto Sans (in ems), to estimate a text's width."""
INVISIBLE = re.compile("[\u061c\u200b-\u200f\u2066-\u2069]")
"""Direction marks and other characters without width (CLDR puts some around Arabic numbers)."""


# ---------------------------------------------------------------- geometry


def _matrix(transform: str | None) -> tuple[float, ...]:
    """An SVG transform list as an affine matrix (a, b, c, d, e, f)."""
    result = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    for name, args in re.findall(r"(\w+)\(([^)]*)\)", transform or ""):
        values = [float(v) for v in re.split(r"[\s,]+", args.strip()) if v]
        if name == "translate":
            step = (1, 0, 0, 1, values[0], values[1] if len(values) > 1 else 0)
        elif name == "rotate":
            angle = math.radians(values[0])
            step = (math.cos(angle), math.sin(angle), -math.sin(angle), math.cos(angle), 0, 0)
        elif name == "scale":
            step = (values[0], 0, 0, values[-1], 0, 0)
        else:
            assert name == "matrix", name
            step = tuple(values)
        result = _compose(result, step)
    return result


def _compose(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + c * q, b * p + d * q, a * r + c * s, b * r + d * s, a * t + c * u + e,
            b * t + d * u + f)  # fmt: skip


def _apply(m: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def _lines(text: etree._Element) -> list[str]:
    spans = text.findall(f"{SVG}tspan")
    return [s.text or "" for s in spans] if spans else [text.text or ""]


def svg_labels(svg: str) -> list[dict]:
    """Every visible text of a chart with its estimated box: four corners on the page."""
    root = etree.fromstring(svg.encode())
    labels: list[dict] = []

    def walk(node: etree._Element, m: tuple[float, ...]) -> None:
        m = _compose(m, _matrix(node.get("transform")))
        if node.tag == f"{SVG}text":
            lines = _lines(node)
            if not "".join(lines).strip() or node.get("opacity") == "0":
                return
            size = float(node.get("font-size", "10px").rstrip("px"))
            longest = max(len(INVISIBLE.sub("", line)) for line in lines)
            width = longest * size * EM[node.get("font-weight", "normal")]
            height = size * 1.2 * len(lines)
            x0 = {"start": 0.0, "middle": -width / 2, "end": -width}[
                node.get("text-anchor", "start")
            ]
            y0 = -0.8 * size
            corners = [(x0, y0), (x0 + width, y0), (x0 + width, y0 + height), (x0, y0 + height)]
            labels.append(
                {"text": " ".join(lines), "lines": lines, "box": [_apply(m, *c) for c in corners]}
            )
            return
        for child in node:
            walk(child, m)

    walk(root, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0))
    return labels


def _shrunk(box: list[tuple[float, float]], by: float) -> list[tuple[float, float]]:
    cx = sum(p[0] for p in box) / 4
    cy = sum(p[1] for p in box) / 4
    out = []
    for x, y in box:
        dx, dy = x - cx, y - cy
        length = math.hypot(dx, dy) or 1
        out.append((x - dx / length * by, y - dy / length * by))
    return out


def overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> bool:
    """Whether two convex quadrilaterals overlap (separating axis test), after shrinking
    both by a pixel so that touching boxes do not count."""
    a, b = _shrunk(a, 1), _shrunk(b, 1)
    for polygon in (a, b):
        for i in range(4):
            (x1, y1), (x2, y2) = polygon[i], polygon[(i + 1) % 4]
            axis = (y1 - y2, x2 - x1)
            pa = [axis[0] * x + axis[1] * y for x, y in a]
            pb = [axis[0] * x + axis[1] * y for x, y in b]
            if max(pa) <= min(pb) or max(pb) <= min(pa):
                return False
    return True


def overprinted(labels: list[dict]) -> list[tuple[str, str]]:
    return [
        (one["text"], other["text"])
        for i, one in enumerate(labels)
        for other in labels[i + 1 :]
        if overlap(one["box"], other["box"])
    ]


# ---------------------------------------------------------------- colours


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.strip().lower()
    named = {"white": "#ffffff", "black": "#000000"}
    color = named.get(color, color)
    if re.fullmatch(r"#[0-9a-f]{3}", color):
        color = "#" + "".join(ch * 2 for ch in color[1:])
    match = re.fullmatch(r"rgb\((\d+),\s*(\d+),\s*(\d+)\)", color)
    if match:
        return tuple(int(v) for v in match.groups())  # type: ignore[return-value]
    assert re.fullmatch(r"#[0-9a-f]{6}", color), color
    return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))


def colours(svg: str) -> set[tuple[int, int, int]]:
    """Every fill, stroke and gradient stop colour the chart paints with."""
    found = re.findall(r'(?:fill|stroke|stop-color)="([^"]+)"', svg)
    return {_rgb(c) for c in found if c not in ("none", "transparent") and not c.startswith("url(")}


def viridis() -> list[tuple[int, int, int]]:
    """Vega's viridis, sampled finely by drawing it."""
    import vl_convert

    spec = {
        "data": {"values": [{"v": i / 200} for i in range(201)]},
        "mark": "rect",
        "encoding": {
            "x": {"field": "v", "type": "ordinal"},
            "color": {"field": "v", "type": "quantitative", "scale": {"scheme": "viridis"}},
        },
    }
    return sorted(colours(vl_convert.vegalite_to_svg(spec)))


def safe(color: tuple[int, int, int], ramp: list[tuple[int, int, int]]) -> bool:
    """A grey (ink, lines, paper), an Okabe–Ito colour, or a colour on the viridis ramp."""
    if max(color) - min(color) <= 16:
        return True
    if color in {_rgb(c) for c in OKABE_ITO}:
        return True
    return min(sum((p - q) ** 2 for p, q in zip(color, r, strict=True)) for r in ramp) <= 12
