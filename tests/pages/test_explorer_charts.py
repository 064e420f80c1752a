"""The analysis explorer's charts share the briefings' styling: every label whole and every
colour from a colour-blind-safe palette, in English and in Arabic."""

from __future__ import annotations

import re
from html import unescape

import pytest

from briefings.svg_reading import colours, safe, svg_labels, viridis
from pages.test_analysis_explorer import KINDS, PROJECT

CHART = re.compile(r'<figure class="analysis-chart"[^>]*>.*?(<svg.*?</svg>)', re.S)


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_every_kinds_chart_reads_whole_in_safe_colours(client, demo, sign_in, lang):
    await sign_in("researcher", lang=lang)
    ramp = viridis()
    for kind in KINDS:
        response = await client.get(f"/{lang}/analysis/{kind}?project={PROJECT}")
        assert response.status_code == 200, (kind, response.text[:500])
        match = CHART.search(response.text)
        assert match, kind
        svg = match.group(1)
        labels = svg_labels(svg)
        texts = [unescape(label["text"]) for label in labels]
        assert not [t for t in texts if "…" in t], kind
        assert not [c for c in colours(svg) if not safe(c, ramp)], kind
