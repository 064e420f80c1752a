"""`briefing.pdf`: the HTML briefing laid out for print by WeasyPrint.

A4 pages numbered at the foot, a printed contents list with page numbers on the first page and
PDF bookmarks for every heading, charts as vectors (the HTML's inline SVG). Fonts are the Noto
families installed from Debian (`fonts-noto-core`), which cover Polish, Estonian, Ukrainian and
Arabic; nothing is fetched while rendering, so a briefing never depends on the network.

The same briefing gives the same bytes: the HTML carries no dates, WeasyPrint writes no
creation date without one, and the file identifier is derived from the briefing id.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from concurrent.futures import Future
from pathlib import Path

import vl_convert

from civicfutures.briefings.document import Briefing, Chart
from civicfutures.briefings.drawing import DrawingProcess, pdf_bytes
from civicfutures.briefings.renderers.print_svg import printable_svg
from civicfutures.briefings.renderers.printed import printed
from civicfutures.briefings.renderers.to_html import render_html

PDF = "briefing.pdf"

# Laid over the page's own styles (placed after them in the head, so they win at equal
# specificity; stylesheets handed to WeasyPrint would rank below the page's as user styles). Noto Sans comes first so Latin and Cyrillic never fall back
# to whatever else a machine has; the Arabic faces follow for Arabic script.
PRINT_CSS = """
@page {
  size: A4;
  margin: 18mm 15mm 20mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 8.5pt; color: #56606b; }
  @top-center { content: string(briefing-title); font-size: 8.5pt; color: #56606b; }
}
@page :first { @top-center { content: none; } }
:root { font-family: "Noto Sans", "Noto Sans Arabic", "Noto Naskh Arabic", sans-serif; }
body { font-size: 10pt; }
.page { max-width: none; padding: 0; }
header.cover h1 { string-set: briefing-title content(); font-size: 20pt; }
nav.contents { display: block; break-after: page; }
nav.contents h2 { break-before: auto; bookmark-level: none; }
/* One column, and not a multi-column box of one: WeasyPrint lays that out again on every
   pass that settles the page numbers. */
nav.contents ol { columns: auto; padding-inline-start: 1.25rem; }
nav.contents li { max-width: none; }
nav.contents a { color: inherit; text-decoration: none; }
nav.contents a::after { content: leader(".") target-counter(attr(href url), page); }
section:first-of-type h2 { break-before: auto; }
h1 { bookmark-level: 1; }
h2 { bookmark-level: 2; }
h3 { bookmark-level: 3; }
h4, h5, h6 { bookmark-level: none; }
/* Fixed layout: column widths from the header row, not from measuring every cell (which makes
   long tables several times slower to lay out); the label column gets the room it needs. */
table { font-size: 8pt; table-layout: fixed; width: 100%; }
thead th:first-child { width: 28%; }
caption { font-size: 9.5pt; }
th, td { padding: 0.2rem 0.35rem; overflow-wrap: anywhere; }
/* A tall chart (one row per theme) shrinks to fit a page rather than run off its foot. */
figure.chart svg, figure.chart img { width: auto; height: auto; max-width: 100%; max-height: 225mm; }
figure.chart img[src^="data:image/png"] { image-resolution: %(scale)sdppx; }
p, li { max-width: none; }
/* Words in a left-to-right language inside a right-to-left briefing (a Polish quote in an
   Arabic one) keep their own direction, so their punctuation stays at their end. */
[lang]:not(:lang(ar)):not(:lang(he)):not(:lang(fa)):not(:lang(ur)):not(:lang(ps)):not(:lang(ckb)):not(:lang(yi)) {
  direction: ltr; unicode-bidi: isolate;
}
[lang]:lang(ar), [lang]:lang(he), [lang]:lang(fa), [lang]:lang(ur) { direction: rtl; unicode-bidi: isolate; }
"""


# Arabic and Hebrew script. WeasyPrint draws SVG text letter by letter, without joining or
# reordering, so a chart with such text goes in as a PNG drawn by resvg (which shapes it).
RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
PNG_SCALE = 3


def _printable(chart: Chart) -> Chart:
    """The chart as an SVG image (vectors), or as a PNG when it has right-to-left text.

    An image rather than inline SVG: WeasyPrint's HTML parser is several times slower on a
    large chart's markup than the XML parser it reads SVG images with. A heatmap's cells are
    merged by fill first (`print_svg`).
    """
    svg = printable_svg(chart.svg)
    if RIGHT_TO_LEFT.search(chart.svg):
        png = vl_convert.svg_to_png(svg, scale=PNG_SCALE)
        source = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    else:
        source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return dataclasses.replace(chart, svg=f'<img alt="" src="{source}">')


def print_html(briefing: Briefing) -> str:
    """The HTML briefing with the print styles added, long tables shortened, charts printable."""
    shown = printed(briefing)
    shown.charts = {name: _printable(chart) for name, chart in shown.charts.items()}
    html = render_html(shown)
    style = PRINT_CSS.replace("%(scale)s", str(PNG_SCALE))
    return html.replace("</head>", f"<style>{style}</style>\n</head>", 1)


def _identifier(briefing: Briefing) -> str:
    """The trailer's /ID, which must not vary between builds: two halves from the briefing id."""
    return hashlib.sha256(f"civicfutures-briefing:{briefing.id}".encode()).hexdigest()[:32]


def render_pdf(briefing: Briefing) -> bytes:
    """The PDF laid out in this process (nothing is fetched: `data:` URLs only)."""
    return pdf_bytes(print_html(briefing), _identifier(briefing))


def write_pdf(briefing: Briefing, directory: Path) -> list[Path]:
    path = directory / PDF
    path.write_bytes(render_pdf(briefing))
    return [path]


def start_pdf(briefing: Briefing, drawing: DrawingProcess) -> Future[bytes]:
    """Hand the printable HTML to the drawing process; `finish_pdf` writes its answer.

    The HTML is made here, in the briefing's locale, so the child needs no catalogs.
    """
    return drawing.pdf(print_html(briefing), _identifier(briefing))


def finish_pdf(drawing: DrawingProcess, answer: Future[bytes], directory: Path) -> list[Path]:
    path = directory / PDF
    path.write_bytes(drawing.wait(answer))
    return [path]
