"""SPSS (`.sav`) and Stata (`.dta`) files through pyreadstat: one row per story.

Coded variables are numbers with value labels in the export's language (site, workshop kind,
story kind, status, each demographic attribute); every theme is an indicator `t_<key>` (1 when
any coder coded it, else 0) whose variable label is the theme's label. A group story whose
storytellers differ on an attribute gets the code 98 ("several values"); an attribute nobody
recorded is system-missing. The story text stays out (SPSS strings end at 32,767 bytes; the
text belongs to the `stories` and `qdpx` exports); the title is kept. pyreadstat writes from one
DataFrame, so these files are built in memory, without the story bodies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyreadstat

from civicfutures.exports.dataset import ExportData
from civicfutures.exports.labels import project_labels, vocabulary
from civicfutures.exports.naming import (
    byte_lines,
    cut_chars,
    value_label,
    variable_label,
    variable_names,
)
from civicfutures.exports.notes import ExportNotes
from civicfutures.exports.stories import attribute_column, stories_table
from civicfutures.i18n import gettext as _
from civicfutures.i18n import use_locale

SEVERAL_VALUES = 98
# Database ids fit in 10 digits (a 32-bit serial); counts and years in 4.
IDENTIFIER_DIGITS = 10
COUNT_DIGITS = 4
SPSS_NOTE_BYTES = 80
VOCABULARY_CODES = {
    "workshop_kind": ("storytelling", "future_thinking", "knowledge_exchange"),
    "story_kind": ("present", "future"),
    "status": ("draft", "submitted", "reviewed"),
}


@dataclass
class Variable:
    """One variable of the file: where it comes from, its name, label and value labels."""

    source: str
    name: str
    label: str
    type: str
    """`numeric` (coded, with value labels), `integer`, `string`, `date` or `indicator`."""
    codes: dict[str, int] = field(default_factory=dict)
    value_labels: dict[int, str] = field(default_factory=dict)
    ordered: bool = False
    """A coded variable whose codes run in a meaningful order (the dictionary says so)."""
    source_kind: str = ""
    """`identifier` for ids; empty otherwise (a whole number that is no id is a count or year)."""

    @property
    def measure(self) -> str:
        """SPSS measure level: identifiers and codes are nominal, ordered codes ordinal,
        counts, years and dates scale."""
        if self.type in ("numeric", "indicator", "string") or self.source_kind == "identifier":
            return "ordinal" if self.ordered else "nominal"
        return "scale"

    @property
    def digits(self) -> int | None:
        """Width of a whole-number variable's display format (None: the writer's own)."""
        if self.type == "indicator":
            return 1
        if self.type == "numeric":
            return len(str(max([*self.value_labels, *self.codes.values(), 1])))
        if self.source_kind == "identifier":
            return IDENTIFIER_DIGITS
        if self.type == "integer":
            return COUNT_DIGITS
        return None

    def display_format(self, program: str) -> str | None:
        """Whole numbers shown without decimals: `F10.0` in SPSS, `%10.0f` in Stata."""
        if self.digits is None:
            return None
        return f"F{self.digits}.0" if program == "sav" else f"%{self.digits}.0f"


def seen_values(data: ExportData) -> dict[str, list[str]]:
    """Values of the coded columns found in the data (a small aggregate query)."""
    stories = data.stories.select(
        pl.col("workshop_kind").unique().sort().implode(),
        pl.col("kind").unique().sort().implode().alias("story_kind"),
        pl.col("status").unique().sort().implode(),
    ).collect()
    seen = {
        name: [v for v in stories[name][0].to_list() if v is not None] for name in stories.columns
    }
    values = data.demographics.group_by("attribute").agg(pl.col("value").unique().sort()).collect()
    for attribute, found in values.iter_rows():
        seen[f"attribute:{attribute}"] = list(found)
    several = (
        data.links.join(data.demographics, on="storyteller_id")
        .group_by("story_id", "attribute")
        .agg(pl.col("value").n_unique().alias("n"))
        .filter(pl.col("n") > 1)
        .select(pl.col("attribute").unique())
        .collect()
    )
    seen["several"] = several["attribute"].to_list()
    return seen


def _codes(known: list[str], seen: list[str]) -> dict[str, int]:
    """Numeric codes 1..n: the known vocabulary first, then values met in the data."""
    ordered = list(known) + sorted(v for v in set(seen) if v not in known)
    return {value: i for i, value in enumerate(ordered, start=1)}


def variables(data: ExportData, lang: str, seen: dict[str, list[str]]) -> list[Variable]:
    """The file's variables with labels in `lang`; names are final (SPSS/Stata rules)."""
    labels = project_labels(lang, data.project, data.themes)
    with use_locale(lang):
        out = [
            Variable(
                "story_id", "story_id", _("Story identifier"), "integer", source_kind="identifier"
            ),
            Variable(
                "site",
                "site",
                _("Site"),
                "numeric",
                {s["slug"]: i for i, s in enumerate(data.scope.sites, start=1)},
                {i: s["name"] for i, s in enumerate(data.scope.sites, start=1)},
            ),
            Variable("country", "country", _("Country (ISO 3166-1 alpha-2)"), "string"),
            Variable(
                "workshop_id",
                "workshop_id",
                _("Workshop identifier"),
                "integer",
                source_kind="identifier",
            ),
            Variable("workshop_date", "workshop_date", _("Date of the workshop"), "date"),
        ]
        titles = {
            "workshop_kind": _("Kind of workshop"),
            "story_kind": _("Kind of story"),
            "status": _("Review status"),
        }
        for name in ("workshop_kind", "story_kind"):
            found = seen.get(name, [])
            codes = _codes(list(VOCABULARY_CODES[name]), found)
            names = vocabulary(name, lang, found)
            out.append(
                Variable(
                    name,
                    name,
                    titles[name],
                    "numeric",
                    codes,
                    {c: names[v] for v, c in codes.items()},
                )
            )
        out += [
            Variable("horizon_year", "horizon_year", _("Horizon year of a vision"), "integer"),
            Variable("language", "language", _("Language of the original text"), "string"),
        ]
        found = seen.get("status", [])
        codes = _codes(list(VOCABULARY_CODES["status"]), found)
        names = vocabulary("status", lang, found)
        out += [
            Variable(
                "status",
                "status",
                titles["status"],
                "numeric",
                codes,
                {c: names[v] for v, c in codes.items()},
            ),
            Variable("title", "title", _("Title in the original language"), "string"),
            Variable("n_storytellers", "n_storytellers", _("Number of storytellers"), "integer"),
        ]
        if data.codes:
            out.append(
                Variable(
                    "storyteller_codes",
                    "storyteller_codes",
                    _("Pseudonymous codes of the storytellers"),
                    "string",
                )
            )
        several = _("Several values")
    for attribute in data.attributes:
        column = attribute_column(attribute["name"])
        choices = labels.choices(attribute)
        codes = _codes(list(choices), seen.get(f"attribute:{attribute['name']}", []))
        value_labels = {c: choices.get(v, v) for v, c in codes.items()}
        if attribute["name"] in seen.get("several", []):
            value_labels[SEVERAL_VALUES] = several
        out.append(
            Variable(
                column,
                column,
                labels.attribute(attribute),
                "numeric",
                codes,
                value_labels,
                ordered=bool(attribute.get("ordered")),
            )
        )
    yes_no = vocabulary("yes_no", lang)
    for theme in data.themes:
        out.append(
            Variable(
                f"theme:{theme['key']}",
                f"t_{theme['key']}",
                labels.theme(theme),
                "indicator",
                {},
                {0: yes_no["0"], 1: yes_no["1"]},
            )
        )
    final = variable_names(v.name for v in out)
    for variable in out:
        variable.name = final[variable.name]
    return out


def statistical_frame(data: ExportData, lang: str) -> tuple[pl.DataFrame, list[Variable]]:
    """The DataFrame to write, one row per story, and its variables."""
    described = variables(data, lang, seen_values(data))
    keep = [v.source for v in described if not v.source.startswith("theme:")] + ["themes"]
    frame = stories_table(data, lang).select(keep).collect()
    columns: list[pl.Series] = []
    for variable in described:
        if variable.type == "indicator":
            key = variable.source.split(":", 1)[1]
            series = frame["themes"].list.contains(key).fill_null(False).cast(pl.Int8)
        elif variable.source.startswith("storyteller_codes"):
            series = frame[variable.source].list.join("; ")
        elif variable.type == "numeric" and frame.schema[variable.source] == pl.List(pl.String):
            codes = variable.codes
            series = pl.Series(
                [
                    None if not v else (codes[v[0]] if len(v) == 1 else SEVERAL_VALUES)
                    for v in frame[variable.source].to_list()
                ],
                dtype=pl.Int32,
            )
        elif variable.type == "numeric":
            series = frame[variable.source].replace_strict(
                variable.codes, default=None, return_dtype=pl.Int32
            )
        else:
            series = frame[variable.source]
        columns.append(series.alias(variable.name))
    return pl.DataFrame(columns), described


def _write(data: ExportData, path: Path, notes: ExportNotes, program: str) -> None:
    frame, described = statistical_frame(data, notes.lang)
    column_labels = {v.name: variable_label(v.label, program) for v in described}
    value_labels = {
        v.name: {code: value_label(text, program) for code, text in v.value_labels.items()}
        for v in described
        if v.value_labels
    }
    file_label = cut_chars(f"{data.project['name']} ({notes.lang})", 80)
    formats = {v.name: shown for v in described if (shown := v.display_format(program)) is not None}
    if program == "sav":
        pyreadstat.write_sav(
            frame,
            str(path),
            file_label=file_label,
            column_labels=column_labels,
            variable_value_labels=value_labels,
            note=[line for s in notes.sentences() for line in byte_lines(s, SPSS_NOTE_BYTES)],
            variable_measure={v.name: v.measure for v in described},
            variable_format=formats,
        )
    else:
        pyreadstat.write_dta(
            frame,
            str(path),
            file_label=file_label,
            column_labels=column_labels,
            variable_value_labels=value_labels,
            variable_format=formats,
            version=15,
        )


def write_sav(data: ExportData, path: Path, notes: ExportNotes, work: Path) -> None:
    _write(data, path, notes, "sav")


def write_dta(data: ExportData, path: Path, notes: ExportNotes, work: Path) -> None:
    _write(data, path, notes, "dta")
