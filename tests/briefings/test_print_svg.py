"""The heatmap as the PDF draws it: cells merged by fill, every cell still where it was with
its colour, hatched cells through a pattern whose tile draws the hatching."""

from __future__ import annotations

import re

import polars as pl
import pytest

from civicfutures.i18n import use_locale

RECTANGLE = re.compile(r"M(-?[\d.]+),(-?[\d.]+)h([\d.]+)v([\d.]+)h-[\d.]+Z")
MARK_GROUP = re.compile(r'<g class="mark-rect role-mark[^"]*"[^>]*>(.*?)</g>', re.S)
PATH = re.compile(r"<path ([^>]*)/>")
ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')


@pytest.fixture(scope="module")
def heatmap() -> str:
    """A 12-site heatmap of 5 themes where a third of the cells are hidden."""
    from civicfutures.briefings import charts

    rows = [
        {
            "theme_label": f"Theme {t}",
            "_theme_order": t,
            "site_name": f"Site {s:02d}",
            # Hidden in pairs of sites, so some hidden cells stack in a theme's column.
            "share": None if (t + s // 2) % 3 == 0 else round((t + 1) * (s + 1) / 80, 3),
        }
        for t in range(5)
        for s in range(12)
    ]
    with use_locale("en"):
        spec = charts.prevalence_by_site(
            pl.DataFrame(rows),
            title="Prevalence",
            description="Shares.",
            axis_title="Share of stories",
            theme_title="Theme",
            site_title="Site",
            suppressed_label="hidden",
            language="en",
            k=5,
        )
        return charts.render(spec).svg


def cells(svg: str) -> set[tuple[tuple[float, ...], str]]:
    """Every rectangle the mark groups draw, with its fill."""
    found = set()
    for group in MARK_GROUP.findall(svg):
        for attributes in PATH.findall(group):
            mark = dict(ATTRIBUTE.findall(attributes))
            for shape in RECTANGLE.finditer(mark["d"]):
                found.add((tuple(float(v) for v in shape.groups()), mark["fill"]))
    return found


def split_cells(svg: str, width: float, height: float) -> set[tuple[tuple[float, ...], str]]:
    """`cells`, with each rectangle cut back into cells of `width` × `height`."""
    found = set()
    for (x, y, w, h), fill in cells(svg):
        for column in range(round(w / width)):
            for row in range(round(h / height)):
                box = (x + column * width, y + row * height, width, height)
                found.add((box, fill))
    return found


def test_the_printed_heatmap_draws_every_cell_with_its_fill_in_one_path_per_fill(heatmap):
    from civicfutures.briefings.renderers.print_svg import printable_svg

    printed = printable_svg(heatmap)
    before = cells(heatmap)
    hatched = {fill for _box, fill in before if fill.startswith("url(")}
    assert len(before) == 60 and len(hatched) == 1
    ((width, height),) = {box[2:] for box, _fill in before}
    # Cells stacked in a column are one rectangle now: fewer rectangles, the same cells.
    assert len(cells(printed)) < len(before)
    after = split_cells(printed, width, height)
    # The hatched cells' gradient is carried by a pattern; every other fill is unchanged.
    (pattern,) = {fill for _box, fill in after if fill.startswith("url(")}
    assert {(box, pattern if fill in hatched else fill) for box, fill in before} == after
    fills = {fill for _box, fill in before}
    merged = [PATH.findall(group) for group in MARK_GROUP.findall(printed)]
    painted = [p for paths in merged for p in paths if 'fill="none"' not in p]
    assert len(painted) == len(fills)
    assert not any("stroke" in p for p in painted)
    assert "aria-label" not in "".join(p for paths in merged for p in paths)


RUN = re.compile(r"M(-?[\d.]+),(-?[\d.]+)([HV])(-?[\d.]+)")


def unit_edges(d: str, width: float, height: float) -> list[tuple[float, ...]]:
    """The runs of a stroke path cut into single cell edges: (x1, y1, x2, y2)."""
    edges = []
    for x, y, axis, end in RUN.findall(d):
        x, y, end = float(x), float(y), float(end)
        step = width if axis == "H" else height
        for i in range(round((end - (x if axis == "H" else y)) / step)):
            if axis == "H":
                edges.append((x + i * step, y, x + (i + 1) * step, y))
            else:
                edges.append((x, y + i * step, x, y + (i + 1) * step))
    return edges


def test_every_cell_edge_is_stroked_once_and_a_shared_one_twice(heatmap):
    from collections import Counter

    from civicfutures.briefings.renderers.print_svg import printable_svg

    printed = printable_svg(heatmap)
    group_cells = [
        [tuple(float(v) for v in shape.groups()) for shape in RECTANGLE.finditer(group)]
        for group in MARK_GROUP.findall(heatmap)
    ]
    strokes = [
        [dict(ATTRIBUTE.findall(p)) for p in PATH.findall(group) if 'fill="none"' in p]
        for group in MARK_GROUP.findall(printed)
    ]
    for boxes, paths in zip(group_cells, strokes, strict=True):
        width, height = boxes[0][2], boxes[0][3]
        wanted = Counter()
        for x, y, w, h in boxes:
            wanted.update(
                [
                    (x, y, x + w, y),
                    (x, y + h, x + w, y + h),
                    (x, y, x, y + h),
                    (x + w, y, x + w, y + h),
                ]
            )
        drawn = Counter()
        for path in paths:
            assert path["stroke"] == "white" and path["stroke-linecap"] == "square"
            drawn.update(unit_edges(path["d"], width, height))
        # Each run covers exactly the cells' edges, as many times as cells meet there.
        assert drawn == wanted


def test_the_pattern_tile_draws_the_hatching_as_bands_of_half_the_cell_each(heatmap):
    from civicfutures.briefings.charts import HATCH
    from civicfutures.briefings.renderers.print_svg import printable_svg

    printed = printable_svg(heatmap)
    (tile,) = re.findall(r"<pattern ([^>]*)>(.*?)</pattern>", printed)
    size = dict(ATTRIBUTE.findall(tile[0]))
    assert size["patternUnits"] == "userSpaceOnUse" and "x" not in size and "y" not in size
    width, height = float(size["width"]), float(size["height"])
    areas: dict[str, float] = {}
    for attributes in PATH.findall(tile[1]):
        band = dict(ATTRIBUTE.findall(attributes))
        for polygon in band["d"].split("Z")[:-1]:
            points = [tuple(map(float, p.split(","))) for p in polygon.lstrip("M").split("L")]
            twice = sum(
                a[0] * b[1] - b[0] * a[1]
                for a, b in zip(points, points[1:] + points[:1], strict=True)
            )
            areas[band["fill"]] = areas.get(band["fill"], 0) + abs(twice) / 2
    # Eight stripes, grey and white by turns: each colour covers half of the cell.
    assert set(areas) == {HATCH, "#ffffff"}
    assert areas[HATCH] == pytest.approx(width * height / 2)
    assert areas["#ffffff"] == pytest.approx(width * height / 2)


def test_marks_off_a_grid_are_drawn_as_they_were():
    from civicfutures.briefings.renderers.print_svg import printable_svg

    bars = (
        '<svg><g class="mark-rect role-mark bars">'
        '<path d="M0,0h25v14h-25Z" fill="#56B4E9"/>'
        '<path d="M0,22h12.5v14h-12.5Z" fill="#56B4E9"/>'
        "</g></svg>"
    )
    overlapping = bars.replace("M0,22h12.5v14h-12.5Z", "M5,0h25v14h-25Z")
    assert printable_svg(bars) == bars
    assert printable_svg(overlapping) == overlapping


def test_dashed_outlines_are_drawn_as_they_were():
    from civicfutures.briefings.renderers.print_svg import printable_svg

    cells_ = (
        '<svg><g class="mark-rect role-mark cells">'
        '<path d="M0,0h10v22h-10Z" fill="#56B4E9" stroke="white" stroke-dasharray="2,1"/>'
        '<path d="M10,0h10v22h-10Z" fill="#56B4E9" stroke="white" stroke-dasharray="2,1"/>'
        "</g></svg>"
    )
    assert printable_svg(cells_) == cells_
    solid = cells_.replace(' stroke-dasharray="2,1"', "")
    # Solid, the two cells are one fill; their outlines one run per line, the shared side twice.
    outline = 'stroke="white" fill="none" stroke-linecap="square"'
    assert printable_svg(solid) == (
        '<svg><g class="mark-rect role-mark cells">'
        '<path d="M0,0h10v22h-10ZM10,0h10v22h-10Z" fill="#56B4E9"/>'
        f'<path d="M0,0V22M10,0V22M20,0V22M0,0H20M0,22H20" {outline}/>'
        f'<path d="M10,0V22" {outline}/>'
        "</g></svg>"
    )


ARABIC_LABEL = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="90">'
    '<text text-anchor="end" transform="translate(250,30)" font-family="Noto Sans" '
    'font-size="12px" fill="black">{lines}</text></svg>'
)


def test_a_wrapped_label_becomes_one_text_per_line_each_placed_below_the_last():
    from civicfutures.briefings.renderers.print_svg import printable_svg

    wrapped = ARABIC_LABEL.format(
        lines='<tspan>أصوات المهاجرين غير</tspan><tspan x="0" dy="14">مسموعة</tspan>'
        '<tspan x="0" dy="14">جدا</tspan>'
    )
    texts = re.findall(r'<text [^>]*transform="([^"]*)"[^>]*><tspan>([^<]*)</tspan></text>',
                       printable_svg(wrapped))  # fmt: skip
    assert texts == [
        ("translate(250,30)", "أصوات المهاجرين غير"),
        ("translate(250,44)", "مسموعة"),
        ("translate(250,58)", "جدا"),
    ]
    # Placed some other way, the label is left to the renderer as it was.
    rotated = wrapped.replace("translate(250,30)", "rotate(-45)")
    assert printable_svg(rotated) == rotated


def test_the_second_line_of_an_arabic_label_is_drawn_whole_on_its_own_line():
    """Through resvg, which draws the DOCX's pictures and a right-to-left chart in the PDF:
    the band of the second line holds that line's ink, not one letter of it."""
    import io

    import numpy as np
    import vl_convert
    from PIL import Image

    from civicfutures.briefings.renderers.print_svg import printable_svg

    def ink(svg: str) -> np.ndarray:
        png = vl_convert.svg_to_png(svg, scale=1)
        # The background is transparent: ink is what is opaque.
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))[:, :, 3] > 128

    wrapped = ARABIC_LABEL.format(
        lines='<tspan>أصوات المهاجرين غير</tspan><tspan x="0" dy="14">مسموعة</tspan>'
    )
    alone = ARABIC_LABEL.format(lines="مسموعة").replace("translate(250,30)", "translate(250,44)")
    band = slice(36, 50)  # below the first line's letters, around the second's baseline
    drawn, expected = ink(printable_svg(wrapped))[band], ink(alone)[band]
    assert expected.sum() > 50
    assert drawn.sum() >= 0.9 * expected.sum()
    # Where its letters are, too: the columns with ink are the same.
    assert (drawn.any(axis=0) == expected.any(axis=0)).mean() > 0.95
