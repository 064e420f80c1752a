"""One row of the file → a story with its workshop and storytellers, checked by the API's rules.

Cells are checked with the intake API's own pieces: the msgspec types of `intake/schemas.py`
(lengths, patterns, ranges), `nfc()` (Unicode NFC, no NUL), the story rules of the story
service (language tags, translations, horizon year) through a `Checker`, and the project's
demographic choices through `check_demographics`. Coded values (kinds, scopes, demographic
choices, themes) may be written as keys or as labels in any shipped language. Every cell is
trimmed and its line breaks made `\\n`, so the same story typed twice hashes the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, Optional, Protocol, get_args, get_type_hints

import msgspec

from civicfutures.errors import InvalidInput
from civicfutures.i18n import current_locale
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_list
from civicfutures.i18n.library_errors import msgspec_message
from civicfutures.i18n.runtime import catalog_language
from civicfutures.imports.columns import DEMOGRAPHIC_PREFIX, ColumnMap
from civicfutures.imports.report import Problems
from civicfutures.imports.vocabulary import VALUES, ValueIndex, normalize, value_index, value_label
from civicfutures.intake import schemas as s
from civicfutures.intake.story_service import _check_text_fields
from civicfutures.intake.validation import Checker, canonical_language, check_demographics, nfc

_STORY = get_type_hints(s.StoryIn, include_extras=True)
_WORKSHOP = get_type_hints(s.WorkshopIn, include_extras=True)
_TELLER = get_type_hints(s.StorytellerIn, include_extras=True)
_CONSENT = get_type_hints(s.ConsentIn, include_extras=True)
_TRANSLATION = get_type_hints(s.TranslationIn, include_extras=True)
_CODING = get_type_hints(s.CodingIn, include_extras=True)

# Column key → the API's type for it: the import accepts exactly what the API accepts.
FIELD_TYPES: dict[str, Any] = {
    "workshop_kind": _WORKSHOP["kind"],
    "workshop_title": _WORKSHOP["title"],
    "consent_version": _CONSENT["version"],
    "story_kind": _STORY["kind"],
    "horizon_year": _STORY["horizon_year"],
    "title": _STORY["title"],
    "body": _STORY["body"],
    "status": _STORY["status"],
    "translation_title": _TRANSLATION["title"],
    "translation_body": _TRANSLATION["body"],
    "translation_by": _TRANSLATION["by"],
    "coder": _CODING["coder"],
}
CODE_TYPE: Any = _TELLER["code"]
# `Annotated[dict[str, Annotated[str, Meta(...)]], Meta(...)]` → the map's value type.
DEMOGRAPHIC_VALUE_TYPE: Any = get_args(get_args(_TELLER["demographics"])[0])[1]

_RowFields = msgspec.defstruct(
    "ImportRowFields",
    [(name, Optional[kind], None) for name, kind in FIELD_TYPES.items()],  # noqa: UP045
    kw_only=True,
)

REQUIRED = ("workshop_date", "workshop_kind", "storyteller_codes", "story_kind", "language", "body")
CODED = {
    "workshop_kind": "workshop_kind",
    "story_kind": "story_kind",
    "status": "status",
    "translation_by": "translation_by",
}
LIST_SPLIT = re.compile(r"[;\n]+")
CODE_SPLIT = re.compile(r"[;,\s]+")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[./](\d{1,2})[./](\d{1,2})$")
_WHOLE_NUMBER = re.compile(r"^(\d{1,4})(?:[.,]0+)?$")


@lru_cache(maxsize=4096)
def parse_date(text: str) -> dt.date | None:
    """ISO dates (also with a time, as spreadsheets give them), day-first `15.03.2025` or
    `15/03/2025` (all the partners' countries write the day first), or `2025/03/15`."""
    text = text.strip()
    for pattern, order in ((_ISO_DATE, "ymd"), (_DAY_FIRST, "dmy"), (_YEAR_FIRST, "ymd")):
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return dt.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def _not_a_date(text: str) -> str:
    """The problem of a date cell that `parse_date` cannot read."""
    return _("“{value}” is not a date: write it as 2025-03-15 or 15.03.2025.").format(value=text)


def parse_moment(text: str) -> dt.datetime | None:
    """A consent time: an ISO date-time (UTC when no offset is given) or any date `parse_date` reads."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        day = parse_date(text)
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if day else None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _is_clean(text: str) -> bool:
    """NFC and without NUL (a row's cells are checked at once, joined by a non-composing \\x1f)."""
    return text.isascii() or ("\x00" not in text and unicodedata.is_normalized("NFC", text))


def body_digest(body: str) -> str:
    """The story text's fingerprint in its natural key (sha256 of the NFC text, as stored)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@lru_cache(maxsize=4096)
def _canonical_tag(tag: str) -> str | None:
    return canonical_language(tag)


class TagCachingChecker(Checker):
    """The API's Checker, remembering valid language tags: 100,000 rows hold a handful of tags."""

    def language(self, field: str, tag: str) -> str:
        canonical = _canonical_tag(tag)
        return super().language(field, tag) if canonical is None else canonical


# The story rules report API field paths; these are the columns they come from.
_API_FIELD_COLUMNS = {
    "language": "language",
    "horizon_year": "horizon_year",
    "translations.0.language": "translation_language",
    "translations.0.title": "translation_title",
    "translations.0.body": "translation_body",
    "workshop_language": "workshop_language",
}


def describe_validation_error(message: str) -> tuple[str | None, str]:
    """A msgspec message as (field, localized text), with the API's wording."""
    return msgspec_message(message)


@dataclass(slots=True)
class WorkshopSpec:
    """A workshop the rows name: created unless one with its natural key exists."""

    site_id: int
    held_on: dt.date
    kind: str
    language: str
    title: str
    row: int


@dataclass(slots=True)
class TellerSpec:
    """A storyteller the rows name, with what the rows say about them (filled cells only)."""

    code: str
    site_id: int
    row: int
    # The first workshop the storyteller is named at: their consent date when none is given.
    workshop_date: dt.date
    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class StoryRecord:
    row: int
    site_id: int
    workshop_key: tuple[int, dt.date, str]
    codes: tuple[str, ...]
    kind: str
    horizon_year: int | None
    language: str
    title: str
    body: str
    status: str
    translation: s.TranslationIn | None
    theme_ids: tuple[int, ...]
    coder: str
    _digest: str | None = field(default=None, compare=False, repr=False)

    @property
    def digest(self) -> str:
        """`body_digest` of the body, worked out when first asked: a dry run asks only for
        stories whose workshop already holds stories, a commit for every story it writes."""
        if self._digest is None:
            self._digest = body_digest(self.body)
        return self._digest

    @property
    def natural_key(self) -> tuple[Any, ...]:
        """Two rows of one file tell the same story: the text itself stands for its hash."""
        return (self.workshop_key, tuple(sorted(self.codes)), self.body)


@dataclass
class ImportContext:
    """What rows are checked against: the project, the sites the actor may write, the codebook."""

    project_id: int
    project_slug: str
    demographics: list[dict[str, Any]]
    sites: dict[int, dict[str, Any]]
    default_site_id: int | None
    coder: str
    theme_ids: dict[str, int] = field(default_factory=dict)
    theme_index: ValueIndex = field(default_factory=ValueIndex)
    site_index: dict[str, int] = field(default_factory=dict)
    demographic_indexes: dict[str, ValueIndex] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for site_id, site in self.sites.items():
            for text in (site["slug"], site["name"]):
                self.site_index.setdefault(normalize(text), site_id)
        for attribute in self.demographics:
            index = ValueIndex()
            for choice in attribute.get("choices", []):
                index.add(choice["value"], *(choice.get("labels") or {}).values())
            self.demographic_indexes[attribute["name"]] = index

    def add_theme(self, theme_id: int, key: str, labels: dict[str, str]) -> None:
        self.theme_ids[key] = theme_id
        self.theme_index.add(key, *labels.values())

    def site_for(self, text: str) -> int | None:
        return self.site_index.get(normalize(text))


class StoryColumns(Protocol):
    """A clean file's stories kept as columns (`frame.StoryColumns`): what a dry run counts
    and matches as they are, and the records a commit writes, built on demand."""

    @property
    def height(self) -> int: ...

    def stored(
        self, workshop_ids: dict[tuple[int, dt.date, str], int], stored: set[tuple[Any, ...]]
    ) -> Any: ...

    def counts(self, new: Any) -> tuple[int, int, int]: ...

    def records(self) -> list[StoryRecord]: ...


@dataclass
class ParsedFile:
    """Everything the rows say, checked row by row and across rows."""

    workshops: dict[tuple[int, dt.date, str], WorkshopSpec] = field(default_factory=dict)
    tellers: dict[str, TellerSpec] = field(default_factory=dict)
    rows: int = 0
    columns: ColumnMap | None = None
    # A clean file checked as a whole keeps its stories as columns: a dry run counts and
    # matches them there, and the records are built when first asked for (by a commit).
    stories: StoryColumns | None = None
    _records: list[StoryRecord] = field(default_factory=list, repr=False)
    _story_rows: dict[tuple[Any, ...], int] = field(default_factory=dict, repr=False)
    _keyed: bool = field(default=True, repr=False)

    @property
    def records(self) -> list[StoryRecord]:
        if self.stories is not None:
            self._records, self.stories, self._keyed = self.stories.records(), None, False
        return self._records

    @property
    def story_rows(self) -> dict[tuple[Any, ...], int]:
        """Each story's natural key and its row (worked out for records built from columns
        only when asked: neither a dry run nor a commit needs them then)."""
        records = self.records
        if not self._keyed:
            self._story_rows = {record.natural_key: record.row for record in records}
            self._keyed = True
        return self._story_rows

    @property
    def story_count(self) -> int:
        return self.stories.height if self.stories is not None else len(self._records)


@cache
def _scopes() -> ValueIndex:
    """Consent scopes by key and by label in every catalog (read once, on first use)."""
    return value_index("consent_scope")


@cache
def _coded_index(key: str) -> ValueIndex:
    return value_index(CODED[key])


class RowParser:
    """Checks rows one by one into a ParsedFile, reporting each problem at its row and column."""

    def __init__(
        self,
        context: ImportContext,
        columns: ColumnMap,
        problems: Problems,
        parsed: ParsedFile,
        *,
        formula_cells: set[tuple[int, str]] | None = None,
    ) -> None:
        self.context = context
        self.columns = columns
        self.problems = problems
        self.parsed = parsed
        # Formula cells are reported by the reader; their cached values are not checked again.
        keys_by_header = {header: key for key, header in columns.headers.items()}
        self.formula_keys: dict[int, set[str]] = {}
        for row, header in formula_cells or ():
            if header in keys_by_header:
                self.formula_keys.setdefault(row, set()).add(keys_by_header[header])
        self._memos: dict[str, dict[str, Any]] = {}
        self.positions = tuple(columns.positions.items())
        self.demographic_keys = [
            key for key in columns.positions if key.startswith(DEMOGRAPHIC_PREFIX)
        ]
        self.teller_keys = (
            *self.demographic_keys,
            "consent_version",
            "consent_given_at",
            "consent_scopes",
        )

    # ------------------------------------------------------------------ helpers

    def _memo(
        self, kind: str, text: Hashable, compute: Callable[[Any, Any], Any], problem: Any
    ) -> Any:
        """`compute(text, problem)` once per distinct text: codes and themes repeat row after row.

        The problems it reports are kept with the value and reported again at each row.
        """
        memo = self._memos.setdefault(kind, {})
        if text not in memo:
            found: list[tuple[str | None, str]] = []
            value = compute(text, lambda key, message: found.append((key, message)))
            if len(memo) >= 50_000:
                memo.clear()
            memo[text] = (value, found)
        value, found = memo[text]
        for key, message in found:
            problem(key, message)
        return value

    def _problem(self, row: int, key: str | None, message: str) -> None:
        column = self.columns.header(key) if key else None
        self.problems.add(row, column, key, message)

    def _values(self, row: int, cells: list[str]) -> dict[str, str] | None:
        width = len(cells)
        values: dict[str, str] = {}
        for key, position in self.positions:
            text = cells[position] if position < width else ""
            if text:
                if "\r" in text:
                    text = text.replace("\r\n", "\n").replace("\r", "\n")
                text = text.strip()
            values[key] = text
        fine = True
        if width > self.columns.width or self.columns.blank_positions:
            stray = [i for i in self.columns.blank_positions if i < width and cells[i].strip()]
            stray += [i for i in range(self.columns.width, width) if cells[i].strip()]
            if stray:
                fine = False
                self._problem(
                    row,
                    None,
                    _(
                        "The row has a value in column {column}, which has no header: give the column a header or delete the value."
                    ).format(column=_column_letter(stray[0])),
                )
        for key in self.formula_keys.get(row, ()):
            values[key] = ""
        joined = "\x1f".join(values.values())
        try:
            # Most rows are NFC already: `nfc()` (the API's normaliser, with its NUL check and
            # messages) runs on the rows that need it, not as a no-op walk over every row.
            if not _is_clean(joined):
                values = nfc(values)
        except InvalidInput as error:
            for item in error.errors:
                self._problem(row, item.field, item.message)
            return None
        return values if fine else None

    # ------------------------------------------------------------------ one row

    def parse(self, row: int, cells: list[str]) -> None:
        self.parsed.rows += 1
        values = self._values(row, cells)
        if values is None:
            return
        found: list[tuple[str | None, str]] = []

        def problem(key: str | None, message: str) -> None:
            found.append((key, message))

        formulas = self.formula_keys.get(row, set())
        for key in REQUIRED:
            if self.columns.has(key) and not values.get(key) and key not in formulas:
                problem(key, _("This field is required."))

        site_id = self._site(values, problem)
        held_on = None
        if values.get("workshop_date"):
            held_on = parse_date(values["workshop_date"])
            if held_on is None:
                problem("workshop_date", _not_a_date(values["workshop_date"]))

        typed: dict[str, Any] = {}
        for key in CODED:
            text = values.get(key, "")
            if text:
                matches = _coded_index(key).lookup(text)
                typed[key] = next(iter(matches)) if len(matches) == 1 else text
        for key in ("workshop_title", "consent_version", "title", "body"):
            if values.get(key):
                typed[key] = values[key]
        for key in ("translation_title", "translation_body"):
            if values.get(key):
                typed[key] = values[key]
        typed["coder"] = values.get("coder") or self.context.coder
        if values.get("horizon_year"):
            number = _WHOLE_NUMBER.match(values["horizon_year"])
            if number is None:
                problem("horizon_year", _("Write the year as a number, e.g. 2050."))
            else:
                typed["horizon_year"] = int(number.group(1))
        fields = self._typed_fields(typed, problem)
        codes = self._memo("codes", values.get("storyteller_codes", ""), self._codes, problem)
        teller_cells = tuple((key, values.get(key, "")) for key in self.teller_keys)
        teller_values = self._memo("tellers", teller_cells, self._teller_values, problem)
        theme_ids = self._memo("themes", values.get("themes", ""), self._themes, problem)

        translation = None
        if any(
            values.get(k) for k in ("translation_language", "translation_title", "translation_body")
        ):
            if not values.get("translation_body"):
                problem("translation_body", _("The translation needs its text."))
            if not values.get("translation_language"):
                problem("translation_language", _("Give the translation's language, e.g. en."))
            if values.get("translation_body") and values.get("translation_language"):
                translation = s.TranslationIn(
                    language=values["translation_language"],
                    title=fields.translation_title or "",
                    body=fields.translation_body or "",
                    by=fields.translation_by or "human",
                )

        check = TagCachingChecker()
        language = values.get("language", "")
        canonical: dict[str, Any] = {"language": language, "translations": []}
        if fields.body and language and fields.story_kind:
            story = s.StoryIn(
                workshop=1,
                storytellers=[1],
                kind=fields.story_kind,
                horizon_year=fields.horizon_year,
                language=language,
                title=fields.title or "",
                body=fields.body,
                status=fields.status or "submitted",
                translations=[translation] if translation else [],
            )
            canonical = _check_text_fields(check, story, story.body, story.language)
        elif language:
            canonical["language"] = check.language("language", language)
        workshop_language = ""
        if values.get("workshop_language"):
            workshop_language = check.language("workshop_language", values["workshop_language"])
        for error in check.errors:
            problem(_API_FIELD_COLUMNS.get(error.field, error.field), error.message)
        if found or site_id is None or held_on is None or not fields.body:
            return self._flush(row, found)

        site = self.context.sites[site_id]
        workshop_key = (site_id, held_on, fields.workshop_kind)
        if workshop_key not in self.parsed.workshops:
            self.parsed.workshops[workshop_key] = WorkshopSpec(
                site_id=site_id,
                held_on=held_on,
                kind=fields.workshop_kind,
                language=workshop_language
                or (site["languages"][0] if site["languages"] else canonical["language"]),
                title=fields.workshop_title or "",
                row=row,
            )
        elif fields.workshop_title and not self.parsed.workshops[workshop_key].title:
            self.parsed.workshops[workshop_key].title = fields.workshop_title
        self._merge_tellers(row, codes, site_id, held_on, teller_values, problem)
        translations = canonical["translations"]
        record = StoryRecord(
            row=row,
            site_id=site_id,
            workshop_key=workshop_key,
            codes=tuple(codes),
            kind=fields.story_kind,
            horizon_year=fields.horizon_year,
            language=canonical["language"],
            title=fields.title or "",
            body=fields.body,
            status=fields.status or "submitted",
            translation=translations[0] if translations else None,
            theme_ids=theme_ids,
            coder=fields.coder or "",
        )
        earlier = self.parsed.story_rows.get(record.natural_key)
        if earlier is not None:
            problem(
                "body",
                _(
                    "This story repeats row {row}: same workshop, storytellers and text. Delete one of the two rows."
                ).format(row=earlier),
            )
        if found:
            return self._flush(row, found)
        self.parsed.story_rows[record.natural_key] = row
        self.parsed.records.append(record)

    def _flush(self, row: int, found: list[tuple[str | None, str]]) -> None:
        for key, message in found:
            self._problem(row, key, message)

    # ------------------------------------------------------------------ pieces

    def _site(self, values: dict[str, str], problem: Any) -> int | None:
        default = self.context.default_site_id
        text = values.get("site", "")
        if not text:
            if default is None and self.columns.has("site"):
                problem("site", _("This field is required."))
            return default
        site_id = self.context.site_for(text)
        if site_id is None:
            problem("site", _("No site “{ref}”.").format(ref=text))
            return None
        if default is not None and site_id != default:
            problem(
                "site",
                _(
                    "This row names the site “{site}”, but you are importing into “{target}”."
                ).format(site=text, target=self.context.sites[default]["name"]),
            )
            return None
        return site_id

    def _typed_fields(self, typed: dict[str, Any], problem: Any) -> Any:
        """The cells as the API's types; every cell's problem is named, not just the first.

        A workshop type that is no known label but a valid code (`citizen_jury`) is accepted,
        as the API accepts it; anything else is reported with the types we know.
        """
        try:
            return msgspec.convert(typed, _RowFields)
        except msgspec.ValidationError:
            pass
        accepted: dict[str, Any] = {}
        for key, value in typed.items():
            try:
                accepted[key] = msgspec.convert(value, FIELD_TYPES[key])
            except msgspec.ValidationError as error:
                _path, text = describe_validation_error(str(error))
                if key == "workshop_kind":
                    text = _("“{value}” is not a workshop type: choose one of {choices}.").format(
                        value=value, choices=_choices_text("workshop_kind")
                    )
                problem(key, text)
        return _RowFields(**accepted)

    def _codes(self, text: str, problem: Any) -> tuple[str, ...]:
        codes = tuple(dict.fromkeys(code for code in CODE_SPLIT.split(text) if code))
        for code in codes:
            try:
                msgspec.convert(code, CODE_TYPE)
            except msgspec.ValidationError as error:
                _path, message = describe_validation_error(str(error))
                problem(
                    "storyteller_codes",
                    _("“{code}” is not a storyteller code: {reason}").format(
                        code=code, reason=message
                    ),
                )
        if len(codes) > 50:
            problem("storyteller_codes", _("Too long: at most {n}.").format(n=50))
        return codes

    def _teller_values(self, cells: tuple[tuple[str, str], ...], problem: Any) -> dict[str, Any]:
        """What the row says about its storytellers (filled cells only), checked as the API
        checks a storyteller (demographics against the project's choices)."""
        values = dict(cells)
        result: dict[str, Any] = {}
        for key in self.demographic_keys:
            text = values.get(key, "")
            if not text:
                continue
            name = key.removeprefix(DEMOGRAPHIC_PREFIX)
            index = self.context.demographic_indexes.get(name)
            matches = index.lookup(text) if index else set()
            value = next(iter(matches)) if len(matches) == 1 else text
            try:
                msgspec.convert(value, DEMOGRAPHIC_VALUE_TYPE)
            except msgspec.ValidationError as error:
                problem(key, describe_validation_error(str(error))[1])
                continue
            result[key] = value
        if values.get("consent_version"):
            result["consent_version"] = values["consent_version"]
        if values.get("consent_given_at"):
            moment = parse_moment(values["consent_given_at"])
            if moment is None:
                problem("consent_given_at", _not_a_date(values["consent_given_at"]))
            else:
                result["consent_given_at"] = moment
        if values.get("consent_scopes"):
            scopes: set[str] = set()
            for part in re.split(r"[;,\n/]+", values["consent_scopes"]):
                if not part.strip():
                    continue
                matches = _scopes().lookup(part)
                if len(matches) == 1:
                    scopes |= matches
                else:
                    problem(
                        "consent_scopes",
                        _("“{value}” is not a consent scope: use {choices}.").format(
                            value=part.strip(), choices=_choices_text("consent_scope")
                        ),
                    )
            result["consent_scopes"] = tuple(sorted(scopes))
        check = Checker()
        demographics = {
            key.removeprefix(DEMOGRAPHIC_PREFIX): value
            for key, value in result.items()
            if key.startswith(DEMOGRAPHIC_PREFIX)
        }
        check_demographics(check, "demographics", demographics, self.context.demographics)
        for error in check.errors:
            problem(error.field, error.message)
        return result

    def _themes(self, text: str, problem: Any) -> tuple[int, ...]:
        found: list[int] = []
        for token in LIST_SPLIT.split(text):
            token = token.strip()
            if not token:
                continue
            parts = [token]
            if not self.context.theme_index.lookup(token) and "," in token:
                parts = [part.strip() for part in token.split(",") if part.strip()]
            for part in parts:
                matches = self.context.theme_index.lookup(part)
                if len(matches) == 1:
                    found.append(self.context.theme_ids[next(iter(matches))])
                elif matches:
                    keys = format_list(sorted(matches))
                    problem(
                        "themes",
                        _("“{label}” names several themes ({keys}); write the key instead.").format(
                            label=part, keys=keys
                        ),
                    )
                else:
                    problem("themes", _("No theme “{key}” in this codebook.").format(key=part))
        return tuple(dict.fromkeys(found))

    def _merge_tellers(
        self,
        row: int,
        codes: tuple[str, ...],
        site_id: int,
        held_on: dt.date,
        values: dict[str, Any],
        problem: Any,
    ) -> None:
        """One storyteller, one description: rows naming a code must agree with each other."""
        for code in codes:
            spec = self.parsed.tellers.get(code)
            if spec is None:
                spec = self.parsed.tellers[code] = TellerSpec(
                    code=code, site_id=site_id, row=row, workshop_date=held_on
                )
            elif spec.site_id != site_id:
                problem(
                    "storyteller_codes",
                    _("The storyteller “{code}” is at another site in row {row}.").format(
                        code=code, row=spec.row
                    ),
                )
                continue
            for key, value in values.items():
                if key in spec.values and spec.values[key] != value:
                    problem(
                        key,
                        _(
                            "The storyteller “{code}” has another value in this column in row {row}."
                        ).format(code=code, row=spec.rows[key]),
                    )
                else:
                    spec.values.setdefault(key, value)
                    spec.rows.setdefault(key, row)


def _column_letter(index: int) -> str:
    """A spreadsheet's name for a 0-based column position: 0 → A, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(65 + remainder) + name
    return name


def _choices_text(vocabulary: str) -> str:
    language = catalog_language(current_locale())
    return format_list(
        (value_label(vocabulary, value, language) for value in VALUES[vocabulary]), "or"
    )
