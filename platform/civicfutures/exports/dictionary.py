"""The data dictionary: every column of every tabular export, with codes and labels in every
language of the project, as CSV/XLSX rows or as a Frictionless `datapackage.json`.

Rows: one per column (`code` empty; `label_<tag>` is the column's meaning in that language),
followed by one per code of a coded column (`label_<tag>` is the code's label). The stories
export is described as `stories`; the SPSS and Stata files share their variables (`sav/dta`).
The `.qdpx`/`.qdc` files are XML, described by the REFI-QDA standard rather than here.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import polars as pl

from civicfutures.exports.dataset import ExportData
from civicfutures.exports.labels import project_labels, vocabulary
from civicfutures.exports.notes import ExportNotes
from civicfutures.exports.refiqda import zip_entry
from civicfutures.exports.request import download_name
from civicfutures.exports.statistical import seen_values, variables
from civicfutures.exports.stories import Column, columns, stories_table
from civicfutures.exports.tabular import TABLE_WRITERS, sink_csv_rows
from civicfutures.i18n import gettext as _
from civicfutures.i18n import use_locale

DESCRIPTOR = "datapackage.json"
CHUNK_BYTES = 1 << 20
FRICTIONLESS_TYPES = {"integer": "integer", "string": "string", "date": "date", "list": "string"}


def label_column(tag: str) -> str:
    return "label_" + tag.lower().replace("-", "_")


def _stories_codes(
    data: ExportData, column: Column, lang: str, seen: dict[str, list[str]]
) -> dict[str, str]:
    """`{code: label}` of a coded stories column in `lang`."""
    if column.codes == "site":
        return {s["slug"]: s["name"] for s in data.scope.sites}
    if column.codes == "theme":
        return project_labels(lang, data.project, data.themes).theme_labels()
    if column.codes.startswith("attribute:"):
        name = column.codes.split(":", 1)[1]
        labels = project_labels(lang, data.project, data.themes)
        for attribute in data.attributes:
            if attribute["name"] == name:
                return labels.choices(attribute)
        return {}
    seen_key = "story_kind" if column.codes == "story_kind" else column.codes
    return vocabulary(column.codes, lang, seen.get(seen_key, []))


def dictionary_rows(data: ExportData, lang: str) -> pl.DataFrame:
    """The dictionary as a table; `meaning` in `lang`, labels in every project language."""
    languages = data.scope.languages
    seen = seen_values(data)
    rows: list[dict[str, Any]] = []

    def by_language(make) -> dict[str, str]:
        out = {}
        for tag in languages:
            with use_locale(tag):
                out[label_column(tag)] = make(tag)
        return out

    with use_locale(lang):
        story_columns = columns(data)
    per_language_columns = {}
    for tag in languages:
        with use_locale(tag):
            per_language_columns[tag] = {c.name: c.meaning for c in columns(data)}
    for column in story_columns:
        rows.append(
            {
                "export": "stories",
                "column": column.name,
                "type": column.type,
                "meaning": column.meaning,
                "code": "",
                **{label_column(t): per_language_columns[t][column.name] for t in languages},
            }
        )
        if column.codes:
            codes = {t: _stories_codes(data, column, t, seen) for t in languages}
            for code in _stories_codes(data, column, lang, seen):
                rows.append(
                    {
                        "export": "stories",
                        "column": column.name,
                        "type": "",
                        "meaning": "",
                        "code": code,
                        **{label_column(t): codes[t].get(code, "") for t in languages},
                    }
                )

    own = variables(data, lang, seen)
    others = {t: variables(data, t, seen) for t in languages}
    for i, variable in enumerate(own):
        rows.append(
            {
                "export": "sav/dta",
                "column": variable.name,
                "type": variable.type,
                "meaning": variable.label,
                "code": "",
                **{label_column(t): others[t][i].label for t in languages},
            }
        )
        for code, _text in variable.value_labels.items():
            rows.append(
                {
                    "export": "sav/dta",
                    "column": variable.name,
                    "type": "",
                    "meaning": "",
                    "code": str(code),
                    **{label_column(t): others[t][i].value_labels.get(code, "") for t in languages},
                }
            )
    schema = {
        "export": pl.String,
        "column": pl.String,
        "type": pl.String,
        "meaning": pl.String,
        "code": pl.String,
    }
    schema |= {label_column(t): pl.String for t in languages}
    return pl.DataFrame(rows, schema=schema)


def write_dictionary_table(data: ExportData, path: Path, notes: ExportNotes, work: Path) -> None:
    TABLE_WRITERS[notes.format]([dictionary_rows(data, notes.lang).lazy()], path, notes, work)


def csv_name(data: ExportData, notes: ExportNotes, kind: str) -> str:
    """The file name the `kind` export gets as CSV (the same rule as the downloads)."""
    return download_name(data.project["slug"], notes.lang, kind, "csv")


def _csv_resource(
    name: str, title: str, path: str, description: str, schema: dict[str, Any]
) -> dict[str, Any]:
    """A Frictionless tabular resource of a UTF-8 CSV file."""
    return {
        "name": name,
        "title": title,
        **({"description": description} if description else {}),
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }


def datapackage(data: ExportData, notes: ExportNotes) -> dict[str, Any]:
    """A Frictionless tabular data package describing `stories.csv` and `dictionary.csv`."""
    with use_locale(notes.lang):
        story_columns = columns(data)
        dictionary_fields = [
            ("export", _("Export the column belongs to.")),
            ("column", _("Column or variable name.")),
            ("type", _("Type of the column.")),
            ("meaning", _("What the column holds, in the export's language.")),
            ("code", _("A code of a coded column (empty on the column's own row).")),
        ] + [
            (label_column(t), _("Label in {language}.").format(language=t))
            for t in data.scope.languages
        ]
        title = data.project["name"]
        stories_title = _("Stories")
        prefixed = (
            _(
                "Text cells starting with =, +, -, @ or a tab begin with an apostrophe so that spreadsheets keep them as text."
            )
            if notes.text_prefixed_cells
            else ""
        )
        dictionary_title = _("Data dictionary")
    return {
        "profile": "tabular-data-package",
        "name": f"{data.project['slug']}-stories",
        "title": title,
        "description": " ".join(notes.sentences()),
        "civicfutures": {"notes": notes.as_dict()},
        "resources": [
            _csv_resource(
                "stories",
                stories_title,
                csv_name(data, notes, "stories"),
                prefixed,
                {
                    "fields": [
                        {
                            "name": c.name,
                            "type": FRICTIONLESS_TYPES[c.type],
                            "description": c.meaning,
                            **({"format": "default"} if c.type == "date" else {}),
                        }
                        for c in story_columns
                    ],
                    "primaryKey": ["story_id"],
                },
            ),
            _csv_resource(
                "dictionary",
                dictionary_title,
                csv_name(data, notes, "dictionary"),
                prefixed,
                {
                    "fields": [
                        {"name": name, "type": "string", "description": meaning}
                        for name, meaning in dictionary_fields
                    ]
                },
            ),
        ],
    }


def write_datapackage(data: ExportData, path: Path, notes: ExportNotes, work: Path) -> None:
    """One ZIP holding `datapackage.json` beside the stories and dictionary CSV files it
    describes, written together from the same request so that it validates as it is."""
    stories = work / csv_name(data, notes, "stories")
    dictionary = work / csv_name(data, notes, "dictionary")
    sink_csv_rows(stories_table(data, text=True), stories, notes)
    TABLE_WRITERS["csv"]([dictionary_rows(data, notes.lang).lazy()], dictionary, notes, work)
    # Described after the CSV files are written: their writer records how text was kept safe.
    descriptor = json.dumps(datapackage(data, notes), ensure_ascii=False, indent=2) + "\n"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zip_entry(DESCRIPTOR), descriptor.encode("utf-8"))
        for member in (stories, dictionary):
            with member.open("rb") as source, archive.open(zip_entry(member.name), "w") as sink:
                shutil.copyfileobj(source, sink, CHUNK_BYTES)
            member.unlink()
