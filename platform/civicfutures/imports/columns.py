"""Which column of the file is which: headers in any shipped language, plus the project's
demographic attributes under their labels in any language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from civicfutures.i18n import current_locale
from civicfutures.i18n import gettext as _
from civicfutures.i18n.runtime import catalog_language
from civicfutures.imports.report import Problems
from civicfutures.imports.vocabulary import COLUMNS, COLUMNS_BY_KEY, normalize

DEMOGRAPHIC_PREFIX = "demographics."


@dataclass
class HeaderIndex:
    """Normalized header text → canonical column key."""

    demographics: list[dict[str, Any]] = field(default_factory=list)
    by_text: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for column in COLUMNS:
            self._add(column.key, column.key)
            for headers in column.headers.values():
                for header in headers:
                    self._add(header, column.key)
        for attribute in self.demographics:
            key = DEMOGRAPHIC_PREFIX + attribute["name"]
            self._add(attribute["name"], key)
            for label in (attribute.get("labels") or {}).values():
                self._add(label, key)

    def _add(self, text: str, key: str) -> None:
        normalized = normalize(text)
        if normalized:
            self.by_text.setdefault(normalized, key)

    def key(self, header: str) -> str | None:
        return self.by_text.get(normalize(header))

    def recognizes(self, header: str) -> bool:
        return self.key(header) is not None


@dataclass
class ColumnMap:
    """Canonical key → position in the row, and the header text the file uses for it."""

    positions: dict[str, int]
    headers: dict[str, str]
    # Where values would have no column: blank header cells, and anything past the last header.
    blank_positions: tuple[int, ...] = ()
    width: int = 0

    def header(self, key: str) -> str:
        """The column's header as written in the file, else as the user's language writes it."""
        if key in self.headers:
            return self.headers[key]
        return expected_header(key)

    def has(self, key: str) -> bool:
        return key in self.positions


def expected_header(key: str, demographics: list[dict[str, Any]] | None = None) -> str:
    """A column's header in the request's language (what the template would write)."""
    language = catalog_language(current_locale())
    if key in COLUMNS_BY_KEY:
        return COLUMNS_BY_KEY[key].header(language)
    name = key.removeprefix(DEMOGRAPHIC_PREFIX)
    for attribute in demographics or []:
        if attribute["name"] == name:
            labels = attribute.get("labels") or {}
            return labels.get(language) or labels.get("en") or name
    return name


def map_header(
    header: list[str],
    header_row: int,
    index: HeaderIndex,
    problems: Problems,
    *,
    site_given: bool,
) -> ColumnMap:
    """Place each header; report unknown, repeated and missing required columns."""
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for position, text in enumerate(header):
        if not text.strip():
            continue
        key = index.key(text)
        if key is None:
            problems.add(
                header_row,
                text,
                None,
                _(
                    "Unknown column “{header}”: use a header of the template, or delete the column."
                ).format(header=text.strip()),
            )
            continue
        if key in positions:
            problems.add(
                header_row,
                text,
                key,
                _("The column “{header}” appears twice (also as “{other}”); keep one.").format(
                    header=text.strip(), other=headers[key].strip()
                ),
            )
            continue
        positions[key] = position
        headers[key] = text
    for column in COLUMNS:
        if column.required and column.key not in positions:
            problems.add(
                header_row,
                None,
                column.key,
                _("The column “{header}” is missing.").format(header=expected_header(column.key)),
            )
    if not site_given and "site" not in positions:
        problems.add(
            header_row,
            None,
            "site",
            _(
                "Say which site the stories belong to: add the column “{header}”, or import from the site's own page."
            ).format(header=expected_header("site")),
        )
    return ColumnMap(
        positions=positions,
        headers=headers,
        blank_positions=tuple(i for i, text in enumerate(header) if not text.strip()),
        width=len(header),
    )
