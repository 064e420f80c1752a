"""`briefing.json`: the whole briefing as data: sections, tables (typed rows) and chart files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import msgspec

from civicfutures.analysis.disclosure import NOT_FOR_PUBLICATION, PUBLISHED
from civicfutures.briefings.document import Briefing
from civicfutures.briefings.tables import hidden_legend


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def briefing_data(briefing: Briefing) -> dict[str, Any]:
    return {
        "id": briefing.id,
        "title": briefing.title,
        "subtitle": briefing.subtitle,
        "language": briefing.language,
        "direction": briefing.direction,
        "parameters": briefing.parameters,
        "snapshot": briefing.snapshot,
        "suppression": briefing.k,
        "publication": PUBLISHED if briefing.k else NOT_FOR_PUBLICATION,
        # What each value of a reason column means, in the words the tables for people use.
        "hidden_reasons": hidden_legend(briefing.k) if briefing.k else {},
        "sections": msgspec.to_builtins(briefing.sections),
        "tables": {
            name: {
                "title": table.title,
                "description": table.description,
                "columns": [
                    {
                        "key": c.key,
                        "header": c.header,
                        "kind": c.kind,
                        "suppressed_when": list(c.guards),
                    }
                    for c in table.columns
                ],
                "rows": [[_plain(v) for v in row] for row in table.frame.iter_rows()],
            }
            for name, table in briefing.tables.items()
        },
        "charts": {
            name: {
                "title": chart.title,
                "description": chart.description,
                "file": f"charts/{name}.svg",
            }
            for name, chart in sorted(briefing.charts.items())
        },
    }


def write_json(briefing: Briefing, directory: Path) -> list[Path]:
    path = directory / "briefing.json"
    encoded = msgspec.json.format(msgspec.json.encode(briefing_data(briefing)), indent=2)
    path.write_bytes(encoded + b"\n")
    return [path]
