"""What an export left out and why: written into or beside every export file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from civicfutures.i18n import gettext as _
from civicfutures.i18n import ngettext, use_locale


@dataclass
class ExportNotes:
    """Counts and withheld columns; deterministic (no clock), so equal inputs give equal bytes."""

    project: str
    kind: str
    format: str
    lang: str
    sites: list[str]
    snapshot_id: str = ""
    """The analysis snapshot the export was read from (same id, same data)."""
    stories_in_scope: int = 0
    stories_exported: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    """Stories left out by reason: `consent` (a storyteller lacks research consent or withdrew),
    `draft` (not yet submitted)."""
    storytellers_without_consent: int = 0
    withheld_columns: list[str] = field(default_factory=list)
    """Columns left out for the requester's role: `storyteller_codes`."""
    codes_requested: bool = False
    text_prefixed_cells: str = ""
    """How CSV cells that a spreadsheet would read as a formula were kept as text."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sentences(self) -> list[str]:
        """The notes in words, in the export's language."""
        with use_locale(self.lang):
            lines = [
                ngettext(
                    "{n} story exported.", "{n} stories exported.", self.stories_exported
                ).format(n=self.stories_exported)
            ]
            consent = self.excluded.get("consent", 0)
            if consent:
                lines.append(
                    ngettext(
                        "{n} story left out: a storyteller has not given research consent or withdrew it.",
                        "{n} stories left out: a storyteller has not given research consent or withdrew it.",
                        consent,
                    ).format(n=consent)
                )
            drafts = self.excluded.get("draft", 0)
            if drafts:
                lines.append(
                    ngettext(
                        "{n} draft story left out.", "{n} draft stories left out.", drafts
                    ).format(n=drafts)
                )
            if "storyteller_codes" in self.withheld_columns:
                lines.append(_("Storyteller codes are left out of this export."))
            if self.text_prefixed_cells:
                lines.append(
                    _(
                        "Text cells starting with =, +, -, @ or a tab begin with an apostrophe so that spreadsheets keep them as text."
                    )
                )
        return lines
