"""The writers of a briefing, one per format, in a registry keyed by format name.

Each writer takes the assembled `Briefing` and the briefing's directory and returns the files
it wrote. Adding a format is adding an entry here; nothing else branches on the format.
The ZIP of everything (`to_zip`) is not among them: it is packed after the manifest.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from civicfutures.briefings.document import Briefing
from civicfutures.briefings.renderers.to_csv import write_csv
from civicfutures.briefings.renderers.to_docx import write_docx
from civicfutures.briefings.renderers.to_html import write_html
from civicfutures.briefings.renderers.to_json import write_json
from civicfutures.briefings.renderers.to_markdown import write_markdown
from civicfutures.briefings.renderers.to_parquet import write_parquet
from civicfutures.briefings.renderers.to_pdf import write_pdf
from civicfutures.briefings.renderers.to_svg import write_charts
from civicfutures.briefings.renderers.to_xlsx import write_xlsx

Writer = Callable[[Briefing, Path], list[Path]]

RENDERERS: dict[str, Writer] = {
    "html": write_html,
    "markdown": write_markdown,
    "svg": write_charts,
    "xlsx": write_xlsx,
    "csv": write_csv,
    "parquet": write_parquet,
    "json": write_json,
    "pdf": write_pdf,
    "docx": write_docx,
}

FORMATS = tuple(RENDERERS)
