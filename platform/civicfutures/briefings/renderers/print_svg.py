"""A chart's SVG as the PDF draws it: the cells of a grid of rectangles merged by fill.

WeasyPrint draws SVG in Python, element by element, and parses each element's colour anew: a
200-site heatmap's 12,000 cells took about half of the PDF's layout time, and each hatched
(gradient-filled) cell was drawn as a shading of its own, three times longer again. Cells that
lie on a grid never overlap and share one stroke, so the cells of one fill can be one path of
many rectangles and the page looks the same (every edge is stroked last by one of the two
cells it separates, in any order).

A gradient is laid over each cell's own box, so the hatched cells become one path filled with
a pattern of one cell's size, the tiles falling on the cells; the tile draws the gradient's
bands as plain polygons, which every PDF reader draws alike (poppler drew a shading nested in
a pattern only in part). Only gradients of solid bands (the hatching: hard stops) can be drawn
so; a grid with any other paint is left as it was. Each cell's accessible name is left out: a
PDF does not read it (the HTML keeps it, and the PDF prints the chart's figures as a table).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter

# A mark group of the renderer's (vl-convert's) SVG, its marks written one after the other.
_RECT_GROUP = re.compile(r'(<g class="mark-rect role-mark[^"]*"[^>]*>)((?:<path [^>]*/>)+)</g>')
_PATH = re.compile(r"<path ([^>]*)/>")
_ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')
_RECTANGLE = re.compile(r"M(-?[\d.]+),(-?[\d.]+)h([\d.]+)v([\d.]+)h-\3Z")
_GRADIENT = re.compile(r"<linearGradient ([^>]*)>(.*?)</linearGradient>", re.S)
_STOP = re.compile(r"<stop ([^>]*)/>")
_URL = re.compile(r"url\(#([^)]+)\)")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# What names a single mark: dropped once marks are merged.
_MARK_ONLY = frozenset({"aria-label", "role", "aria-roledescription", "d"})
_FAR = 1e6
"""Beyond either end of a gradient, where its first and last colours run on (`pad`)."""

Box = tuple[float, float, float, float]
Point = tuple[float, float]
Band = tuple[float, float, str]


def _number(value: float) -> str:
    return f"{round(value, 4):g}"


def _on_grid(boxes: list[Box]) -> bool:
    """True when the rectangles share one size and sit on distinct points of a grid whose
    steps are at least that size, so no two overlap."""
    if len({box[2:] for box in boxes}) != 1 or len({box[:2] for box in boxes}) != len(boxes):
        return False
    width, height = boxes[0][2], boxes[0][3]
    for values, step in (({b[0] for b in boxes}, width), ({b[1] for b in boxes}, height)):
        if any(b - a < step for a, b in itertools.pairwise(sorted(values))):
            return False
    return True


def _tiled(boxes: list[Box]) -> bool:
    """True when every box sits a whole number of box sizes from the origin, so tiles of the
    box's size laid from the origin fall on the boxes. (WeasyPrint lays a pattern's tiles from
    the filled shape's corner and shifts their content by the pattern's x and y: only tiles
    from the origin, with no x or y, fall in the same place there and in other readers.)"""
    return all(
        abs(q - round(q)) < 1e-6 for x, y, width, height in boxes for q in (x / width, y / height)
    )


def _bands(attributes: dict[str, str], stops: str) -> tuple[Point, Point, list[Band]] | None:
    """A gradient over its element's box as solid bands: its vector and each band's start,
    end and colour along it; None unless every stretch between stops is of one colour."""
    if set(attributes) - {"id", "x1", "x2", "y1", "y2"}:
        return None  # other units, a transform, another spread: not drawn here
    ends = [attributes.get(k, "1" if k == "x2" else "0") for k in ("x1", "y1", "x2", "y2")]
    if not all(_PLAIN_NUMBER.fullmatch(v) for v in ends):
        return None
    x1, y1, x2, y2 = (float(v) for v in ends)
    points = []
    for stop in _STOP.findall(stops):
        stop_attributes = dict(_ATTRIBUTE.findall(stop))
        offset = stop_attributes.get("offset", "0")
        if set(stop_attributes) - {"offset", "stop-color"} or not _PLAIN_NUMBER.fullmatch(offset):
            return None
        points.append((float(offset), stop_attributes.get("stop-color", "black")))
    if not points or (x1, y1) == (x2, y2):
        return None
    bands = [(-_FAR, points[0][0], points[0][1])]
    for (start, colour), (end, next_colour) in itertools.pairwise(points):
        if end > start:
            if colour != next_colour:
                return None  # a blend, not a band
            bands.append((start, end, colour))
    bands.append((points[-1][0], _FAR, points[-1][1]))
    return (x1, y1), (x2, y2), bands


def _clipped(polygon: list[Point], keep) -> list[Point]:
    """The part of a convex polygon where `keep(point)` is not negative (one half-plane)."""
    kept: list[Point] = []
    for here, there in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        a, b = keep(here), keep(there)
        if a >= 0:
            kept.append(here)
        if (a >= 0) != (b >= 0):
            share = a / (a - b)
            kept.append(
                (here[0] + share * (there[0] - here[0]), here[1] + share * (there[1] - here[1]))
            )
    return kept


def _area(polygon: list[Point]) -> float:
    return abs(
        sum(
            a[0] * b[1] - b[0] * a[1]
            for a, b in zip(polygon, polygon[1:] + polygon[:1], strict=True)
        )
    )


def _tile(gradient: tuple[Point, Point, list[Band]], width: float, height: float) -> str:
    """The gradient's bands over a `width` × `height` box, as one path per colour."""
    (x1, y1), (x2, y2), bands = gradient
    dx, dy = x2 - x1, y2 - y1
    length = dx * dx + dy * dy

    def along(point: Point) -> float:
        return ((point[0] - x1) * dx + (point[1] - y1) * dy) / length

    shapes: dict[str, list[str]] = {}
    square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
    for start, end, colour in bands:
        polygon = _clipped(
            _clipped(square, lambda p, s=start: along(p) - s), lambda p, e=end: e - along(p)
        )
        if _area(polygon) < 1e-9:
            continue  # the band misses the box, or touches it at a corner
        corners = "L".join(f"{_number(u * width)},{_number(v * height)}" for u, v in polygon)
        shapes.setdefault(colour, []).append(f"M{corners}Z")
    return "".join(f'<path d="{"".join(d)}" fill="{colour}"/>' for colour, d in shapes.items())


Edge = tuple[tuple[str, float], float, float]


def _runs(edges: list[Edge]) -> list[Edge]:
    """(line, start, end) segments along lines merged where they touch or overlap."""
    runs: list[Edge] = []
    for line, start, end in sorted(set(edges)):
        if runs and runs[-1][0] == line and start <= runs[-1][2]:
            runs[-1] = (line, runs[-1][1], max(end, runs[-1][2]))
        else:
            runs.append((line, start, end))
    return runs


def _stacked(boxes: list[Box]) -> str:
    """Path data of the boxes, each run of boxes stacked edge to edge in a column drawn as
    one rectangle. The cells' outlines are drawn apart (`_edges`), and a pattern's tiles fall
    on the same cells, so the page looks the same; in a small corpus's heatmap, where hidden
    cells run down a theme's column, 11,582 rectangles became 3,181 (WeasyPrint parses every
    command in Python)."""
    columns: list[list[float]] = []
    for x, y, width, height in sorted(boxes):
        column = columns[-1] if columns else None
        if column and column[0] == x and column[2] == width and column[1] + column[3] == y:
            column[3] += height
        else:
            columns.append([x, y, width, height])
    return "".join(
        f"M{_number(x)},{_number(y)}h{_number(w)}v{_number(h)}h-{_number(w)}Z"
        for x, y, w, h in columns
    )


def _edges(boxes: list[Box], stroke: dict[str, str]) -> str:
    """The cells' outlines as stroked paths of straight runs, drawn over all the fills.

    Every edge of a grid is stroked last by one of its cells, so the cells' strokes end up
    over all the fills; a run along many edges draws the same (square caps cover the corners
    as the cells' own miter joins did) at a fraction of the cost: rasterising the 12,000
    outlines of a 200-site heatmap took most of its drawing time. An edge two cells share
    was stroked by both, so those edges are drawn a second time: an edge's half-covered
    pixels come out as light as they did.
    """
    edges = Counter(
        [(("y", y), x, x + w) for x, top, w, h in boxes for y in (top, top + h)]
        + [(("x", x), y, y + h) for left, y, w, h in boxes for x in (left, left + w)]
    )
    attributes = {**stroke, "fill": "none", "stroke-linecap": "square"}
    written = " ".join(f'{k}="{v}"' for k, v in attributes.items())
    paths = []
    for chosen in (list(edges), [edge for edge, count in edges.items() if count > 1]):
        d = "".join(
            f"M{_number(a)},{_number(line)}H{_number(b)}"
            if axis == "y"
            else f"M{_number(line)},{_number(a)}V{_number(b)}"
            for (axis, line), a, b in _runs(chosen)
        )
        if d:
            paths.append(f'<path d="{d}" {written}/>')
    return "".join(paths)


class _Merger:
    """Rewrites the mark groups of one SVG; the patterns it needs, for its definitions."""

    def __init__(self, svg: str) -> None:
        self.gradients = {}
        for attributes, stops in _GRADIENT.findall(svg):
            found = dict(_ATTRIBUTE.findall(attributes))
            bands = _bands(found, stops)
            if bands is not None and "id" in found:
                self.gradients[found["id"]] = bands
        self.patterns: dict[tuple[str, tuple[float, float]], str] = {}

    def _pattern(self, fill: str, boxes: list[Box]) -> str | None:
        """A pattern whose tiles carry the gradient `fill` names over each of `boxes`; None
        when it cannot (another paint, a gradient that is not of bands, boxes off a grid)."""
        url = _URL.fullmatch(fill)
        if url is None or url.group(1) not in self.gradients or not _tiled(boxes):
            return None
        key = (url.group(1), boxes[0][2:])
        if key not in self.patterns:
            self.patterns[key] = f"{url.group(1)}-cells-{len(self.patterns)}"
        return f"url(#{self.patterns[key]})"

    def group(self, match: re.Match[str]) -> str:
        marks = [dict(_ATTRIBUTE.findall(found)) for found in _PATH.findall(match.group(2))]
        boxes: list[Box] = []
        for mark in marks:
            shape = _RECTANGLE.fullmatch(mark.get("d", ""))
            if shape is None or "url(" in mark.get("stroke", ""):
                return match.group(0)
            x, y, width, height = (float(v) for v in shape.groups())
            boxes.append((x, y, width, height))
        if len(marks) < 2 or not _on_grid(boxes):
            return match.group(0)
        if len({tuple((k, v) for k, v in m.items() if k.startswith("stroke")) for m in marks}) > 1:
            return match.group(0)
        stroke = {k: v for k, v in marks[0].items() if k.startswith("stroke")}
        if "stroke-dasharray" in stroke:
            return match.group(0)  # dashes would fall elsewhere along a run than a cell's side
        kinds: dict[tuple[tuple[str, str], ...], list[int]] = {}
        for index, mark in enumerate(marks):
            key = tuple((k, v) for k, v in mark.items() if k not in _MARK_ONLY and k not in stroke)
            kinds.setdefault(key, []).append(index)
        merged = []
        for key, indices in kinds.items():
            attributes = dict(key)
            fill = attributes.get("fill", "")
            if "url(" in fill:
                pattern = self._pattern(fill, [boxes[i] for i in indices])
                if pattern is None:
                    return match.group(0)
                attributes["fill"] = pattern
            shapes = _stacked([boxes[i] for i in indices])
            written = " ".join(f'{k}="{v}"' for k, v in attributes.items())
            merged.append(f'<path d="{shapes}" {written}/>')
        if stroke.get("stroke", "none") != "none":
            merged.append(_edges(boxes, stroke))
        return f"{match.group(1)}{''.join(merged)}</g>"

    def definitions(self) -> str:
        return "".join(
            f'<pattern id="{name}" patternUnits="userSpaceOnUse" width="{_number(w)}" '
            f'height="{_number(h)}">{_tile(self.gradients[gradient], w, h)}</pattern>'
            for (gradient, (w, h)), name in self.patterns.items()
        )


# A label wrapped onto several lines: one text element, a tspan per line, each line after
# the first starting again at the same x, one line height (dy) below the one before.
_LINES = re.compile(r"<text ([^>]*)>((?:<tspan(?: [^>]*)?>[^<]*</tspan>){2,})</text>")
_LINE = re.compile(r"<tspan( [^>]*)?>([^<]*)</tspan>")
_TRANSLATE = re.compile(r"translate\((-?\d+(?:\.\d+)?),\s*(-?\d+(?:\.\d+)?)\)")
_TRANSFORM = re.compile(r'transform="[^"]*"')


def _one_text_per_line(match: re.Match[str]) -> str:
    """A wrapped label as one text element per line, each moved down to its own line.

    resvg (the DOCX's pictures, a right-to-left chart's PNG in the PDF) moves only the first
    letter of a right-to-left line by the line's `dy`, so the lines of an Arabic label were
    printed over each other. Each line is its own text here, placed by its element's
    translation, with no x or dy left to apply. Left as it was unless the element is placed
    by a plain `translate(x,y)` and every line after the first sets only x and dy, as plain
    numbers.
    """
    attributes, lines = match.group(1), _LINE.findall(match.group(2))
    found = dict(_ATTRIBUTE.findall(attributes))
    placed = _TRANSLATE.fullmatch(found.get("transform", ""))
    if placed is None or lines[0][0]:
        return match.group(0)
    x, y = float(placed.group(1)), float(placed.group(2))
    texts = []
    for index, (line_attributes, line) in enumerate(lines):
        moves = dict(_ATTRIBUTE.findall(line_attributes or ""))
        if set(moves) - {"x", "dy"} or not all(_PLAIN_NUMBER.fullmatch(v) for v in moves.values()):
            return match.group(0)
        if index:
            y += float(moves.get("dy", "0"))
        at = f'transform="translate({_number(x + float(moves.get("x", "0")))},{_number(y)})"'
        own = _TRANSFORM.sub(at, attributes, count=1)
        texts.append(f"<text {own}><tspan>{line}</tspan></text>")
    return "".join(texts)


# The PDF and the DOCX of one build each ask for the same charts (0.2 s for a 200-site heatmap).
@functools.lru_cache(maxsize=4)
def printable_svg(svg: str) -> str:
    """`svg` with each grid of rectangles drawn as one path per fill and each wrapped label as
    one text per line (see the module and `_one_text_per_line`)."""
    merger = _Merger(svg)
    merged = _LINES.sub(_one_text_per_line, _RECT_GROUP.sub(merger.group, svg))
    if not merger.patterns:
        return merged
    return merged.replace("</defs>", merger.definitions() + "</defs>", 1)
