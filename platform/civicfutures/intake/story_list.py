"""The cross-site story list `/{lang}/stories`: every story the account may read, newest first.

A data table with the list's filters (those of the search page and the API, read by
`story_query.py`), numbered pages, and a download of the filtered list as CSV or XLSX
(`/{lang}/stories/download/csv|xlsx`, the same query string). HTTP only: rows come from
`StoryService.list`, so the consent rule and a partner's sites decide what is listed and what
is downloaded, alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import anyio.from_thread
import anyio.to_thread
import polars as pl
from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from civicfutures.auth.actor import Actor
from civicfutures.db.tables import Workshop
from civicfutures.exports.api import download
from civicfutures.exports.notes import ExportNotes
from civicfutures.exports.registry import MEDIA
from civicfutures.exports.service import ExportFile, work_area
from civicfutures.exports.tabular import TABLE_WRITERS
from civicfutures.forms.definitions import status_label, story_kind_label
from civicfutures.intake import schemas as s
from civicfutures.intake.story_query import (
    FILTERS,
    FilterChoices,
    StoryQuery,
    filter_choices,
    filter_labels,
    read_story_query,
)
from civicfutures.intake.story_service import PAGE_MAX, StoryService
from civicfutures.web.auth import current_actor, page_requires
from civicfutures.web.pages import page

PAGE_SIZE = 50
DOWNLOADS = ("csv", "xlsx")
READERS = page_requires("partner", "researcher", "author")

# The downloaded table: the listed columns under stable names, one row per story.
COLUMNS: dict[str, Any] = {
    "id": pl.Int64,
    "title": pl.String,
    "language": pl.String,
    "project": pl.String,
    "site": pl.String,
    "country": pl.String,
    "kind": pl.String,
    "horizon_year": pl.Int64,
    "workshop": pl.Int64,
    "workshop_date": pl.Date,
    "themes": pl.List(pl.String),
    "status": pl.String,
    "updated_at": pl.String,
    "url": pl.String,
}


async def _workshop_dates(stories: list[s.StoryOut]) -> dict[int, dt.date]:
    ids = sorted({story.workshop for story in stories})
    if not ids:
        return {}
    rows = await Workshop.select(Workshop.id, Workshop.held_on).where(Workshop.id.is_in(ids))
    return {row["id"]: row["held_on"] for row in rows}


def _frame(
    stories: list[s.StoryOut],
    choices: FilterChoices,
    dates: dict[int, dt.date],
    base_url: str,
    lang: str,
) -> pl.DataFrame:
    rows = []
    for story in stories:
        site = choices.sites.get(story.site)
        rows.append(
            {
                "id": story.id,
                "title": story.title,
                "language": story.language,
                "project": site.project if site else None,
                "site": story.site,
                "country": site.country if site else None,
                "kind": story.kind,
                "horizon_year": story.horizon_year,
                "workshop": story.workshop,
                "workshop_date": dates.get(story.workshop),
                "themes": list(dict.fromkeys(c.theme for c in story.codings)),
                "status": story.status,
                "updated_at": story.updated_at.isoformat(timespec="seconds"),
                "url": f"{base_url}/{lang}/stories/{story.id}",
            }
        )
    return pl.DataFrame(rows, schema=COLUMNS, orient="row")


def _parts(
    actor: Actor,
    read: StoryQuery,
    choices: FilterChoices,
    base: str,
    lang: str,
    notes: ExportNotes,
) -> Iterator[pl.LazyFrame]:
    """Every listed story in the list's order, one page of `PAGE_MAX` at a time.

    The writers run in a worker thread and pull the parts one by one: each page is read on the
    event loop when the writer asks for it, so memory holds one page whatever the list's size.
    """
    stories = StoryService()
    cursor: str | None = None
    while True:
        found = anyio.from_thread.run(stories.list, actor, read.filters, PAGE_MAX, cursor, True)
        dates = anyio.from_thread.run(_workshop_dates, found.items)
        notes.stories_exported += len(found.items)
        notes.stories_in_scope = notes.stories_exported
        yield _frame(found.items, choices, dates, base, lang).lazy()
        cursor = found.next_cursor
        if cursor is None:
            return


class StoryListPages(Controller):
    path = "/stories"
    guards = [READERS]
    include_in_schema = False

    async def _problems(self, read: StoryQuery, choices: FilterChoices) -> dict[str, str]:
        return {**read.problems, **choices.unknown(read.raw)}

    @get("/", name="stories")
    async def index(self, request: Request, lang: FromPath[str]) -> Template:
        return await self._list_page(request, lang)

    async def _list_page(self, request: Request, lang: str) -> Template:
        actor = current_actor(request)
        read = read_story_query(request.query_params)
        choices = await filter_choices(actor, lang)
        problems = await self._problems(read, choices)
        result = None
        labels: dict[str, dict[str, str]] = {}
        dates: dict[int, dt.date] = {}
        if not problems:
            result = await StoryService().list(
                actor,
                read.filters,
                PAGE_SIZE,
                newest_first=True,
                offset=(read.page - 1) * PAGE_SIZE,
            )
            labels = await filter_labels(
                lang, {"theme": {c.theme for story in result.items for c in story.codings}}
            )
            dates = await _workshop_dates(result.items)
        kept = read.kept("page")
        page_count = max(1, -(-result.total // PAGE_SIZE)) if result else 1
        links: dict[str, str] = {}
        if result is not None:

            def to(number: int) -> str:
                return "?" + urlencode({**kept, **({"page": number} if number > 1 else {})})

            if read.page > 1:
                links["first"] = to(1)
                links["previous"] = to(min(read.page - 1, page_count))
            if read.page < page_count:
                links["next"] = to(read.page + 1)
            if read.page != page_count:
                links["last"] = to(page_count)
        query = ("?" + urlencode(kept)) if kept else ""
        return page(
            "pages/story_list.html",
            status_code=400 if problems else 200,
            raw=read.raw,
            filter_names=FILTERS,
            problems=problems,
            options=choices.options,
            site_of=choices.sites,
            result=result,
            theme_labels=labels.get("theme", {}),
            workshop_dates=dates,
            links=links,
            page_number=read.page,
            page_count=page_count,
            downloads={fmt: f"/{lang}/stories/download/{fmt}{query}" for fmt in DOWNLOADS},
            filtered=bool(kept),
            story_kind_label=story_kind_label,
            status_label=status_label,
        )

    @get("/download/{file_format:str}", name="stories_download")
    async def download(
        self, request: Request, lang: FromPath[str], file_format: FromPath[str]
    ) -> Response | Template:
        if file_format not in DOWNLOADS:
            raise NotFoundException()
        actor = current_actor(request)
        read = read_story_query(request.query_params)
        choices = await filter_choices(actor, lang)
        problems = await self._problems(read, choices)
        if problems:
            return await self._list_page(request, lang)
        base = str(request.base_url).rstrip("/")
        notes = ExportNotes(
            project=read.filters.project or "",
            kind="stories",
            format=file_format,
            lang=lang,
            sites=[read.filters.site] if read.filters.site else [],
        )
        work = work_area()
        name = f"stories-{lang}.{file_format}"
        target = work / name
        try:
            await anyio.to_thread.run_sync(
                TABLE_WRITERS[file_format],
                _parts(actor, read, choices, base, lang, notes),
                target,
                notes,
                work,
            )
        except BaseException:
            ExportFile(target, name, MEDIA[file_format], notes, work).discard()
            raise
        return download(ExportFile(target, name, MEDIA[file_format], notes, work))
