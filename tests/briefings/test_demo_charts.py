"""The demo briefings' charts read well: on an A4 page and on a phone no two labels overprint,
no label is cut, the colours come from colour-blind-safe palettes, the caption says what the
hidden cells look like, and each chart's figures stand beside it as a table.

The SVG files are checked twice: from their text positions with widths estimated from the
font size (any viewer), and in Chromium with the glyphs' real boxes, at a phone's width and
at the width of an A4 page's text, where the screenshots are taken.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.etree as etree
import lxml.html
import pytest

from briefings.demo import PROJECT
from briefings.svg_reading import SVG, colours, overprinted, safe, svg_labels, viridis
from browser.conftest import artifacts  # noqa: F401
from civicfutures.briefings.charts import HATCH

VENDOR = Path(__file__).resolve().parents[2] / "platform/civicfutures/static/vendor"
AXE_VERSION = json.loads((VENDOR / "vendor.json").read_text())["packages"]["axe-core"]["version"]
AXE = VENDOR / f"axe-core-{AXE_VERSION}/axe.min.js"
WIDTHS = {"phone": 390, "a4": 688}
"""A phone's viewport, and A4's 210 mm less the print margins of 2 × 14 mm at 96 px an inch."""
CHARTS = ("present_vs_future", "prevalence_by_site")
_BUILT: dict[str, Path] = {}


def translated(language: str, message: str) -> str:
    from civicfutures.i18n import gettext, use_locale

    with use_locale(language):
        return gettext(message)


@pytest.fixture
async def briefings(demo_briefings, client, admin) -> dict[str, Path]:
    """The demo's Polish local and English cross-site briefings, and an Arabic cross-site one."""
    if not _BUILT:
        from briefings.conftest import curate_demo
        from civicfutures.auth.actor import SYSTEM
        from civicfutures.briefings.params import BriefingIn
        from civicfutures.briefings.service import BriefingService
        from civicfutures.db.tables import Project
        from civicfutures.demo import load_demo

        _BUILT.update({key: built["dir"] for key, built in demo_briefings.items()})
        # Every test starts from empty tables: the demo is loaded again unless it was just built.
        if not await Project.exists().where(Project.slug == PROJECT):
            await load_demo()
            await curate_demo(client, admin)
        _BUILT["ar"] = await BriefingService().build_into(
            SYSTEM, BriefingIn(project=PROJECT, language="ar")
        )
    return _BUILT


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
    browser,
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
