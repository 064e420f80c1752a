"""`civicfutures bench import --stories 100000`: time a large spreadsheet import on this machine.

Builds a fresh database (SQLite in a temporary folder unless `--database-url` names one), a
project with ten sites and a codebook, writes a CSV (or XLSX) of N stories told at 200
workshops by N/4 storytellers, half of them translated and each coded with two themes, then
times a dry run, the commit, and a re-import (which must create nothing), then the peer: the
same rows written again raw by the driver (`peer.py`). Not a test.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

SITES = (
    ("gdansk", "PL", "pl"),
    ("voru", "EE", "et"),
    ("reggio-emilia", "IT", "it"),
    ("manchester", "GB", "en"),
    ("lviv", "UA", "uk"),
    ("tartu", "EE", "et"),
    ("bologna", "IT", "it"),
    ("krakow", "PL", "pl"),
    ("leeds", "GB", "en"),
    ("odesa", "UA", "uk"),
)
WORDS = {
    "pl": [
        "miasto",
        "rada",
        "mieszkańcy",
        "głos",
        "młodzież",
        "konsultacje",
        "budżet",
        "dzielnica",
        "przyszłość",
        "decyzja",
    ],
    "et": [
        "linn",
        "volikogu",
        "elanikud",
        "hääl",
        "noored",
        "kaasamine",
        "eelarve",
        "küla",
        "tulevik",
        "otsus",
    ],
    "it": [
        "città",
        "consiglio",
        "cittadini",
        "voce",
        "giovani",
        "consultazione",
        "bilancio",
        "quartiere",
        "futuro",
        "scelta",
    ],
    "en": [
        "city",
        "council",
        "residents",
        "voice",
        "youth",
        "consultation",
        "budget",
        "neighbourhood",
        "future",
        "decision",
    ],
    "uk": [
        "місто",
        "рада",
        "мешканці",
        "голос",
        "молодь",
        "консультації",
        "бюджет",
        "район",
        "майбутнє",
        "рішення",
    ],
}
THEMES = (
    "youth_voice",
    "distrust",
    "digital_tools",
    "participatory_budget",
    "migrant_voices",
    "local_media",
    "climate",
    "housing",
)


def configure(stories: int, database_url: str | None) -> Path:
    """A fresh work folder; the settings name its SQLite file (or `database_url`) and allow N rows.

    Call it before the database is opened: the settings and the import limits are read again.
    """
    workdir = Path(tempfile.mkdtemp(prefix="civicfutures-bench-import-"))
    os.environ["CIVICFUTURES_DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.db'}"
    os.environ["CIVICFUTURES_IMPORT_MAX_ROWS"] = str(max(stories, 100_000))
    os.environ["CIVICFUTURES_IMPORT_MAX_BYTES"] = str(max(1024**3, stories * 2048))
    from civicfutures.imports.limits import get_limits
    from civicfutures.settings import get_settings

    get_settings.cache_clear()
    get_limits.cache_clear()
    return workdir


def render(figures: dict[str, Any], file_format: str) -> str:
    """The figures of `measure` as lines of text, with the engine and the load average."""
    from civicfutures.settings import get_settings

    lines = [
        f"{figures['stories']:,} stories, {file_format}, {figures['bytes'] / 1024 / 1024:.1f} MiB, "
        f"engine {get_settings().engine}"
    ]
    for name in ("dry_run", "commit", "reimport"):
        seconds, cpu = figures[name]
        lines.append(
            f"  {name:<9} {seconds:7.2f} s wall  {cpu:7.2f} s CPU  "
            f"{figures['stories'] / seconds:>10,.0f} stories/s"
        )
    peer_seconds, peer_cpu, peer_rows = figures["peer"]
    postgresql = get_settings().engine == "postgresql"
    yardstick = "COPY" if postgresql else "executemany"
    # On PostgreSQL the work is the server's: this process's CPU is only the client's share.
    cpu_ratio = "" if postgresql else f", CPU {figures['commit'][1] / peer_cpu:.2f}"
    lines.append(
        f"  peer      {peer_seconds:7.2f} s wall  {peer_cpu:7.2f} s CPU  raw {yardstick} of the "
        f"same {peer_rows:,} rows; commit / peer = {figures['commit'][0] / peer_seconds:.2f}"
        f"{cpu_ratio}"
    )
    lines.append(
        f"  created {figures['created']:,} stories; re-import created {figures['recreated']:,}"
    )
    for name in ("load_before", "load_after"):
        load = figures[name]
        lines.append(
            f"  load average {name.removeprefix('load_')} the run "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
        )
    return "\n".join(lines)


def passed(figures: dict[str, Any]) -> bool:
    """Whether the commit created every story and the re-import none."""
    return not figures["recreated"] and figures["created"] == figures["stories"]


async def measure(
    stories: int, file_format: str, workdir: Path, profile: Path | None = None
) -> dict[str, Any]:
    """Time a dry run, the commit and a re-import of N stories (database open, after `configure`).

    With `profile`, cProfile statistics of the commit are written there.
    """
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.db.migrate import migrate
    from civicfutures.imports import peer
    from civicfutures.imports.service import ImportService
    from civicfutures.imports.sources import SourceFile
    from civicfutures.settings import get_settings

    await migrate()
    slug = await _project()
    path = workdir / f"stories.{file_format}"
    _write_file(path, stories, slug)
    source = SourceFile.from_path(path)
    service = ImportService()
    figures: dict[str, Any] = {
        "stories": stories,
        "bytes": path.stat().st_size,
        "load_before": os.getloadavg(),
    }

    async def timed(name: str, dry_run: bool = False) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        report = await service.run(SYSTEM, source, slug, dry_run=dry_run)
        figures[name] = (time.perf_counter() - wall, time.process_time() - cpu)
        return report

    # A server has read its vocabularies (every catalog's labels) long before an import:
    # a dry run of a few rows reads them here, outside the timings.
    warm = workdir / f"warm.{file_format}"
    _write_file(warm, 20, slug)
    await service.run(SYSTEM, SourceFile.from_path(warm), slug, dry_run=True)
    await timed("dry_run", dry_run=True)
    database_url = get_settings().database_url
    before = await peer.high_water(database_url)
    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    committed = await timed("commit")
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(profile))
    again = await timed("reimport")
    figures["peer"] = await peer.rewrite(database_url, before)
    figures["created"] = committed.created.stories
    figures["recreated"] = again.created.stories
    figures["load_after"] = os.getloadavg()
    return figures


async def import_corpus(stories: int, workdir: Path) -> tuple[str, int]:
    """A new project holding N synthetic stories imported through the import service (the
    corpus the search and jobs benchmarks measure on): its slug and the stories created."""
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.db.migrate import migrate
    from civicfutures.imports.service import ImportService
    from civicfutures.imports.sources import SourceFile

    await migrate()
    slug = await _project()
    path = workdir / "stories.csv"
    _write_file(path, stories, slug)
    report = await ImportService().run(SYSTEM, SourceFile.from_path(path), slug, dry_run=False)
    path.unlink()
    return slug, report.created.stories


async def _project() -> str:
    """A new project with ten sites, a codebook and demographics, through the services."""
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.intake import schemas as s
    from civicfutures.intake.setup_service import SetupService

    setup = SetupService()
    slug = f"bench-{int(time.time())}"
    await setup.create_project(
        SYSTEM,
        s.ProjectIn(
            slug=slug,
            name="Import benchmark",
            demographics=[
                s.DemographicField(
                    name="age_band",
                    choices=[s.DemographicChoice(value=v) for v in ("16-24", "25-64", "65+")],
                )
            ],
        ),
    )
    for site, country, language in SITES:
        await setup.create_site(
            SYSTEM,
            s.SiteIn(
                project=slug,
                slug=f"{slug}-{site}",
                name=site.title(),
                country=country,
                languages=[language],
            ),
        )
    for key in THEMES:
        await setup.create_theme(
            SYSTEM, s.ThemeIn(project=slug, key=key, kind="challenge", labels={"en": key})
        )
    return slug


def _rows(stories: int, slug: str) -> Any:
    random.seed(7)
    header = [
        "Site",
        "Workshop date",
        "Workshop type",
        "Storyteller code",
        "age_band",
        "Consent version",
        "Consent scopes",
        "Story type",
        "Horizon year",
        "Story language",
        "Title",
        "Story",
        "Translation language",
        "Translation",
        "Themes",
    ]
    yield header
    tellers = max(1, stories // 4)
    for n in range(stories):
        site, _country, language = SITES[n % len(SITES)]
        workshop = (n // len(SITES)) % 20
        teller = n % tellers
        words = WORDS[language]
        body = " ".join(random.choice(words) for _ in range(80)) + f" ({n})"
        future = n % 3 == 0
        translated = n % 2 == 0 and language != "en"
        yield [
            f"{slug}-{site}",
            f"2025-{1 + workshop % 12:02d}-{1 + workshop:02d}",
            "future_thinking" if future else "storytelling",
            f"T{teller:06d}-{site[:3]}",
            ("16-24", "25-64", "65+")[teller % 3],
            "2025-01",
            "research; quote",
            "future" if future else "present",
            "2050" if future else "",
            language,
            f"Story {n}",
            body,
            "en" if translated else "",
            " ".join(random.choice(WORDS["en"]) for _ in range(80)) if translated else "",
            f"{THEMES[n % len(THEMES)]}; {THEMES[(n * 7 + 3) % len(THEMES)]}",
        ]


def _write_file(path: Path, stories: int, slug: str) -> None:
    rows = _rows(stories, slug)
    if path.suffix == ".csv":
        import csv

        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
        return
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False}
    )
    sheet = workbook.add_worksheet("Stories")
    for index, row in enumerate(rows):
        sheet.write_row(index, 0, row)
    workbook.close()
