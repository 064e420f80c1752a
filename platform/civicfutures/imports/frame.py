"""A clean CSV file checked as a whole: cells vectorised in a Polars frame, Python once per
distinct value; the stories kept as columns, and built as records only for a commit.

Most files are clean, and their cells repeat (a few sites, dates, kinds, languages, theme lists,
storyteller codes), while titles and texts need only their lengths and Unicode form checked.
`parse_clean_csv` reads the file with Polars, applies every rule of `rows.RowParser` (the same
functions, called once per distinct value; each row then holds its value's number), checks the
rules that join cells of a row or rows of the file on those numbers (translations, horizon
years, workshops, storytellers, a story told twice), and fills the ParsedFile as the row loop
would: workshops and storytellers at once, stories as `StoryColumns`. A dry run counts and
matches the columns; `ParsedFile.records` builds the same records as the row loop when first
asked. At the first sign of trouble it gives up and leaves the ParsedFile untouched: a file with
any problem, or any cell the two CSV readers might split differently (quotes inside a field, a
record over several lines, a lone carriage return, control characters), goes through the row
loop, which reports every problem by row and column as before. Giving up costs a fraction of a
second; it never changes an answer.
"""

from __future__ import annotations

import datetime as dt
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
    body_digest,
    parse_date,
)
from civicfutures.imports.sources import SourceFile, Table
from civicfutures.intake import schemas as s

# Cells whose only rules are their lengths (and the Unicode form every cell has).
LONG_TEXT = ("title", "body", "translation_title", "translation_body")


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
    parsed.workshops, parsed.tellers = result.workshops, result.tellers
    parsed.stories, parsed.rows = result.stories, result.rows
    return True


def _parse(
    source: SourceFile, data: bytes, table: Table, columns: ColumnMap, context: ImportContext
) -> ParsedFile:
    delimiter = table.delimiter or ","
    scan = source.scan()
    # Bytes on which Python's csv module and Polars' reader may disagree, or which the row
    # loop treats specially (`CONTROL_BYTES`, a carriage return that ends no line).
    if scan.controls or scan.lone_returns or _stray_quote(delimiter).search(data):
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
    lines = scan.lines + (0 if data.endswith(b"\n") else 1)
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
    # The cyclic collector would walk the heap again and again while the storytellers are
    # made, none of which can form a cycle.
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
        # Each distinct value's number, in the order first met: the rows hold these numbers.
        self.numbers: dict[Any, int] = {}

    def __getitem__(self, text: Any) -> Any:
        known = self.known
        if text not in known:
            found: list[Any] = []
            value = self.compute(text, lambda key, message: found.append((key, message)))
            if found:
                raise _Unclean
            known[text] = value
        return known[text]

    def check(self, texts: pl.Series) -> None:
        """Each distinct text of the column checked, its values not kept."""
        for text in texts.unique().to_list():
            self[text]

    def ids(self, texts: pl.Series) -> pl.Series:
        """Per row, the number of its cell's value (`values()[number]`): cells that differ in
        writing but mean the same (a label and its key, two ways to write a date) share one."""
        distinct = texts.unique().to_list()
        numbers = self.numbers
        ids = [numbers.setdefault(self[text], len(numbers)) for text in distinct]
        return texts.replace_strict(distinct, ids, return_dtype=pl.UInt32)

    def values(self) -> list[Any]:
        return list(self.numbers)


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


# The cells a story is built from, besides the storytellers' (which the RowParser names).
STORY_KEYS = (
    "site",
    "workshop_date",
    "workshop_kind",
    "workshop_title",
    "workshop_language",
    "storyteller_codes",
    "story_kind",
    "horizon_year",
    "language",
    "title",
    "body",
    "status",
    "translation_language",
    "translation_title",
    "translation_body",
    "translation_by",
    "themes",
    "coder",
)


def _check_normal_form(cells: pl.DataFrame, keys: list[str]) -> None:
    """Every cell NFC already. A cell as long in bytes as in characters is ASCII, NFC by
    definition (Polars finds them); only the others are asked of Python's quick check."""
    is_nfc = partial(unicodedata.is_normalized, "NFC")
    wide = cells.select(
        pl.col(key).filter(pl.col(key).str.len_bytes() != pl.col(key).str.len_chars()).implode()
        for key in keys
    )
    for key in keys:
        if not all(map(is_nfc, wide[key][0].to_list())):
            raise _Unclean


def _build(
    cells: pl.DataFrame, keys: list[str], columns: ColumnMap, context: ImportContext
) -> ParsedFile:
    _check_normal_form(cells, keys)
    parsed = ParsedFile(columns=columns)
    parser = RowParser(context, columns, Problems(1), parsed)
    teller_keys = list(parser.teller_keys)
    absent = [key for key in dict.fromkeys((*STORY_KEYS, *teller_keys)) if key not in keys]
    cells = cells.with_columns(pl.lit("", dtype=pl.String).alias(key) for key in absent)

    site = _Values(lambda text, problem: parser._site({"site": text}, problem))
    date = _Values(lambda text, problem: parse_date(text) or problem("workshop_date", ""))
    typed = {
        key: _typed(key, context)
        for key in (*CODED, "workshop_title", "consent_version", "coder", "horizon_year")
    }
    for key in ("workshop_title", "consent_version"):
        typed[key].check(cells[key])
    language = _language("language")
    workshop_language = _language("workshop_language")
    translation_language = _language("translations.0.language")
    codes = _Values(parser._codes)
    themes = _Values(parser._themes)
    translated = (
        (pl.col("translation_language") != "")
        | (pl.col("translation_title") != "")
        | (pl.col("translation_body") != "")
    )
    ids = pl.DataFrame(
        {
            "row": cells["row"],
            "site": site.ids(cells["site"]),
            "date": date.ids(cells["workshop_date"]),
            "workshop_kind": typed["workshop_kind"].ids(cells["workshop_kind"]),
            "workshop_language": workshop_language.ids(cells["workshop_language"]),
            "story_kind": typed["story_kind"].ids(cells["story_kind"]),
            "status": typed["status"].ids(cells["status"]),
            "translation_by": typed["translation_by"].ids(cells["translation_by"]),
            "coder": typed["coder"].ids(cells["coder"]),
            "horizon_year": typed["horizon_year"].ids(cells["horizon_year"]),
            "language": language.ids(cells["language"]),
            "translation_language": translation_language.ids(cells["translation_language"]),
            "codes": codes.ids(cells["storyteller_codes"]),
            "themes": themes.ids(cells["themes"]),
        }
    )
    check_budget()
    if None in site.numbers or None in date.numbers or None in typed["story_kind"].numbers:
        raise _Unclean
    stories = StoryColumns(
        ids=ids,
        texts=cells.select(
            "workshop_title", "title", "body", "translation_title", "translation_body"
        ),
        values={
            "site": site.values(),
            "date": date.values(),
            "workshop_kind": typed["workshop_kind"].values(),
            "workshop_language": workshop_language.values(),
            "story_kind": typed["story_kind"].values(),
            "status": typed["status"].values(),
            "translation_by": typed["translation_by"].values(),
            "coder": typed["coder"].values(),
            "horizon_year": typed["horizon_year"].values(),
            "language": language.values(),
            "translation_language": translation_language.values(),
            "codes": codes.values(),
            "themes": themes.values(),
        },
        translated=cells.select(translated).to_series(),
    )
    _check_stories(stories, cells)
    _gather_workshops(stories, context, parsed)
    _gather_tellers(stories, cells, teller_keys, parser, parsed)
    parsed.stories = stories
    parsed.rows = cells.height
    return parsed


def _check_stories(stories: StoryColumns, cells: pl.DataFrame) -> None:
    """The rules that join cells of a row (`RowParser.parse`), over the distinct pairs."""
    ids, values = stories.ids, stories.values
    present = [i for i, kind in enumerate(values["story_kind"]) if kind == "present"]
    dated = [i for i, year in enumerate(values["horizon_year"]) if year is not None]
    if ids.select(
        (pl.col("story_kind").is_in(present) & pl.col("horizon_year").is_in(dated)).any()
    ).item():
        raise _Unclean
    complete = (pl.col("translation_language") != "") & (pl.col("translation_body") != "")
    if cells.select((stories.translated & ~complete).any()).item():
        raise _Unclean
    pairs = ids.filter(stories.translated).select("translation_language", "language").unique()
    tags, languages = values["translation_language"], values["language"]
    for tag, canonical in pairs.iter_rows():
        if tags[tag] == languages[canonical]:
            raise _Unclean
    # One story told twice in the file (its natural key: workshop, sorted codes, text).
    sorted_codes: dict[tuple[str, ...], int] = {}
    numbers = [
        sorted_codes.setdefault(tuple(sorted(codes)), len(sorted_codes))
        for codes in values["codes"]
    ]
    keys = pl.DataFrame(
        {
            "workshop": stories.workshop_numbers(),
            "codes": pl.Series(numbers, dtype=pl.UInt32).gather(ids["codes"]),
            "body": stories.texts["body"],
        }
    )
    if keys.is_duplicated().any():
        raise _Unclean


def _gather_workshops(stories: StoryColumns, context: ImportContext, parsed: ParsedFile) -> None:
    """`RowParser.parse`'s workshops: each from the first row naming it, titled by the first
    row that gives a title."""
    values = stories.values
    frame = stories.ids.select(
        "row",
        "site",
        "date",
        "workshop_kind",
        "workshop_language",
        "language",
        workshop=stories.workshop_numbers(),
        title=stories.texts["workshop_title"],
    )
    workshops = parsed.workshops
    firsts = frame.filter(pl.col("workshop").is_first_distinct())
    for row, site, held, kind, spoken, told, _number, title in firsts.iter_rows():
        site_id = values["site"][site]
        languages = context.sites[site_id]["languages"]
        key = (site_id, values["date"][held], values["workshop_kind"][kind])
        workshops[key] = WorkshopSpec(
            site_id=site_id,
            held_on=key[1],
            kind=key[2],
            language=values["workshop_language"][spoken]
            or (languages[0] if languages else values["language"][told]),
            title=title,
            row=row,
        )
    titled = frame.filter(pl.col("title") != "").filter(pl.col("workshop").is_first_distinct())
    for _row, site, held, kind, *_rest, title in titled.iter_rows():
        spec = workshops[values["site"][site], values["date"][held], values["workshop_kind"][kind]]
        if not spec.title:
            spec.title = title


def _gather_tellers(
    stories: StoryColumns,
    cells: pl.DataFrame,
    teller_keys: list[str],
    parser: RowParser,
    parsed: ParsedFile,
) -> None:
    """`RowParser._merge_tellers` for rows that agree: each storyteller from the first row
    naming them, merged with what each other distinct set of their cells adds."""
    joined = cells.select(pl.concat_str(teller_keys, separator="\x1f")).to_series()
    distinct = joined.unique().to_list()
    numbers = joined.replace_strict(distinct, range(len(distinct)), return_dtype=pl.UInt32)
    described = _Values(parser._teller_values)
    # CONTROL_BYTES keep \x1f out of every cell taken here: the join splits back as it was.
    teller_values = [
        described[tuple(zip(teller_keys, text.split("\x1f"), strict=True))] for text in distinct
    ]
    ids, values = stories.ids, stories.values
    # Each row's codes, one line each, in the row's order (as `_merge_tellers` meets them).
    codes = pl.DataFrame(
        {
            "codes": [number for number, found in enumerate(values["codes"]) for _ in found],
            "code": [code for found in values["codes"] for code in found],
        },
        schema={"codes": pl.UInt32, "code": pl.String},
    )
    named = (
        ids.select("row", "site", "date", "codes")
        .with_columns(cells=numbers)
        .join(codes, on="codes", how="inner", maintain_order="left_right")
        .select("row", "site", "date", "cells", "code")
        .unique(subset=["code", "cells", "site"], keep="first", maintain_order=True)
    )
    check_budget()
    sites, dates = values["site"], values["date"]
    tellers = parsed.tellers
    for row, site, held, number, code in named.iter_rows():
        site_id, teller_cells = sites[site], teller_values[number]
        teller = tellers.get(code)
        if teller is None:
            tellers[code] = TellerSpec(
                code=code,
                site_id=site_id,
                row=row,
                workshop_date=dates[held],
                values=dict(teller_cells),
                rows=dict.fromkeys(teller_cells, row),
            )
            continue
        if teller.site_id != site_id:
            raise _Unclean
        for key, value in teller_cells.items():
            if key not in teller.values:
                teller.values[key] = value
                teller.rows[key] = row
            elif teller.values[key] != value:
                raise _Unclean


class StoryColumns:
    """A clean file's stories as columns: per row the number of each cell's value, and the
    long texts. A dry run counts and matches them as they are; `records()` builds the
    StoryRecords a commit writes."""

    def __init__(
        self,
        ids: pl.DataFrame,
        texts: pl.DataFrame,
        values: dict[str, list[Any]],
        translated: pl.Series,
    ) -> None:
        self.ids = ids
        self.texts = texts
        self.values = values
        self.translated = translated
        self._workshops: pl.Series | None = None

    @property
    def height(self) -> int:
        return self.ids.height

    def workshop_numbers(self) -> pl.Series:
        """Per row, one number per workshop (site, date, type)."""
        if self._workshops is None:
            dates = len(self.values["date"])
            kinds = len(self.values["workshop_kind"])
            self._workshops = self.ids.select(
                (
                    pl.col("site").cast(pl.UInt64) * (dates * kinds)
                    + pl.col("date").cast(pl.UInt64) * kinds
                    + pl.col("workshop_kind")
                ).alias("workshop")
            ).to_series()
        return self._workshops

    def workshop_key(self, site: int, date: int, kind: int) -> tuple[int, dt.date, str]:
        values = self.values
        return (values["site"][site], values["date"][date], values["workshop_kind"][kind])

    def stored(
        self, workshop_ids: dict[tuple[int, dt.date, str], int], stored: set[tuple[Any, ...]]
    ) -> pl.Series:
        """Per row, whether its story is stored already: its natural key among `stored`.
        Only rows of a workshop that holds stories have their texts hashed."""
        holding = {key[0] for key in stored}
        places = self.ids.select("site", "date", "workshop_kind").with_columns(
            workshop=self.workshop_numbers()
        )
        candidates = [
            number
            for site, date, kind, number in places.unique("workshop").iter_rows()
            if workshop_ids.get(self.workshop_key(site, date, kind)) in holding
        ]
        found = pl.Series("stored", [False] * self.height, dtype=pl.Boolean)
        if not candidates:
            return found
        mask = self.workshop_numbers().is_in(candidates)
        rows = pl.DataFrame(
            {
                "index": pl.int_range(self.height, eager=True),
                "site": self.ids["site"],
                "date": self.ids["date"],
                "workshop_kind": self.ids["workshop_kind"],
                "codes": self.ids["codes"],
                "body": self.texts["body"],
            }
        ).filter(mask)
        codes = self.values["codes"]
        hits = [
            index
            for index, site, date, kind, teller_codes, body in rows.iter_rows()
            if (
                workshop_ids[self.workshop_key(site, date, kind)],
                tuple(sorted(codes[teller_codes])),
                body_digest(body),
            )
            in stored
        ]
        return found.scatter(hits, True) if hits else found

    def counts(self, new: pl.Series) -> tuple[int, int, int]:
        """(stories, translations, codings) of the rows marked in `new`."""
        themes = pl.Series([len(found) for found in self.values["themes"]], dtype=pl.UInt32)
        frame = pl.DataFrame(
            {
                "new": new,
                "translated": self.translated,
                "codings": themes.gather(self.ids["themes"]),
            }
        )
        stories, translations, codings = frame.select(
            stories=pl.col("new").sum(),
            translations=(pl.col("new") & pl.col("translated")).sum(),
            codings=pl.col("codings").filter(pl.col("new")).sum(),
        ).row(0)
        return int(stories), int(translations), int(codings or 0)

    def records(self) -> list[StoryRecord]:
        """The StoryRecords the row loop would have made, in row order."""
        # The cyclic collector would walk the growing heap again and again while a hundred
        # thousand records are made, none of which can form a cycle.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._records()
        finally:
            if collecting:
                gc.enable()

    def _records(self) -> list[StoryRecord]:
        values = self.values

        def column(key: str) -> list[Any]:
            return list(map(values[key].__getitem__, self.ids[key].to_list()))

        sites, dates, kinds = column("site"), column("date"), column("workshop_kind")
        records: list[StoryRecord] = []
        append = records.append
        for (
            row,
            site_id,
            held_on,
            kind,
            story,
            status,
            by,
            coder,
            horizon_year,
            canonical,
            tag,
            codes,
            theme_ids,
            translated,
            title,
            body,
            translation_title,
            translation_body,
        ) in zip(
            self.ids["row"].to_list(),
            sites,
            dates,
            kinds,
            column("story_kind"),
            column("status"),
            column("translation_by"),
            column("coder"),
            column("horizon_year"),
            column("language"),
            column("translation_language"),
            column("codes"),
            column("themes"),
            self.translated.to_list(),
            self.texts["title"].to_list(),
            self.texts["body"].to_list(),
            self.texts["translation_title"].to_list(),
            self.texts["translation_body"].to_list(),
            strict=True,
        ):
            append(
                StoryRecord(
                    row=row,
                    site_id=site_id,
                    workshop_key=(site_id, held_on, kind),
                    codes=codes,
                    kind=story,
                    horizon_year=horizon_year,
                    language=canonical,
                    title=title,
                    body=body,
                    status=status or "submitted",
                    translation=s.TranslationIn(
                        language=tag,
                        title=translation_title,
                        body=translation_body,
                        by=by or "human",
                    )
                    if translated
                    else None,
                    theme_ids=theme_ids,
                    coder=coder or "",
                )
            )
        return records
