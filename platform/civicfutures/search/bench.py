"""`civicfutures bench search`: ranked search over N synthetic stories, beside a LIKE scan.

The stories are those of the import benchmark (`imports/bench.py`: ten sites in five
languages, half translated to English, each coded with two themes), imported through the
import service, which also fills the index. Each representative query runs through
`SearchService` (ranked page, total and every facet), then as a plain `LIKE '%term%'` scan of
the same folded text under the same conditions (count and first page by id), in the same run;
the load average is printed with the figures, since the machine may be shared. Not a test.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

# (query, filters): common words of one language, two words, a word with diacritics typed
# without them, English found through translations, rare words (a story's number, its title),
# and filters narrowing a common word.
QUERIES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("mlodziez", {}),
    ("Młodzież budżet", {}),
    ("haal kula", {}),
    ("consultazione", {}),
    ("молодь", {}),
    ("youth council", {}),
    ("4242", {}),
    ("story 77777", {}),
    ("nothingmatches", {}),
    ("noored", {"kind": "future"}),
    ("budget", {"country": "GB", "theme": "climate"}),
    ("futuro", {"date_from": "2025-06-01", "date_to": "2025-09-30"}),
)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _like(actor: Any, q: str, filters: Any, limit: int) -> tuple[int, list[int]]:
    from piccolo.columns.combination import WhereRaw

    from civicfutures.db.tables import Story
    from civicfutures.intake.story_service import StoryService
    from civicfutures.search.index import is_sqlite
    from civicfutures.search.text import terms

    key = "rowid" if is_sqlite() else "story"
    conditions = await StoryService().conditions(actor, filters)
    for word in terms(q):
        pattern = f"%{word}%"
        conditions.append(
            WhereRaw(
                f"(story.id IN (SELECT {key} FROM story_search "
                "WHERE title LIKE {} OR body LIKE {}))",
                pattern,
                pattern,
            )
        )
    count, page = Story.count(), Story.select(Story.id).order_by(Story.id).limit(limit)
    for condition in conditions:
        count, page = count.where(condition), page.where(condition)
    return await count, [row["id"] for row in await page]


async def measure(stories: int, workdir: Path, repeats: int) -> dict[str, Any]:
    """Import N stories, then time every query `repeats` times each way (database open)."""
    import datetime as dt

    from civicfutures.auth.actor import SYSTEM
    from civicfutures.db.lifecycle import engine
    from civicfutures.imports.bench import import_corpus
    from civicfutures.intake.story_service import StoryFilters
    from civicfutures.search.service import SearchService

    started = time.perf_counter()
    slug, created = await import_corpus(stories, workdir)
    figures: dict[str, Any] = {
        "engine": engine().engine_type,
        "stories": created,
        "import_seconds": time.perf_counter() - started,
        "load_before": os.getloadavg(),
        "queries": [],
    }
    service = SearchService()
    search_times: list[float] = []
    like_times: list[float] = []
    for q, raw in QUERIES:
        filters = StoryFilters(
            project=slug,
            **{
                k: (dt.date.fromisoformat(v) if k.startswith("date_") else v)
                for k, v in raw.items()
            },
        )
        found = await service.search(SYSTEM, q, filters, 20, 0)  # warm the caches once
        scanned = await _like(SYSTEM, q, filters, 20)
        mine, theirs = [], []
        for _ in range(repeats):
            clock = time.perf_counter()
            await service.search(SYSTEM, q, filters, 20, 0)
            mine.append(time.perf_counter() - clock)
            clock = time.perf_counter()
            await _like(SYSTEM, q, filters, 20)
            theirs.append(time.perf_counter() - clock)
        search_times += mine
        like_times += theirs
        figures["queries"].append(
            {
                "q": q,
                "filters": raw,
                "matches": found.total,
                "like_matches": scanned[0],
                "search_p50": statistics.median(mine),
                "search_p95": _percentile(mine, 0.95),
                "like_p50": statistics.median(theirs),
                "like_p95": _percentile(theirs, 0.95),
            }
        )
    figures["after_write"] = await _after_write(service, slug, repeats)
    figures["search_p50"] = statistics.median(search_times)
    figures["search_p95"] = _percentile(search_times, 0.95)
    figures["like_p50"] = statistics.median(like_times)
    figures["like_p95"] = _percentile(like_times, 0.95)
    figures["load_after"] = os.getloadavg()
    return figures


async def _after_write(service: Any, slug: str, repeats: int) -> list[float]:
    """The first broad search after a write: the columns and the reader's scope read again."""
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.db.sql import fetch
    from civicfutures.intake.story_service import StoryFilters

    times = []
    for _ in range(min(repeats, 5)):
        await fetch("UPDATE story SET status = status WHERE id = (SELECT MIN(id) FROM story)")
        clock = time.perf_counter()
        await service.search(SYSTEM, "youth council", StoryFilters(project=slug), 20, 0)
        times.append(time.perf_counter() - clock)
    return times


def query_class(matches: int) -> str:
    """The class a query's figures are reported under, by its number of matches."""
    if matches == 0:
        return "no match"
    if matches == 1:
        return "one match"
    if matches >= 40_000:
        return "broad 60k"
    if matches >= 15_000:
        return "broad 20k"
    return "filtered"


def render(figures: dict[str, Any]) -> str:
    ms = 1000.0
    lines = [
        f"engine {figures['engine']}: {figures['stories']:,} stories imported and indexed "
        f"in {figures['import_seconds']:.1f} s",
        "load average before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}".format(
            *figures["load_before"], *figures["load_after"]
        ),
        f"{'query':<34} {'matches':>8} {'search p50':>11} {'p95':>8} {'LIKE p50':>10} {'p95':>8}",
    ]
    for row in figures["queries"]:
        label = row["q"] + (
            " " + ",".join(f"{k}={v}" for k, v in row["filters"].items()) if row["filters"] else ""
        )
        lines.append(
            f"{label[:34]:<34} {row['matches']:>8,} {row['search_p50'] * ms:>9.1f}ms "
            f"{row['search_p95'] * ms:>6.1f}ms {row['like_p50'] * ms:>8.1f}ms "
            f"{row['like_p95'] * ms:>6.1f}ms"
        )
    classes: dict[str, list[dict[str, Any]]] = {}
    for row in figures["queries"]:
        classes.setdefault(query_class(row["matches"]), []).append(row)
    for name, rows in classes.items():
        lines.append(
            f"{'class ' + name:<34} {len(rows):>7}q "
            f"{max(r['search_p50'] for r in rows) * ms:>9.1f}ms "
            f"{max(r['search_p95'] for r in rows) * ms:>6.1f}ms "
            f"{max(r['like_p50'] for r in rows) * ms:>8.1f}ms "
            f"{max(r['like_p95'] for r in rows) * ms:>6.1f}ms  (worst query of the class)"
        )
    after = figures["after_write"]
    lines.append(
        f"{'first broad search after a write':<34} {len(after):>7}x "
        f"{statistics.median(after) * ms:>9.1f}ms {max(after) * ms:>6.1f}ms (max)"
    )
    lines.append(
        f"{'all queries':<34} {'':>8} {figures['search_p50'] * ms:>9.1f}ms "
        f"{figures['search_p95'] * ms:>6.1f}ms {figures['like_p50'] * ms:>8.1f}ms "
        f"{figures['like_p95'] * ms:>6.1f}ms"
    )
    return "\n".join(lines)
