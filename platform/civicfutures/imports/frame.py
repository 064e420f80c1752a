"""A clean CSV file checked as a whole: cells vectorised in a Polars frame, Python once per
distinct value, then one lean pass that builds the stories.

Most files are clean, and their cells repeat (a few sites, dates, kinds, languages, theme lists,
storyteller codes), while titles and texts need only their lengths and Unicode form checked.
`parse_clean_csv` reads the file with Polars, applies every rule of `rows.RowParser` (the same
functions, called once per distinct value) and fills the ParsedFile exactly as the row loop
would. At the first sign of trouble it gives up and leaves the ParsedFile untouched: a file with
any problem, or any cell the two CSV readers might split differently (quotes inside a field, a
record over several lines, a lone carriage return, control characters), goes through the row
loop, which reports every problem by row and column as before. Giving up costs a fraction of a
second; it never changes an answer.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from functools import partial
from typing import Any

import msgspec
import polars as pl

from civicfutures.imports.budget import check_budget
from civicfutures.imports.columns import ColumnMap
from civicfutures.imports.limits import get_limits
from civicfutures.imports.report import Problems
from civicfutures.imports.rows import (
    _WHOLE_NUMBER,
    CODED,
    FIELD_TYPES,
    REQUIRED,
    ImportContext,
    ParsedFile,
    RowParser,
    StoryRecord,
    TagCachingChecker,
    TellerSpec,
    WorkshopSpec,
    _coded_index,
    parse_date,
)
from civicfutures.imports.sources import SourceFile, Table
from civicfutures.intake import schemas as s

# Cells whose only rules are their lengths (and the Unicode form every cell has).
LONG_TEXT = ("title", "body", "translation_title", "translation_body")
# Bytes on which Python's csv module and Polars' reader may disagree, or which the row loop
# treats specially (NUL, and the separators Python strips as whitespace and Rust does not).
_AWKWARD_BYTES = (b"\x00", b"\x1c", b"\x1d", b"\x1e", b"\x1f")


def _awkward(data: bytes) -> bool:
    """Whether the file holds such bytes, or a carriage return that ends no line."""
    if any(byte in data for byte in _AWKWARD_BYTES):
        return True
    return b"\r" in data and data.count(b"\r") != data.count(b"\r\n")


class _Unclean(Exception):
    """The file needs the row loop."""


def parse_clean_csv(
    source: SourceFile,
    table: Table,
    columns: ColumnMap,
    context: ImportContext,
    parsed: ParsedFile,
    problems: Problems,
) -> bool:
    """Fill `parsed` as the row loop would and return True, or return False having changed
    nothing when the file has (or may have) any problem."""
    if problems or table.format != "csv" or table.header_row != 1 or table.problems:
        return False
    if table.encoding not in ("UTF-8", "UTF-8 (BOM)") or not source.is_utf8():
        return False
    data = source.data if source.data is not None else source.path.read_bytes()  # type: ignore[union-attr]
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        result = _parse(source, data, table, columns, context)
    except (_Unclean, pl.exceptions.PolarsError):
        return False
    parsed.records, parsed.workshops, parsed.tellers, parsed.story_rows, parsed.rows = result
    return True


def _parse(
    source: SourceFile, data: bytes, table: Table, columns: ColumnMap, context: ImportContext
) -> tuple[Any, ...]:
    delimiter = table.delimiter or ","
    if _awkward(data) or _stray_quote(delimiter).search(data):
        raise _Unclean
    frame = pl.read_csv(
        data,
        has_header=False,
        separator=delimiter,
        quote_char='"',
        infer_schema=False,
        empty_string_is_null=False,
        truncate_ragged_lines=False,
        raise_if_empty=True,
    )
    check_budget()
    lines = source.scan().lines + (0 if data.endswith(b"\n") else 1)
    limits = get_limits()
    # One record per line, so a frame row's number is its line's (as the row loop counts).
    if frame.height != lines or frame.width > limits.max_columns:
        raise _Unclean
    frame = frame.with_columns(pl.all().fill_null(""))
    if [str(cell) for cell in frame.row(0)[: len(table.header)]] != table.header:
        raise _Unclean
    names = frame.columns
    frame = frame.with_row_index("row", offset=1).slice(1)
    # Rows without a filled cell are skipped, as the row loop skips them. A cell is filled
    # when it holds anything but whitespace (what `strip_chars` strips), found without
    # copying every cell of the row into one string.
    filled = pl.any_horizontal(pl.col(names).str.contains(r"\S"))
    frame = frame.filter(filled)
    if frame.height == 0 or frame.height > limits.max_rows:
        raise _Unclean
    unmapped = [names[i] for i in columns.blank_positions if i < len(names)]
    unmapped += names[columns.width :]
    if (
        unmapped
        and frame.select(pl.any_horizontal(pl.col(unmapped).str.strip_chars() != "").any()).item()
    ):
        raise _Unclean
    keys = list(columns.positions)
    cells = frame.select(
        pl.col("row"),
        *(
            (
                pl.col(names[position]).str.strip_chars()
                if position < len(names)
                else pl.lit("", dtype=pl.String)
            ).alias(key)
            for key, position in columns.positions.items()
        ),
    )
    check_budget()
    _check_cells(cells, keys, columns)
    check_budget()
    # The cyclic collector would walk the growing heap again and again while a hundred
    # thousand records are made, none of which can form a cycle.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(cells, keys, columns, context)
    finally:
        if collecting:
            gc.enable()


def _stray_quote(delimiter: str) -> re.Pattern[bytes]:
    """A quote after a letter that does not end its field: a quote inside an unquoted field,
    text after a closing quote, or a doubled quote inside a quoted one. The two readers agree
    on the last, but telling it from the others takes a parser; such files take the row loop."""
    d = re.escape(delimiter.encode())
    # The quote comes first, so the engine jumps from quote to quote.
    return re.compile(rb'"(?<=[^' + d + rb'\n"]")(?![' + d + rb"\r\n])(?!\Z)")


def _check_cells(cells: pl.DataFrame, keys: list[str], columns: ColumnMap) -> None:
    """Required cells filled, long texts within their lengths."""
    checks = [pl.col(key) == "" for key in REQUIRED if columns.has(key)]
    for key in LONG_TEXT:
        if key in keys:
            low, high = _length_bounds(FIELD_TYPES[key])
            length = pl.col(key).str.len_chars()
            filled = pl.col(key) != ""
            checks.append(filled & ((length < low) | (length > high)))
    if cells.select(pl.any_horizontal(checks).any()).item():
        raise _Unclean


def _length_bounds(kind: Any) -> tuple[int, int]:
    low, high = 0, 2**31
    for meta in getattr(kind, "__metadata__", ()):
        if isinstance(meta, msgspec.Meta):
            low = meta.min_length if meta.min_length is not None else low
            high = meta.max_length if meta.max_length is not None else high
            if meta.pattern is not None:  # pragma: no cover - the API's texts have none
                raise _Unclean
    return low, high


class _Values:
    """Each distinct cell of a column checked once by the row loop's own rules."""

    def __init__(self, compute: Any) -> None:
        self.compute = compute
        self.known: dict[Any, Any] = {}

    def __getitem__(self, text: Any) -> Any:
        known = self.known
        if text not in known:
            found: list[Any] = []
            value = self.compute(text, lambda key, message: found.append((key, message)))
            if found:
                raise _Unclean
            known[text] = value
        return known[text]

    def column(self, texts: list[Any]) -> list[Any]:
        """The values of a whole column: each distinct text checked, then looked up in C."""
        for text in set(texts):
            self[text]
        return list(map(self.known.__getitem__, texts))


def _typed(key: str, context: ImportContext) -> _Values:
    kind = FIELD_TYPES[key]

    def compute(text: str, problem: Any) -> Any:
        if key == "coder":
            text = text or context.coder
        if not text:
            return None
        value: Any = text
        if key in CODED:
            matches = _coded_index(key).lookup(text)
            value = next(iter(matches)) if len(matches) == 1 else text
        elif key == "horizon_year":
            number = _WHOLE_NUMBER.match(text)
            if number is None:
                problem(key, "")
                return None
            value = int(number.group(1))
        try:
            return msgspec.convert(value, kind)
        except msgspec.ValidationError:
            problem(key, "")
            return None

    return _Values(compute)


def _language(field: str) -> _Values:
    def compute(text: str, problem: Any) -> str | None:
        if not text:
            return None
        check = TagCachingChecker()
        tag = check.language(field, text)
        if check.errors:
            problem(field, "")
        return tag

    return _Values(compute)


def _build(
    cells: pl.DataFrame, keys: list[str], columns: ColumnMap, context: ImportContext
) -> tuple[Any, ...]:
    parsed = ParsedFile(columns=columns)
    parser = RowParser(context, columns, Problems(1), parsed)
    column = {key: cells[key].to_list() for key in keys}
    # Every cell already NFC (Python's quick check beats normalising every text in Polars).
    is_nfc = partial(unicodedata.is_normalized, "NFC")
    if not all(all(map(is_nfc, values)) for values in column.values()):
        raise _Unclean
    rows = cells["row"].to_list()
    blank = [""] * len(rows)

    def get(key: str) -> list[str]:
        return column.get(key, blank)

    site_of = _Values(lambda text, problem: parser._site({"site": text}, problem))
    date_of = _Values(lambda text, problem: parse_date(text) or problem("workshop_date", ""))
    typed = {
        key: _typed(key, context).column(get(key))
        for key in (*CODED, "workshop_title", "consent_version", "coder", "horizon_year")
    }
    story_languages = _Values(_language("language").compute).column(get("language"))
    translation_languages = _language("translations.0.language")
    workshop_languages = _Values(_language("workshop_language").compute).column(
        get("workshop_language")
    )
    teller_rows = list(zip(*(get(key) for key in parser.teller_keys), strict=True))
    distinct = list(set(teller_rows))
    teller_values = _Values(parser._teller_values).column(
        [tuple(zip(parser.teller_keys, cells, strict=True)) for cells in distinct]
    )
    teller_values_of = dict(zip(distinct, teller_values, strict=True))
    bodies = get("body")
    check_budget()
    # The storyteller cells each code was last merged with: the same cells again add nothing.
    merged: dict[str, dict[str, Any]] = {}
    tellers = parsed.tellers
    story_rows = parsed.story_rows
    workshops = parsed.workshops
    for (
        row,
        site_id,
        held_on,
        kind,
        workshop_title,
        story,
        status,
        by,
        coder,
        horizon_year,
        canonical,
        title,
        body,
        translation_language,
        translation_title,
        translation_body,
        workshop_language,
        codes,
        theme_ids,
        teller_cells,
    ) in zip(
        rows,
        site_of.column(get("site")),
        date_of.column(get("workshop_date")),
        typed["workshop_kind"],
        get("workshop_title"),
        typed["story_kind"],
        typed["status"],
        typed["translation_by"],
        typed["coder"],
        typed["horizon_year"],
        story_languages,
        get("title"),
        bodies,
        get("translation_language"),
        get("translation_title"),
        get("translation_body"),
        workshop_languages,
        _Values(parser._codes).column(get("storyteller_codes")),
        _Values(parser._themes).column(get("themes")),
        teller_rows,
        strict=True,
    ):
        if site_id is None or held_on is None or not body or not story:
            raise _Unclean
        if story == "present" and horizon_year is not None:
            raise _Unclean
        translation = None
        if translation_language or translation_title or translation_body:
            if not (translation_language and translation_body):
                raise _Unclean
            tag = translation_languages[translation_language]
            if tag == canonical:
                raise _Unclean
            translation = s.TranslationIn(
                language=tag, title=translation_title, body=translation_body, by=by or "human"
            )
        workshop_key = (site_id, held_on, kind)
        spec = workshops.get(workshop_key)
        if spec is None:
            languages = context.sites[site_id]["languages"]
            workshops[workshop_key] = WorkshopSpec(
                site_id=site_id,
                held_on=held_on,
                kind=kind,
                language=workshop_language or (languages[0] if languages else canonical),
                title=workshop_title,
                row=row,
            )
        elif workshop_title and not spec.title:
            spec.title = workshop_title
        values = teller_values_of[teller_cells]
        for code in codes:
            # `RowParser._merge_tellers`, for rows that agree.
            teller = tellers.get(code)
            if teller is None:
                tellers[code] = TellerSpec(
                    code=code,
                    site_id=site_id,
                    row=row,
                    workshop_date=held_on,
                    values=dict(values),
                    rows=dict.fromkeys(values, row),
                )
            elif teller.site_id != site_id:
                raise _Unclean
            elif merged.get(code) is not values:
                for key, value in values.items():
                    if key not in teller.values:
                        teller.values[key] = value
                        teller.rows[key] = row
                    elif teller.values[key] != value:
                        raise _Unclean
            merged[code] = values
        natural_key = (workshop_key, tuple(sorted(codes)), body)
        if natural_key in story_rows:
            raise _Unclean
        story_rows[natural_key] = row
        parsed.records.append(
            StoryRecord(
                row=row,
                site_id=site_id,
                workshop_key=workshop_key,
                codes=codes,
                kind=story,
                horizon_year=horizon_year,
                language=canonical,
                title=title,
                body=body,
                status=status or "submitted",
                translation=translation,
                theme_ids=theme_ids,
                coder=coder or "",
            )
        )
    return parsed.records, workshops, parsed.tellers, story_rows, len(rows)
