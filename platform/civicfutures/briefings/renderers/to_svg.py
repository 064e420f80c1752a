"""Charts as standalone SVG files (`charts/<name>.svg`), for Markdown and for reuse elsewhere."""

from __future__ import annotations

from pathlib import Path

from civicfutures.briefings.document import Briefing


def write_charts(briefing: Briefing, directory: Path) -> list[Path]:
    folder = directory / "charts"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, chart in sorted(briefing.charts.items()):
        path = folder / f"{name}.svg"
        path.write_text(chart.svg, encoding="utf-8", newline="\n")
        written.append(path)
    return written
