"""The demo briefings' charts read well: on an A4 page and on a phone no two labels overprint,
no label is cut, the colours come from colour-blind-safe palettes, the caption says what the
hidden cells look like, and each chart's figures stand beside it as a table.

The SVG files are checked twice: from their text positions with widths estimated from the
font size (any viewer), and in Chromium with the glyphs' real boxes, at a phone's width and
at the width of an A4 page's text, where the screenshots are taken.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import lxml.etree as etree
import lxml.html
import pytest

from briefings.demo import PROJECT
from browser.conftest import artifacts, browser  # noqa: F401
from civicfutures.briefings.charts import HATCH, OKABE_ITO

SVG = "{http://www.w3.org/2000/svg}"
VENDOR = Path(__file__).resolve().parents[2] / "platform/civicfutures/static/vendor"
AXE_VERSION = json.loads((VENDOR / "vendor.json").read_text())["packages"]["axe-core"]["version"]
AXE = VENDOR / f"axe-core-{AXE_VERSION}/axe.min.js"
WIDTHS = {"phone": 390, "a4": 688}
"""A phone's viewport, and A4's 210 mm less the print margins of 2 × 14 mm at 96 px an inch."""
CHARTS = ("present_vs_future", "prevalence_by_site")
EM = {"normal": 0.58, "bold": 0.64}
"""A generous average advance of Noto Sans (in ems), to estimate a text's width."""
INVISIBLE = re.compile("[\u061c\u200b-\u200f\u2066-\u2069]")
"""Direction marks and other characters without width (CLDR puts some around Arabic numbers)."""
_BUILT: dict[str, Path] = {}


def translated(language: str, message: str) -> str:
    from civicfutures.i18n import gettext, use_locale

    with use_locale(language):
        return gettext(message)


@pytest.fixture
async def briefings(demo_briefings) -> dict[str, Path]:
    """The demo's Polish local and English cross-site briefings, and an Arabic cross-site one."""
    if not _BUILT:
        from civicfutures.auth.actor import SYSTEM
        from civicfutures.briefings.params import BriefingIn
        from civicfutures.briefings.service import BriefingService

        _BUILT.update({key: built["dir"] for key, built in demo_briefings.items()})
        _BUILT["ar"] = await BriefingService().build_into(
            SYSTEM, BriefingIn(project=PROJECT, language="ar")
        )
    return _BUILT


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


# ---------------------------------------------------------------- the files


def chart_svg(directory: Path, name: str) -> str:
    return (directory / f"charts/{name}.svg").read_text(encoding="utf-8")


def figure(directory: Path, name: str) -> lxml.html.HtmlElement:
    page = lxml.html.fromstring((directory / "briefing.html").read_bytes())
    return page.get_element_by_id(f"chart-{name}")


def hatched(svg: str) -> int:
    """Cells filled with the hatching (a gradient whose stops are the hatch grey and white)."""
    root = etree.fromstring(svg.encode())
    hatches = {
        g.get("id")
        for g in root.iter(f"{SVG}linearGradient")
        if {s.get("stop-color") for s in g.iter(f"{SVG}stop")} == {HATCH, "#ffffff"}
    }
    return sum(
        1
        for path in root.iter(f"{SVG}path")
        if path.get("aria-roledescription") == "rect mark"
        and (m := re.fullmatch(r"url\(#(.+)\)", path.get("fill", "")))
        and m.group(1) in hatches
    )


@pytest.mark.parametrize("key", ["pl", "en", "ar"])
@pytest.mark.parametrize("name", CHARTS)
async def test_no_two_labels_overprint_and_none_is_cut(briefings, key, name):
    svg = chart_svg(briefings[key], name)
    labels = svg_labels(svg)
    assert labels
    assert not overprinted(labels)
    texts = [label["text"] for label in labels]
    assert not [t for t in texts if "…" in t or "..." in t]
    # Every row of the chart's table is a label drawn whole (on one or more lines).
    rows = [th.text_content() for th in figure(briefings[key], name).xpath(".//th[@scope='row']")]
    assert rows and set(rows) <= set(texts), set(rows) - set(texts)


@pytest.mark.parametrize("key", ["pl", "en", "ar"])
@pytest.mark.parametrize("name", CHARTS)
async def test_every_colour_is_from_a_colour_blind_safe_palette(briefings, key, name):
    ramp = viridis()
    painted = colours(chart_svg(briefings[key], name))
    assert painted
    assert not [c for c in painted if not safe(c, ramp)]


async def test_the_heatmap_draws_hidden_cells_hatched_and_its_caption_says_so(briefings):
    directory = briefings["en"]
    svg = chart_svg(directory, "prevalence_by_site")
    data = json.loads((directory / "briefing.json").read_text())
    table = data["tables"]["comparison"]
    keys = [c["key"] for c in table["columns"]]
    cells = [dict(zip(keys, row, strict=True)) for row in table["rows"]]
    hidden = [cell for cell in cells if cell["share"] is None]
    assert hidden, "the demo's cross-site briefing has hidden cells"
    assert hatched(svg) == len(hidden)
    assert "Hidden" in [label["text"] for label in svg_labels(svg)]  # the legend's entry
    sentence = "Hatched cells are hidden to protect small groups of fewer than 3 storytellers."
    caption = figure(directory, "prevalence_by_site").xpath(
        ".//figcaption/span[@class='description']"
    )[0]
    for text in (caption.text_content(), data["charts"]["prevalence_by_site"]["description"]):
        assert sentence in text
        assert "Grey" not in text and "grey" not in text
    # The table beside the chart says "hidden" exactly where the chart hatches.
    data_cells = figure(directory, "prevalence_by_site").xpath(".//details//td")
    assert sum(td.text_content() == "hidden" for td in data_cells) == len(hidden)


async def test_hatching_is_said_in_the_briefings_language_and_only_where_it_is_drawn(briefings):
    arabic = chart_svg(briefings["ar"], "prevalence_by_site")
    caption = figure(briefings["ar"], "prevalence_by_site").xpath(".//span[@class='description']")[
        0
    ]
    sentence = translated(
        "ar", "Hatched cells are hidden to protect small groups of fewer than %(k)s storytellers."
    )
    assert (
        sentence
        != "Hatched cells are hidden to protect small groups of fewer than %(k)s storytellers."
    )
    assert hatched(arabic) > 0
    assert sentence.split("%(k)s")[0] in caption.text_content()
    # The Gdańsk briefing draws bars (one site): nothing is hatched and no caption says so.
    for name in CHARTS:
        assert hatched(chart_svg(briefings["pl"], name)) == 0
        text = (
            figure(briefings["pl"], name).xpath(".//span[@class='description']")[0].text_content()
        )
        assert translated("pl", "Hatched cells are hidden to protect small groups of fewer than %(k)s storytellers.").split("%(k)s")[0] not in text  # fmt: skip


@pytest.mark.parametrize("key", ["pl", "en"])
async def test_each_chart_has_a_name_and_its_figures_as_a_table(briefings, key):
    for name in CHARTS:
        node = figure(briefings[key], name)
        title = node.get_element_by_id(f"chart-{name}-title").text_content()
        assert node.get("aria-labelledby") == f"chart-{name}-title" and title
        image = node.xpath(".//div[@class='chart-image']")[0]
        assert image.get("role") == "img" and image.get("aria-label") == title
        assert image.get("dir") == "ltr"
        details = node.xpath(".//details[@class='chart-data']")[0]
        assert details.xpath("./summary")[0].text_content() == translated(
            key, "The chart's figures as a table"
        )
        tables = details.xpath(".//table")
        assert tables and all(t.xpath("./thead//th") and t.xpath("./tbody/tr") for t in tables)
    # The bars' table gives each share as the chart draws it, interval included.
    bars = figure(briefings[key], "present_vs_future").xpath(".//details//table")[0]
    headers = [th.text_content() for th in bars.xpath("./thead//th")]
    assert headers == [translated(key, h) for h in ("Theme", "Share", "95% CI from", "95% CI to")]
    cells = [[c.text_content() for c in tr] for tr in bars.xpath("./tbody/tr")]
    assert any(re.fullmatch(r"\d+\s?%", row[1]) and row[2] and row[3] for row in cells)


# ---------------------------------------------------------------- in Chromium

BOXES = """() => Array.from(document.querySelectorAll('figure.chart')).map(figure => {
  const svg = figure.querySelector('svg');
  const frame = svg.getBoundingClientRect();
  const texts = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim()
      && t.getAttribute('opacity') !== '0');
  return {
    chart: figure.id,
    frame: [frame.left, frame.top, frame.right, frame.bottom],
    scale: frame.width / svg.viewBox.baseVal.width,
    labels: texts.map(t => {
      const b = t.getBBox();
      const m = t.getScreenCTM();
      const corners = [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height],
                       [b.x, b.y + b.height]];
      return {text: t.textContent,
              box: corners.map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f])};
    }),
  };
})"""


@pytest.mark.browser
@pytest.mark.parametrize("key", ["pl", "en", "ar"])
@pytest.mark.parametrize("width", list(WIDTHS))
async def test_chromium_draws_the_charts_whole_at_a4_and_phone_width(
    briefings,
    browser,  # noqa: F811
    artifacts,  # noqa: F811
    key,
    width,
):
    # Tall enough for the tallest figure, so that its screenshot is whole.
    page = await browser.new_page(viewport={"width": WIDTHS[width], "height": 1800})
    if width == "a4":
        await page.emulate_media(media="print")
    await page.goto((briefings[key] / "briefing.html").as_uri())
    figures = await page.evaluate(BOXES)
    assert [f["chart"] for f in figures] == [f"chart-{name}" for name in CHARTS]
    for drawn in figures:
        boxes = [{"text": label["text"], "box": label["box"]} for label in drawn["labels"]]
        assert not overprinted(boxes), (drawn["chart"], overprinted(boxes))
        left, top, right, bottom = drawn["frame"]
        outside = [
            label["text"]
            for label in boxes
            if any(not (left - 1 <= x <= right + 1 and top - 1 <= y <= bottom + 1)
                   for x, y in label["box"])
        ]  # fmt: skip
        assert not outside, (drawn["chart"], outside)
        # The chart fits the page's width, shrunk no further than 12 px text to 9 px.
        assert right <= WIDTHS[width] + 1
        assert drawn["scale"] * 12 >= 9, (drawn["chart"], drawn["scale"])
        # Clipped from the viewport: an element's own screenshot comes out cropped on a
        # right-to-left page that scrolls sideways.
        shown = page.locator(f"#{drawn['chart']}")
        await shown.scroll_into_view_if_needed()
        await page.screenshot(
            path=str(artifacts / f"briefing-{key}-{width}-{drawn['chart']}.png"),
            clip=await shown.bounding_box(),
        )
    # The text alternative opens beside the chart and holds its figures.
    summary = page.locator("#chart-present_vs_future details summary")
    await summary.click()
    assert await page.locator("#chart-present_vs_future details table").first.is_visible()
    problems = await axe_problems(page)
    assert not problems, problems
    await page.close()


async def axe_problems(page) -> list[str]:
    """axe-core's serious and critical findings on the charts (the figures and their tables)."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async () => (await axe.run({include: [['figure.chart']]},"
        " {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [
        f"{v['id']} ({v['impact']}) at {v['nodes'][:3]}"
        for v in result
        if v["impact"] in {"serious", "critical"}
    ]
