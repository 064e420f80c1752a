"""The build's drawing process: it draws charts and lays out PDFs byte for byte as this
process does, says why a drawing failed and keeps answering, ends when closed, and is kept
for the next build when released."""

from __future__ import annotations

import json

import pytest

from civicfutures.briefings import drawing as drawing_module
from civicfutures.briefings.chart_svg import chart_svg
from civicfutures.briefings.charts import number_locale
from civicfutures.briefings.drawing import (
    DrawingFailed,
    DrawingProcess,
    drawing_process,
    pdf_bytes,
)

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


@pytest.fixture
def own_pool(monkeypatch):
    """An empty pool of kept children for the test: one kept by an earlier build of this
    process may have served most of its builds already."""
    pool: list[DrawingProcess] = []
    monkeypatch.setattr(drawing_module, "_idle", pool)
    yield pool
    for kept in pool:
        kept.close()


def test_a_released_child_serves_the_next_build_and_draws_the_same_bytes(own_pool):
    first = drawing_process()
    pdf = first.wait(first.pdf(PAGE, "0" * 32))
    first.release()
    again = drawing_process()
    try:
        assert again is first and again._child.poll() is None
        assert again.wait(again.pdf(PAGE, "0" * 32)) == pdf == pdf_bytes(PAGE, "0" * 32)
        other = drawing_process()  # one build at a time per child
        assert other is not again
        other.close()
    finally:
        again.close()


def test_a_child_that_ended_or_is_worn_out_is_not_kept(own_pool, monkeypatch):
    ended = drawing_process()
    ended._child.kill()
    ended._child.wait()
    ended.release()
    fresh = drawing_process()
    assert fresh is not ended and fresh._child.poll() is None
    monkeypatch.setattr(drawing_module, "BUILDS_PER_CHILD", 2)
    fresh.wait(fresh.chart(SPEC, number_locale("en"), "once"))
    fresh.release()
    assert drawing_process() is fresh
    fresh.release()
    assert fresh._child.returncode is not None  # its second build was its last
    replaced = drawing_process()
    assert replaced is not fresh
    replaced.close()


def test_a_child_not_made_for_reuse_ends_when_released(own_pool):
    own = DrawingProcess()
    own.wait(own.chart(SPEC, number_locale("en"), "own"))
    own.release()
    assert own._child.returncode is not None
    kept = drawing_process()
    assert kept is not own
    kept.close()
