"""The import: read, check everything, then write all of it in one transaction or nothing.

Natural keys (what makes a row "the same" as something stored, so a re-import changes nothing):
- a workshop is its site + date + type (the oldest such workshop when several exist);
- a storyteller is the project + code (codes are unique per project);
- a story is its workshop + the sorted codes of its storytellers + sha256 of its NFC text.
Rows matching a stored story are counted as existing and left untouched, as are stored
workshops and storytellers: an import adds, it never edits (edits go through the forms and the
API, with their optimistic locking). A stored storyteller whose row disagrees with what is
stored (demographics, consent) is reported rather than silently kept or overwritten.

A dry run and a commit run the same checks; a commit repeats the database checks inside its
transaction (BEGIN IMMEDIATE on SQLite, an advisory lock per project on PostgreSQL), so two
imports of one file cannot both write it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from piccolo.utils.encoding import dump_json

from civicfutures import audit
from civicfutures.auth.actor import Actor
from civicfutures.db import planner
from civicfutures.db.record_key import new_record_key
from civicfutures.db.sql import fetch, placeholders
from civicfutures.db.tables import (
    AuditEvent,
    Coding,
    Site,
    Story,
    StoryStoryteller,
    Storyteller,
    Theme,
    Translation,
    Workshop,
)
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import FieldError, Gone, InvalidInput, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.i18n import ngettext
from civicfutures.i18n.formatting import format_number
from civicfutures.imports.budget import IMPORT_SLOTS, BudgetSpent, check_budget, time_budget
from civicfutures.imports.bulk import insert_rows, lock_for_import
from civicfutures.imports.columns import DEMOGRAPHIC_PREFIX, HeaderIndex, map_header
from civicfutures.imports.frame import parse_clean_csv
from civicfutures.imports.limits import MIB, get_limits
from civicfutures.imports.report import Counts, FileInfo, ImportReport, Problems
from civicfutures.imports.rows import (
    ImportContext,
    ParsedFile,
    RowParser,
    StoryRecord,
    TellerSpec,
    WorkshopSpec,
    body_digest,
)
from civicfutures.imports.sources import ReadError, SourceFile, open_table
from civicfutures.intake.setup_service import find_project, find_site
from civicfutures.search import index as search_index
from civicfutures.search.text import index_text

# progress(stage, done, total): stages "read", "check", "write"; total None when unknown.
Progress = Callable[[str, int, int | None], None]
IN_CHUNK = 1_000
# Some new stories' folded titles and bodies, and on PostgreSQL their two tsvectors each.
IndexChunk = tuple[list[tuple[str, str]], list[tuple[bytes, bytes]] | None]
# Stories folded, and their tsvectors worked out, together: few enough that the first chunks'
# index rows are written while the later ones are still worked out, even in a small import.
FOLDED_PER_CHUNK = 2_500
# What an import writes, whose statistics a large import refreshes.
IMPORTED_TABLES = (
    "workshop",
    "storyteller",
    "story",
    "story_storyteller",
    "translation",
    "coding",
)


class ImportRejected(InvalidInput):
    """The file has problems; nothing was written. Carries the full report."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.detail, [FieldError(e.field, e.message) for e in report.errors])
        self.report = report


@dataclass
class Plan:
    """What a commit writes, after matching the rows against the database."""

    workshop_ids: dict[tuple[int, dt.date, str], int] = field(default_factory=dict)
    new_workshops: list[WorkshopSpec] = field(default_factory=list)
    teller_ids: dict[str, int] = field(default_factory=dict)
    new_tellers: list[TellerSpec] = field(default_factory=list)
    new_records: list[StoryRecord] = field(default_factory=list)
    existing_stories: int = 0
    # A dry run over a clean file's columns counts what it would create without records.
    new_counts: Counts | None = None

    def created(self) -> Counts:
        if self.new_counts is not None:
            return self.new_counts
        return Counts(
            workshops=len(self.new_workshops),
            storytellers=len(self.new_tellers),
            stories=len(self.new_records),
            translations=sum(1 for r in self.new_records if r.translation is not None),
            codings=sum(len(r.theme_ids) for r in self.new_records),
        )

    def existing(self) -> Counts:
        return Counts(
            workshops=len(self.workshop_ids) - len(self.new_workshops),
            storytellers=len(self.teller_ids) - len(self.new_tellers),
            stories=self.existing_stories,
        )


@dataclass
class PreparedImport:
    """A file read and checked row by row, not yet matched against the database."""

    actor: Actor
    context: ImportContext
    info: FileInfo
    parsed: ParsedFile
    problems: Problems


class ImportService:
    """Checks a spreadsheet of stories and imports it; a dry run writes nothing.

    `prepare` reads and checks the file without touching the write lock (it is all CPU);
    `check` (dry run) and `commit` then match it against the database.
    """

    async def run(
        self,
        actor: Actor,
        source: SourceFile,
        project: str,
        site: str | None = None,
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> ImportReport:
        """The report; raises ImportRejected (422) when the file has any problem, ImportsBusy
        (503) when this process already runs as many imports as it may."""
        async with self.slot():
            prepared = await self.prepare(actor, source, project, site, progress=progress)
            if dry_run:
                return await self.check(prepared, progress=progress)
            return await self.commit(prepared, progress=progress)

    def slot(self) -> contextlib.AbstractAsyncContextManager[None]:
        """One of the process's CIVICFUTURES_IMPORT_MAX_CONCURRENT import slots, held for the
        whole import (reading, matching, writing); ImportsBusy at once when none is free."""
        return IMPORT_SLOTS.hold()

    async def prepare(
        self,
        actor: Actor,
        source: SourceFile,
        project: str,
        site: str | None = None,
        *,
        progress: Progress | None = None,
    ) -> PreparedImport:
        """Read and check every row; another partner's site or an unknown project is a 404."""
        context = await self.context(actor, project, site)
        problems = Problems(get_limits().max_listed_problems)
        parsed = ParsedFile()
        info = await asyncio.to_thread(self._read, source, context, problems, parsed, progress)
        return PreparedImport(actor, context, info, parsed, problems)

    async def check(
        self, prepared: PreparedImport, *, progress: Progress | None = None
    ) -> ImportReport:
        """A dry run: what a commit would write, or ImportRejected with every problem."""
        plan = await self._plan(prepared, progress, counting=True)
        report = self._report(prepared, plan, dry_run=True)
        if prepared.problems:
            raise ImportRejected(report)
        return report

    async def commit(
        self,
        prepared: PreparedImport,
        *,
        progress: Progress | None = None,
        written: Callable[[ImportReport], Awaitable[None]] | None = None,
    ) -> ImportReport:
        """Everything in one transaction, or nothing (ImportRejected) when any problem is found.

        `written` is awaited with the report inside that transaction, after the rows: what it
        writes is committed with them or not at all (a job records its result there)."""
        if prepared.problems:
            plan = await self._plan(prepared, progress)
            raise ImportRejected(self._report(prepared, plan, dry_run=False))
        async with write_transaction():
            await lock_for_import(prepared.context.project_id)
            plan = await self._plan(prepared, progress)
            report = self._report(prepared, plan, dry_run=False)
            if prepared.problems:
                raise ImportRejected(report)
            await self._write(prepared, plan, report, progress)
            if written is not None:
                await written(report)
        created = report.created
        if (
            created.stories + created.storytellers + created.codings + created.translations
            >= planner.REFRESH_AFTER_ROWS
        ):
            await planner.refresh((*IMPORTED_TABLES, *search_index.tables()))
        return report

    # ------------------------------------------------------------------ context

    async def context(self, actor: Actor, project: str, site: str | None) -> ImportContext:
        """The project and the sites the actor may import into; another's site is a 404."""
        project_row = await find_project(project)
        default_site_id = None
        if site:
            site_row = await find_site(actor, site)
            if site_row["project"] != project_row["id"] or not actor.writes_site(site_row["id"]):
                raise NotFound(
                    _("No such site."), [FieldError("site", _("No site “{ref}”.").format(ref=site))]
                )
            default_site_id = site_row["id"]
        sites = (
            await Site.select(Site.id, Site.slug, Site.name, Site.languages)
            .output(load_json=True)
            .where(Site.project == project_row["id"])
            .order_by(Site.id)
        )
        context = ImportContext(
            project_id=project_row["id"],
            project_slug=project_row["slug"],
            demographics=list(project_row["demographics"] or []),
            sites={row["id"]: row for row in sites if actor.writes_site(row["id"])},
            default_site_id=default_site_id,
            coder=actor.label[:64],
        )
        themes = (
            await Theme.select(Theme.id, Theme.key, Theme.labels)
            .output(load_json=True)
            .where(Theme.project == project_row["id"])
            .order_by(Theme.position)
            .order_by(Theme.id)
        )
        for theme in themes:
            context.add_theme(theme["id"], theme["key"], theme["labels"] or {})
        return context

    # ------------------------------------------------------------------ reading

    def _read(
        self,
        source: SourceFile,
        context: ImportContext,
        problems: Problems,
        parsed: ParsedFile,
        progress: Progress | None,
    ) -> FileInfo:
        """Parse and check every row (runs in a worker thread: it is all CPU), within the time
        budget: the readers and the loop below check it between rows and chunks."""
        with time_budget():
            return self._read_rows(source, context, problems, parsed, progress)

    def _read_rows(
        self,
        source: SourceFile,
        context: ImportContext,
        problems: Problems,
        parsed: ParsedFile,
        progress: Progress | None,
    ) -> FileInfo:
        limits = get_limits()
        info = FileInfo(name=source.name, format="", size=source.size, sha256=source.scan().sha256)
        if info.size > limits.max_bytes:
            problems.add(
                None,
                None,
                None,
                _("The file is too large: at most {limit} MiB can be imported at once.").format(
                    limit=format_number(limits.max_bytes // MIB)
                ),
            )
            return info
        index = HeaderIndex(demographics=context.demographics)
        try:
            table = open_table(source, index.recognizes, _language_hints(context))
        except ReadError as error:
            problems.add(None, None, None, str(error))
            return info
        info.format, info.encoding, info.delimiter, info.sheet = (
            table.format,
            table.encoding,
            table.delimiter,
            table.sheet,
        )
        columns = map_header(
            table.header,
            table.header_row,
            index,
            problems,
            site_given=context.default_site_id is not None,
        )
        parsed.columns = columns
        parser = RowParser(
            context,
            columns,
            problems,
            parsed,
            formula_cells=table.formula_cells,
        )
        try:
            if parse_clean_csv(source, table, columns, context, parsed, problems):
                # The row reader was opened for the header only.
                getattr(table.rows, "close", lambda: None)()
                if progress is not None:
                    progress("read", parsed.rows, parsed.rows)
                return info
            for number, cells in table.rows:
                check_budget()
                if parsed.rows >= limits.max_rows:
                    problems.add(
                        None,
                        None,
                        None,
                        _(
                            "The file has more than {limit} rows: split it into smaller files."
                        ).format(limit=format_number(limits.max_rows)),
                    )
                    break
                parser.parse(number, cells)
                if progress is not None and parsed.rows % 1000 == 0:
                    progress("read", parsed.rows, table.estimated_rows)
        except BudgetSpent as spent:
            problems.add(None, None, None, str(spent))
            return info
        for row, column, message in table.problems:
            problems.add(row, column, None, message)
        if progress is not None:
            progress("read", parsed.rows, parsed.rows)
        if not parsed.rows and not problems:
            problems.add(None, None, None, _("The file has no stories below its header."))
        return info

    # ------------------------------------------------------------------ matching

    async def _plan(
        self, prepared: PreparedImport, progress: Progress | None, *, counting: bool = False
    ) -> Plan:
        """The rows matched against the database; `counting` (a dry run): only what would be
        created is counted, and a clean file's stories stay columns."""
        actor, context, parsed, problems = (
            prepared.actor,
            prepared.context,
            prepared.parsed,
            prepared.problems,
        )
        plan = Plan()
        await self._match_workshops(parsed, plan)
        await self._match_tellers(actor, context, parsed, plan, problems)
        stored = await self._stored_story_keys(plan, parsed)
        if counting and parsed.stories is not None:
            stories = parsed.stories
            known = stories.stored(plan.workshop_ids, stored)
            created, translations, codings = stories.counts(~known)
            plan.existing_stories = stories.height - created
            plan.new_counts = Counts(
                workshops=len(plan.new_workshops),
                storytellers=len(plan.new_tellers),
                stories=created,
                translations=translations,
                codings=codings,
            )
            if progress is not None:
                progress("check", stories.height, stories.height)
            return plan
        # Only a story in a workshop that holds stories can be stored already: the others'
        # texts need no hashing here.
        holding = {key[0] for key in stored}
        for done, record in enumerate(parsed.records, 1):
            workshop_id = plan.workshop_ids.get(record.workshop_key)
            if (
                workshop_id in holding
                and (workshop_id, tuple(sorted(record.codes)), record.digest) in stored
            ):
                plan.existing_stories += 1
            else:
                plan.new_records.append(record)
            if progress is not None and done % 10_000 == 0:
                progress("check", done, len(parsed.records))
        if progress is not None:
            progress("check", len(parsed.records), len(parsed.records))
        return plan

    async def _match_workshops(self, parsed: ParsedFile, plan: Plan) -> None:
        site_ids = sorted({spec.site_id for spec in parsed.workshops.values()})
        if not site_ids:
            return
        rows = (
            await Workshop.select(Workshop.id, Workshop.site, Workshop.held_on, Workshop.kind)
            .where(Workshop.site.is_in(site_ids))
            .order_by(Workshop.id)
        )
        stored: dict[tuple[int, dt.date, str], int] = {}
        for row in rows:
            stored.setdefault((row["site"], row["held_on"], row["kind"]), row["id"])
        for key, spec in parsed.workshops.items():
            if key in stored:
                plan.workshop_ids[key] = stored[key]
            else:
                plan.workshop_ids[key] = 0
                plan.new_workshops.append(spec)

    async def _match_tellers(
        self,
        actor: Actor,
        context: ImportContext,
        parsed: ParsedFile,
        plan: Plan,
        problems: Problems,
    ) -> None:
        codes = sorted(parsed.tellers)
        stored: dict[str, dict[str, Any]] = {}
        # Plain SQL: the query builder spends far longer on a thousand codes than the database.
        for chunk in _chunks(codes, IN_CHUNK):
            rows = await fetch(
                "SELECT id, site, code, demographics, consent_version, consent_given_at, "
                "consent_scopes FROM storyteller "
                f"WHERE project = $1 AND code IN ({placeholders(len(chunk), 2)})",
                context.project_id,
                *chunk,
            )
            for row in rows:
                row = dict(row)
                for key in ("demographics", "consent_scopes"):
                    if isinstance(row[key], str):
                        row[key] = msgspec.json.decode(row[key])
                stored[row["code"]] = row
        for code in codes:
            spec = parsed.tellers[code]
            row = stored.get(code)
            if row is None:
                plan.teller_ids[code] = 0
                plan.new_tellers.append(spec)
                self._check_new_teller(spec, problems, parsed)
                continue
            plan.teller_ids[code] = row["id"]
            if row["site"] != spec.site_id:
                message = (
                    _("The storyteller “{code}” belongs to another site.").format(code=code)
                    if actor.sees_site(row["site"])
                    else _("This project already has a storyteller “{code}”.").format(code=code)
                )
                problems.add(
                    spec.row, _column(parsed, "storyteller_codes"), "storyteller_codes", message
                )
                continue
            self._compare_stored_teller(spec, row, problems, parsed)

    def _check_new_teller(self, spec: TellerSpec, problems: Problems, parsed: ParsedFile) -> None:
        """A new storyteller needs a consent record, as the API's storyteller form does."""
        if not spec.values.get("consent_version"):
            problems.add(
                spec.row,
                _column(parsed, "consent_version"),
                "consent_version",
                _(
                    "The storyteller “{code}” is new: give the version of their consent form."
                ).format(code=spec.code),
            )
        if not spec.values.get("consent_scopes"):
            problems.add(
                spec.row,
                _column(parsed, "consent_scopes"),
                "consent_scopes",
                _("The storyteller “{code}” is new: give what they consented to.").format(
                    code=spec.code
                ),
            )

    def _compare_stored_teller(
        self, spec: TellerSpec, row: dict[str, Any], problems: Problems, parsed: ParsedFile
    ) -> None:
        stored: dict[str, Any] = {
            DEMOGRAPHIC_PREFIX + name: value for name, value in (row["demographics"] or {}).items()
        }
        stored["consent_version"] = row["consent_version"]
        stored["consent_given_at"] = row["consent_given_at"]
        stored["consent_scopes"] = tuple(sorted(row["consent_scopes"] or []))
        for key, value in spec.values.items():
            if stored.get(key) != value:
                problems.add(
                    spec.rows.get(key, spec.row),
                    _column(parsed, key),
                    key,
                    _(
                        "The storyteller “{code}” is registered with another value here. Leave the cell empty, or change the storyteller on their page."
                    ).format(code=spec.code),
                )

    async def _stored_story_keys(self, plan: Plan, parsed: ParsedFile) -> set[tuple[Any, ...]]:
        """Natural keys of stored stories in the workshops the file names, from their stored
        text hashes; only a story without one (written before stories kept hashes, or by a
        restore of such a backup) has its text read back and hashed."""
        workshop_ids = sorted({wid for wid in plan.workshop_ids.values() if wid})
        keys: set[tuple[Any, ...]] = set()
        for chunk in _chunks(workshop_ids, 200):
            codes: dict[int, list[str]] = {}
            marks = placeholders(len(chunk))
            for link in await fetch(
                "SELECT story_storyteller.story, storyteller.code FROM story_storyteller "
                "JOIN story ON story.id = story_storyteller.story "
                "JOIN storyteller ON storyteller.id = story_storyteller.storyteller "
                f"WHERE story.workshop IN ({marks})",
                *chunk,
            ):
                codes.setdefault(link["story"], []).append(link["code"])
            stories = await fetch(
                f"SELECT id, workshop, body_sha256 FROM story WHERE workshop IN ({marks})", *chunk
            )
            unhashed = [story["id"] for story in stories if story["body_sha256"] is None]
            hashes: dict[int, str] = {}
            for ids in _chunks(unhashed, IN_CHUNK):
                for story in await Story.select(Story.id, Story.body).where(Story.id.is_in(ids)):
                    hashes[story["id"]] = body_digest(story["body"])
            for story in stories:
                keys.add(
                    (
                        story["workshop"],
                        tuple(sorted(codes.get(story["id"], []))),
                        story["body_sha256"] or hashes[story["id"]],
                    )
                )
        return keys

    # ------------------------------------------------------------------ writing

    async def _write(
        self,
        prepared: PreparedImport,
        plan: Plan,
        report: ImportReport,
        progress: Progress | None,
    ) -> None:
        now = dt.datetime.now(dt.UTC)
        total = len(plan.new_records)

        def step(done: int) -> None:
            if progress is not None:
                progress("write", done, total)

        step(0)
        # The search index's words, worked out while the rows are written and handed over
        # a chunk at a time (None after the last).
        ready: asyncio.Queue[IndexChunk | None] = asyncio.Queue()
        indexing = asyncio.create_task(_index_words(plan.new_records, ready))
        try:
            await self._write_rows(prepared, plan, report, (indexing, ready), now, step)
        finally:
            if not indexing.done():
                indexing.cancel()
        step(total)

    async def _write_rows(
        self,
        prepared: PreparedImport,
        plan: Plan,
        report: ImportReport,
        indexing: tuple[asyncio.Task[None], asyncio.Queue[IndexChunk | None]],
        now: dt.datetime,
        step: Callable[[int], None],
    ) -> None:
        actor, context, info = prepared.actor, prepared.context, prepared.info
        total = len(plan.new_records)
        workshop_ids = await insert_rows(
            Workshop,
            ("site", "held_on", "kind", "language", "title", "note", "created_at"),
            [
                (w.site_id, w.held_on, w.kind, w.language, w.title, "", now)
                for w in plan.new_workshops
            ],
            returning=True,
        )
        for spec, new_id in zip(plan.new_workshops, workshop_ids, strict=True):
            plan.workshop_ids[(spec.site_id, spec.held_on, spec.kind)] = new_id
        as_json = _JsonMemo()
        teller_rows = [_teller_row(context, spec, now, as_json) for spec in plan.new_tellers]
        teller_ids = await insert_rows(
            Storyteller,
            (
                "project",
                "site",
                "code",
                "demographics",
                "consent_version",
                "consent_given_at",
                "consent_scopes",
                "consent_withdrawn_at",
                "created_at",
                "record_key",
            ),
            teller_rows,
            returning=True,
        )
        for spec, new_id in zip(plan.new_tellers, teller_ids, strict=True):
            plan.teller_ids[spec.code] = new_id
        story_ids: list[int] = []
        batch = 10_000
        for start in range(0, total, batch):
            records = plan.new_records[start : start + batch]
            story_ids += await insert_rows(
                Story,
                (
                    "workshop",
                    "site",
                    "kind",
                    "horizon_year",
                    "language",
                    "title",
                    "body",
                    "body_sha256",
                    "status",
                    "version",
                    "created_by",
                    "updated_by",
                    "created_at",
                    "updated_at",
                ),
                [
                    (
                        plan.workshop_ids[r.workshop_key],
                        r.site_id,
                        r.kind,
                        r.horizon_year,
                        r.language,
                        r.title,
                        r.body,
                        r.digest,
                        r.status,
                        1,
                        actor.user_id,
                        actor.user_id,
                        now,
                        now,
                    )
                    for r in records
                ],
                returning=True,
            )
            step(start + len(records))
        pairs = list(zip(plan.new_records, story_ids, strict=True))
        await insert_rows(
            StoryStoryteller,
            ("story", "storyteller"),
            [(story_id, plan.teller_ids[code]) for r, story_id in pairs for code in r.codes],
        )
        await insert_rows(
            Translation,
            ("story", "language", "title", "body", "origin", "reviewed"),
            [
                (story_id, t.language, t.title, t.body, t.by, False)
                for r, story_id in pairs
                if (t := r.translation) is not None
            ],
        )
        await insert_rows(
            Coding,
            ("story", "theme", "coder", "start_offset", "end_offset", "created_at"),
            [
                (story_id, theme_id, r.coder, None, None, now)
                for r, story_id in pairs
                for theme_id in r.theme_ids
            ],
        )
        await self._audit(
            actor, context, info, plan, pairs, teller_rows, teller_ids, workshop_ids, report, now
        )
        # Last: on PostgreSQL the index's tsvectors may still be worked out meanwhile; each
        # chunk's rows are written as soon as it is ready, while the next is worked out.
        worker, ready = indexing
        written = 0
        while (chunk := await ready.get()) is not None:
            folded, documents = chunk
            ids = story_ids[written : written + len(folded)]
            await search_index.write_new(
                [
                    (story_id, title, body)
                    for (title, body), story_id in zip(folded, ids, strict=True)
                ],
                documents,
            )
            written += len(folded)
        await worker  # raises whatever stopped it early
        if written != len(story_ids):
            raise RuntimeError(f"{written} of {len(story_ids)} stories indexed")

    async def _audit(
        self,
        actor: Actor,
        context: ImportContext,
        info: FileInfo,
        plan: Plan,
        pairs: list[tuple[StoryRecord, int]],
        teller_rows: list[tuple[Any, ...]],
        teller_ids: list[int],
        workshop_ids: list[int],
        report: ImportReport,
        now: dt.datetime,
    ) -> None:
        """One `create` event per new object (as the API writes), and one for the import."""
        detail = dump_json({"import": info.sha256})
        themes = {theme_id: key for key, theme_id in context.theme_ids.items()}
        events: list[tuple[Any, ...]] = []

        def event(entity: str, entity_id: int, state: list[Any]) -> None:
            # The state as written, hashed as encoded (field order fixed by this code).
            state_hash = hashlib.sha256(msgspec.json.encode([entity_id, *state])).hexdigest()
            events.append(
                (
                    now,
                    actor.user_id,
                    actor.label,
                    "create",
                    entity,
                    str(entity_id),
                    "",
                    state_hash,
                    detail,
                )
            )

        for spec, new_id in zip(plan.new_workshops, workshop_ids, strict=True):
            event(
                "workshop",
                new_id,
                [spec.site_id, spec.held_on, spec.kind, spec.language, spec.title],
            )
        for spec, row, new_id in zip(plan.new_tellers, teller_rows, teller_ids, strict=True):
            event("storyteller", new_id, [spec.site_id, spec.code, *row[3:7]])
        # The stories' events, as `event` writes them, in one tight loop: there are many.
        encode, sha256 = msgspec.json.encode, hashlib.sha256
        workshop_of, teller_of = plan.workshop_ids, plan.teller_ids
        head = (now, actor.user_id, actor.label, "create", "story")
        events.extend(
            (
                *head,
                str(story_id),
                "",
                sha256(
                    encode(
                        [
                            story_id,
                            workshop_of[r.workshop_key],
                            sorted([teller_of[c] for c in r.codes]),
                            r.kind,
                            r.horizon_year,
                            r.language,
                            r.title,
                            r.digest,
                            r.status,
                            t.language if (t := r.translation) is not None else None,
                            [themes[theme] for theme in r.theme_ids],
                        ]
                    )
                ).hexdigest(),
                detail,
            )
            for r, story_id in pairs
        )
        await insert_rows(
            AuditEvent,
            (
                "at",
                "actor",
                "actor_label",
                "action",
                "entity",
                "entity_id",
                "before_hash",
                "after_hash",
                "detail",
            ),
            events,
        )
        await audit.record(
            actor,
            "import",
            "import",
            info.sha256,
            after=report.created,
            detail={
                "project": context.project_slug,
                "file": info.name,
                "format": info.format,
                "size": info.size,
                "rows": report.rows,
                "created": msgspec.to_builtins(report.created),
                "existing": msgspec.to_builtins(report.existing),
            },
        )

    # ------------------------------------------------------------------ the answer

    def _report(self, prepared: PreparedImport, plan: Plan, *, dry_run: bool) -> ImportReport:
        context, info, parsed, problems = (
            prepared.context,
            prepared.info,
            prepared.parsed,
            prepared.problems,
        )
        created, existing = plan.created(), plan.existing()
        if problems:
            status = 422
            detail = ngettext(
                "The file has {count} problem; nothing was imported.",
                "The file has {count} problems; nothing was imported.",
                problems.total,
            ).format(count=format_number(problems.total))
        elif dry_run:
            status = 200
            detail = ngettext(
                "Ready to import: {count} new story ({existing} already imported).",
                "Ready to import: {count} new stories ({existing} already imported).",
                created.stories,
            ).format(count=format_number(created.stories), existing=format_number(existing.stories))
        else:
            status = 201
            detail = _committed_detail(created, existing)
        return ImportReport(
            status_code=status,
            detail=detail,
            dry_run=dry_run,
            committed=status == 201,
            project=context.project_slug,
            file=info,
            rows=parsed.rows,
            created=created if not problems else Counts(),
            existing=existing if not problems else Counts(),
            problems=problems.sorted_items(),
            problems_total=problems.total,
            errors=problems.errors(),
        )

    # ------------------------------------------------------------------ replays

    @staticmethod
    def reference(report: ImportReport) -> str:
        """What a commit created, as counts: an import's record for `Idempotency-Key` retries."""
        return ",".join(str(getattr(report.created, name)) for name in _COUNTED)

    async def replay(self, prepared: PreparedImport, reference: str) -> ImportReport:
        """The answer of a committed import again, rebuilt from the database as it is now.

        The same file matched anew finds every row stored; a row that would be created again
        (its story was erased) or a storyteller who has withdrawn makes the import gone.
        """
        created = Counts(**dict(zip(_COUNTED, (int(n) for n in reference.split(",")), strict=True)))
        plan = await self._plan(prepared, None)
        teller_ids = [teller for teller in plan.teller_ids.values() if teller]
        if plan.new_records or plan.new_tellers or plan.new_workshops:
            raise Gone(_("No such import."))
        if teller_ids and await Storyteller.exists().where(
            Storyteller.id.is_in(teller_ids) & Storyteller.consent_withdrawn_at.is_not_null()
        ):
            raise Gone(_("No such import."))
        now = plan.existing()
        existing = Counts(
            workshops=now.workshops - created.workshops,
            storytellers=now.storytellers - created.storytellers,
            stories=now.stories - created.stories,
        )
        report = self._report(prepared, plan, dry_run=False)
        return msgspec.structs.replace(
            report,
            created=created,
            existing=existing,
            detail=_committed_detail(created, existing),
        )


# ---------------------------------------------------------------------- helpers

_COUNTED = ("workshops", "storytellers", "stories", "translations", "codings")


def _committed_detail(created: Counts, existing: Counts) -> str:
    return ngettext(
        "Imported {count} new story ({existing} were already there).",
        "Imported {count} new stories ({existing} were already there).",
        created.stories,
    ).format(count=format_number(created.stories), existing=format_number(existing.stories))


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _column(parsed: ParsedFile, key: str) -> str | None:
    """The header of a column (as in the file) for problems found after reading."""
    return parsed.columns.header(key) if parsed.columns is not None else None


def _language_hints(context: ImportContext) -> tuple[str, ...]:
    """Languages the file's text is likely in: the target site's, else all writable sites'."""
    if context.default_site_id is not None:
        sites = [context.sites[context.default_site_id]]
    else:
        sites = list(context.sites.values())
    tags = [tag.split("-")[0].lower() for site in sites for tag in site["languages"] or []]
    return tuple(dict.fromkeys(tags))


async def _index_words(records: list[StoryRecord], ready: asyncio.Queue[IndexChunk | None]) -> None:
    """Each story's folded words (in a thread: it is all CPU) and, on PostgreSQL, their
    tsvectors (`search.index.documents_worker`), a chunk's worked out while the next is folded;
    each chunk goes to `ready` in the stories' order once it is complete, then None."""
    pending: tuple[list[tuple[str, str]], asyncio.Task[list[tuple[bytes, bytes]]]] | None = None
    try:
        async with search_index.documents_worker() as worker:
            try:
                for start in range(0, len(records), FOLDED_PER_CHUNK):
                    chunk = await asyncio.to_thread(
                        _folded_texts, records[start : start + FOLDED_PER_CHUNK]
                    )
                    if worker is None:
                        ready.put_nowait((chunk, None))
                        continue
                    if pending is not None:
                        ready.put_nowait((pending[0], await pending[1]))
                    pending = (chunk, asyncio.create_task(worker(chunk)))
                if pending is not None:
                    ready.put_nowait((pending[0], await pending[1]))
            finally:
                # Stopped while its connection is open: the connection closes after it.
                if pending is not None and not pending[1].done():
                    pending[1].cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await pending[1]
    finally:
        # The writer stops at None, then learns from this task whether it ended early.
        ready.put_nowait(None)


def _folded_texts(records: list[StoryRecord]) -> list[tuple[str, str]]:
    """Each story's title and body words for the search index, as `StoryText.folded()` has them
    (its own text first, then its translation's), without a frozen object per story."""
    return [
        (index_text(r.title, t.title), index_text(r.body, t.body))
        if (t := r.translation) is not None
        else (index_text(r.title), index_text(r.body))
        for r in records
    ]


class _JsonMemo(dict[Any, str]):
    """`dump_json` of each distinct value once: storytellers share a few demographics and
    scopes, and the stored text stays exactly what `dump_json` writes."""

    def __missing__(self, key: Any) -> str:
        kind, items = key
        text = dump_json(dict(items) if kind == "map" else list(items))
        self[key] = text
        return text


def _teller_row(
    context: ImportContext, spec: TellerSpec, now: dt.datetime, as_json: _JsonMemo
) -> tuple[Any, ...]:
    demographics = tuple(
        (key.removeprefix(DEMOGRAPHIC_PREFIX), value)
        for key, value in spec.values.items()
        if key.startswith(DEMOGRAPHIC_PREFIX)
    )
    given_at = spec.values.get("consent_given_at") or dt.datetime(
        spec.workshop_date.year, spec.workshop_date.month, spec.workshop_date.day, tzinfo=dt.UTC
    )
    return (
        context.project_id,
        spec.site_id,
        spec.code,
        as_json["map", demographics],
        spec.values.get("consent_version", ""),
        given_at,
        as_json["list", tuple(sorted(spec.values.get("consent_scopes", ())))],
        None,
        now,
        new_record_key(),
    )
