"""The build's drawing process: it draws charts and lays out PDFs byte for byte as this
process does, says why a drawing failed and keeps answering, and ends when closed."""

from __future__ import annotations

import json

import pytest

from civicfutures.briefings.chart_svg import chart_svg
from civicfutures.briefings.charts import number_locale
from civicfutures.briefings.drawing import DrawingFailed, DrawingProcess, pdf_bytes

SPEC = json.dumps(
    {
        "data": {
            "values": [{"theme": "Transport", "share": 0.25}, {"theme": "Parks", "share": 0.5}]
        },
        "mark": "bar",
        "encoding": {
            "x": {"field": "share", "type": "quantitative", "axis": {"format": "%"}},
            "y": {"field": "theme", "type": "nominal"},
        },
    }
)
PAGE = "<html lang='pl'><body><h1>Gdańsk, Võru, Київ</h1><p>Zażółć gęślą jaźń.</p></body></html>"


@pytest.fixture
def drawing():
    process = DrawingProcess()
    yield process
    process.close()


def test_the_drawing_process_draws_charts_and_pdfs_as_this_process_does(drawing):
    locale = number_locale("pl")
    chart = drawing.chart(SPEC, locale, "shares")
    pdf = drawing.pdf(PAGE, "0" * 32)
    svg = drawing.wait(chart).decode()
    assert svg == chart_svg(SPEC, locale, "shares")
    assert ">25%</text>" in svg and ">Transport</text>" in svg
    assert drawing.wait(pdf) == pdf_bytes(PAGE, "0" * 32)


def test_a_failed_drawing_says_why_and_the_next_one_is_drawn(drawing):
    broken = drawing.chart("{not json", number_locale("en"), "broken")
    after = drawing.chart(SPEC, number_locale("en"), "after")
    with pytest.raises(DrawingFailed) as failure:
        drawing.wait(broken)
    assert "Traceback" in str(failure.value)
    assert drawing.wait(after).startswith(b"<svg")


def test_a_closed_drawing_process_ends_and_takes_no_more_requests():
    drawing = DrawingProcess()
    drawing.close()
    assert drawing._child.returncode is not None
    with pytest.raises(DrawingFailed):
        drawing.chart(SPEC, number_locale("en"), "late")
