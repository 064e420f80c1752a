"""The import template: the columns of `vocabulary.py` in one language, ready to fill in.

XLSX: a sheet of headers (required ones marked `*`) whose cells show their help when selected
and offer dropdowns for coded columns (workshop and story types, status, languages, the
project's demographic choices, consent scopes, themes), a help sheet, and a hidden sheet with
the dropdowns' lists. Text columns are formatted as text, so `GDA-01` or a consent version
`2025-01` never turns into a number or a date. CSV: the header row alone, UTF-8 with a BOM
(Excel's cue to read UTF-8), `;`-separated where the language writes decimal commas (as Excel
does there), `,` elsewhere. Writers sit in a registry keyed by format.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel.numbers import get_decimal_symbol

from civicfutures.auth.actor import Actor
from civicfutures.db.tables import Site, Theme
from civicfutures.errors import FieldError, InvalidInput, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_list
from civicfutures.i18n.labels import LabelContext
from civicfutures.i18n.languages import cldr_locale
from civicfutures.i18n.runtime import catalog_language
from civicfutures.imports.columns import DEMOGRAPHIC_PREFIX
from civicfutures.imports.limits import get_limits
from civicfutures.imports.vocabulary import (
    COLUMNS,
    VALUES,
    demographic_help,
    help_headings,
    help_intro,
    in_language,
    sheet_name,
    value_label,
    yes,
)
from civicfutures.intake.setup_service import find_project, find_site

# Story languages offered in dropdowns besides the sites' own; any BCP 47 tag is accepted.
OFFERED_LANGUAGES: tuple[str, ...] = ("en", "pl", "et", "vro", "it", "uk", "ar", "ru", "de", "fr")
# Fixed creation time, so one project's template is the same file every time it is made.
TEMPLATE_CREATED = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class TemplateColumn:
    key: str
    header: str
    help: str
    required: bool
    choices: list[str]
    # Whether a value outside the dropdown is refused by the spreadsheet (single coded values).
    strict: bool
    width: int
    as_text: bool = False
    as_date: bool = False
    wrap: bool = False


@dataclass(frozen=True)
class TemplateFile:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class TemplateSpec:
    project: str
    language: str
    columns: list[TemplateColumn]
    right_to_left: bool


Writer = Callable[[TemplateSpec], bytes]


class TemplateService:
    """Builds a project's import template in a language, for one site or for all the actor's."""

    async def build(
        self,
        actor: Actor,
        project: str,
        language: str,
        file_format: str,
        site: str | None = None,
    ) -> TemplateFile:
        if file_format not in WRITERS:
            raise InvalidInput(
                _("The request has invalid fields."),
                [
                    FieldError(
                        "format",
                        _("Choose one of: {choices}.").format(
                            choices=format_list(sorted(WRITERS), "or")
                        ),
                    )
                ],
            )
        spec = await self.spec(actor, project, language, site)
        media_type, writer = WRITERS[file_format]
        suffix = f"-{site}" if site else ""
        return TemplateFile(
            filename=f"{spec.project}{suffix}-stories-{spec.language}.{file_format}",
            media_type=media_type,
            content=writer(spec),
        )

    async def spec(
        self, actor: Actor, project: str, language: str, site: str | None = None
    ) -> TemplateSpec:
        """The columns, headers, help and choices the template holds."""
        project_row = await find_project(project)
        sites = (
            await Site.select(Site.id, Site.slug, Site.name, Site.languages)
            .output(load_json=True)
            .where(Site.project == project_row["id"])
            .order_by(Site.id)
        )
        writable = [row for row in sites if actor.writes_site(row["id"])]
        if site:
            site_row = await find_site(actor, site)
            if site_row["project"] != project_row["id"] or not actor.writes_site(site_row["id"]):
                raise NotFound(
                    _("No such site."), [FieldError("site", _("No site “{ref}”.").format(ref=site))]
                )
            writable = [row for row in writable if row["id"] == site_row["id"]]
        tag = catalog_language(language)
        site_languages = tuple(t for row in writable for t in row["languages"] or [])
        labels = LabelContext(
            tag=language,
            site_languages=site_languages,
            project_default=project_row["default_language"],
        )
        themes = (
            await Theme.select(Theme.key, Theme.labels)
            .output(load_json=True)
            .where(Theme.project == project_row["id"])
            .order_by(Theme.position)
            .order_by(Theme.id)
        )
        choices: dict[str, list[str]] = {
            # Names for the people filling it in; the importer reads names and slugs alike.
            "site": [row["name"] for row in writable],
            "language": list(dict.fromkeys((*site_languages, *OFFERED_LANGUAGES))),
            "theme": [labels.label(row["labels"], row["key"]).text for row in themes],
        }
        for vocabulary in ("workshop_kind", "story_kind", "status", "translation_by"):
            choices[vocabulary] = [value_label(vocabulary, v, tag) for v in VALUES[vocabulary]]
        scopes = list(VALUES["consent_scope"])
        choices["consent_scope"] = [
            "; ".join(value_label("consent_scope", scope, tag) for scope in combination)
            for size in range(len(scopes), 0, -1)
            for combination in itertools.combinations(scopes, size)
            if "research" in combination
        ]
        columns: list[TemplateColumn] = []
        for column in COLUMNS:
            if column.key == "site" and site:
                continue
            vocabulary = column.values
            columns.append(
                TemplateColumn(
                    key=column.key,
                    header=column.header(tag) + (" *" if column.required else ""),
                    help=column.help_text(tag),
                    required=column.required,
                    choices=choices.get(vocabulary or column.key, []),
                    strict=vocabulary in ("story_kind", "status", "translation_by"),
                    width=column.width,
                    as_text=not column.is_text
                    and column.key not in ("workshop_date", "consent_given_at", "horizon_year"),
                    as_date=column.key in ("workshop_date", "consent_given_at"),
                    wrap=column.is_text,
                )
            )
            if column.key == "storyteller_codes":
                columns += [
                    _demographic_column(attribute, tag, labels)
                    for attribute in project_row["demographics"] or []
                ]
        return TemplateSpec(
            project=project_row["slug"],
            language=tag,
            columns=columns,
            right_to_left=cldr_locale(tag).text_direction == "rtl",
        )


def _demographic_column(
    attribute: dict[str, Any], tag: str, labels: LabelContext
) -> TemplateColumn:
    return TemplateColumn(
        key=DEMOGRAPHIC_PREFIX + attribute["name"],
        header=labels.label(attribute.get("labels"), attribute["name"]).text,
        help=in_language(demographic_help, tag),
        required=False,
        choices=[
            labels.label(choice.get("labels"), choice["value"]).text
            for choice in attribute.get("choices", [])
        ],
        strict=True,
        width=16,
        as_text=True,
    )


# ---------------------------------------------------------------------- writers


def write_xlsx(spec: TemplateSpec) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    stories_name = in_language(lambda: sheet_name("stories"), spec.language)
    workbook.set_properties({"title": stories_name, "created": TEMPLATE_CREATED})
    stories = workbook.add_worksheet(stories_name)
    help_sheet = workbook.add_worksheet(in_language(lambda: sheet_name("help"), spec.language))
    lists = workbook.add_worksheet("lists")
    lists.hide()
    heading = workbook.add_format(
        {"bold": True, "bg_color": "#E8EEF4", "text_wrap": True, "valign": "top"}
    )
    text = workbook.add_format({"num_format": "@"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})
    last_row = get_limits().max_rows
    for sheet in (stories, help_sheet):
        if spec.right_to_left:
            sheet.right_to_left()
    stories.freeze_panes(1, 0)
    stories.set_row(0, 32)
    for index, column in enumerate(spec.columns):
        cell_format = (
            text if column.as_text else date if column.as_date else wrapped if column.wrap else None
        )
        stories.set_column(index, index, column.width, cell_format)
        stories.write_string(0, index, column.header, heading)
        validation: dict[str, Any] = {
            "validate": "any",
            "input_title": column.header[:32],
            "input_message": column.help[:255],
        }
        if column.choices:
            lists.write_column(0, index, column.choices)
            validation.update(
                {
                    "validate": "list",
                    "source": f"=lists!${_letter(index)}$1:${_letter(index)}${len(column.choices)}",
                    "show_error": column.strict,
                    "error_type": "stop",
                }
            )
        stories.data_validation(1, index, last_row, index, validation)
    titles = in_language(help_headings, spec.language)
    help_sheet.merge_range(0, 0, 0, 3, in_language(help_intro, spec.language), wrapped)
    help_sheet.set_row(0, 60)
    for index, title in enumerate(titles):
        help_sheet.write_string(2, index, title, heading)
    required_mark = in_language(yes, spec.language)
    for offset, column in enumerate(spec.columns, start=3):
        help_sheet.write_string(offset, 0, column.header.removesuffix(" *"))
        help_sheet.write_string(offset, 1, required_mark if column.required else "")
        help_sheet.write_string(offset, 2, column.help, wrapped)
        help_sheet.write_string(offset, 3, ", ".join(column.choices[:60]), wrapped)
    help_sheet.set_column(0, 0, 26)
    help_sheet.set_column(1, 1, 12)
    help_sheet.set_column(2, 2, 70)
    help_sheet.set_column(3, 3, 50)
    workbook.close()
    return buffer.getvalue()


def write_csv(spec: TemplateSpec) -> bytes:
    delimiter = ";" if get_decimal_symbol(cldr_locale(spec.language)) == "," else ","
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerow(
        column.header for column in spec.columns
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _letter(index: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(index)


WRITERS: dict[str, tuple[str, Writer]] = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", write_xlsx),
    "csv": ("text/csv; charset=utf-8", write_csv),
}
