"""A tiny project whose every table can be computed by hand (see the expected values in tests).

Two sites, three themes, six stories, six storytellers:

    story  site   workshop  kind     tellers  codings (coder)            language
    1      alpha  1         present  1        ch1 (a), ch2 (a)           pl
    2      alpha  1         present  2        ch1 (a)                    pl (written in English)
    3      alpha  1         future   1, 3     vi1 (a)                    pl
    4      beta   2         present  4        ch2 (a)                    et
    5      beta   2         future   5        vi1 (a), ch1 (b)           et
    6      beta   2         present  6        —                          et (near copy of 4)

Ages: 1, 2, 4 are 16-24; 3, 5 are 65+; 6 recorded none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

from builders import empty_tables
from civicfutures.analysis.dataset import Snapshot, snapshot_from_frames


@pytest.fixture(autouse=True)
def empty_database() -> None:
    """Analysis tests run on in-memory snapshots: no app and no database unless they ask.

    Tests that read the database ask for `database`, which empties it the harness's way.
    """


@pytest.fixture
async def database(client) -> None:
    """The real database, migrated and empty, behind the real app's client."""
    client.cookies.clear()
    await empty_tables()


ESTONIAN = (
    "Meie külas suleti raamatukogu ja keegi ei küsinud elanikelt arvamust, "
    "kuigi raamatukogu oli ainus koht, kus noored ja vanad said kokku saada ja rääkida"
)
ESTONIAN_COPY = ESTONIAN + " igal õhtul"
POLISH = (
    "W naszej dzielnicy zamknięto bibliotekę i nikt nie zapytał mieszkańców o zdanie, "
    "choć była to jedyna przestrzeń spotkań dla młodych i starszych sąsiadów"
)
ENGLISH = (
    "Our neighbourhood library was closed and nobody asked the residents what they thought, "
    "although it was the only place where young and old neighbours could meet"
)
POLISH_FUTURE = (
    "W roku dwa tysiące pięćdziesiątym każda dzielnica ma własną radę mieszkańców, "
    "która naprawdę decyduje o budżecie i spotyka się w bibliotece"
)


def tiny_frames() -> dict[str, pl.DataFrame | dict[str, list[Any]]]:
    day = dt.date(2025, 3, 15)
    return {
        "project": {
            "project": ["futures"],
            "name": ["Futures"],
            "default_language": ["en"],
            "disclosure_threshold": [1],
            "demographic_attributes": [["age_band"]],
        },
        "sites": {
            "site_id": [1, 2],
            "site": ["alpha", "beta"],
            "name": ["Alpha", "Beta"],
            "country": ["PL", "EE"],
            "language": ["pl", "et"],
            "languages": [["pl", "en"], ["et", "en"]],
        },
        "workshops": {
            "workshop_id": [1, 2],
            "site_id": [1, 2],
            "date": [day, day + dt.timedelta(days=30)],
            "kind": ["storytelling", "future_thinking"],
            "language": ["pl", "et"],
        },
        "storytellers": {"storyteller_id": [1, 2, 3, 4, 5, 6], "site_id": [1, 1, 1, 2, 2, 2]},
        "demographics": {
            "storyteller_id": [1, 2, 3, 4, 5],
            "attribute": ["age_band"] * 5,
            "value": ["16-24", "16-24", "65+", "16-24", "65+"],
        },
        "stories": {
            "story_id": [1, 2, 3, 4, 5, 6],
            "site_id": [1, 1, 1, 2, 2, 2],
            "workshop_id": [1, 1, 1, 2, 2, 2],
            "date": [day] * 3 + [day + dt.timedelta(days=30)] * 3,
            "kind": ["present", "present", "future", "present", "future", "present"],
            "horizon_year": [None, None, 2050, None, 2050, None],
            "language": ["pl", "pl", "pl", "et", "et", "et"],
            "title": ["s1", "s2", "s3", "s4", "s5", "s6"],
            "body": [POLISH, ENGLISH, POLISH_FUTURE, ESTONIAN, "Lühike lugu.", ESTONIAN_COPY],
            "status": ["submitted"] * 6,
        },
        "story_storytellers": {
            "story_id": [1, 2, 3, 3, 4, 5, 6],
            "storyteller_id": [1, 2, 1, 3, 4, 5, 6],
        },
        "codings": {
            "story_id": [1, 1, 2, 3, 4, 5, 5],
            "theme": ["ch1", "ch2", "ch1", "vi1", "ch2", "vi1", "ch1"],
            "coder": ["a", "a", "a", "a", "a", "a", "b"],
            "start": [None] * 7,
            "end": [None] * 7,
        },
        "themes": {
            "theme": ["ch1", "ch2", "vi1"],
            "kind": ["challenge", "challenge", "vision"],
            "parent": [None, None, None],
            "position": [0, 1, 2],
            "label_en": ["Challenge one", "Challenge two", "Vision one"],
        },
        "translations": {
            "story_id": [1],
            "language": ["en"],
            "origin": ["human"],
            "reviewed": [True],
        },
        "reference_shares": {
            "site_id": [1, 1, 2, 2],
            "attribute": ["age_band"] * 4,
            "value": ["16-24", "65+", "16-24", "65+"],
            "share": [0.5, 0.5, 2.0, 2.0],
        },
        "exclusions": {"reason": ["consent"], "stories": [2], "storytellers": [1]},
    }


TINY_MANIFEST = {
    "project": "futures",
    "disclosure_threshold": 1,
    "default_language": "en",
    "demographic_attributes": ["age_band"],
}


def make_snapshot(frames: dict[str, Any], **manifest: Any) -> Snapshot:
    """A snapshot from plain column dicts or frames (schemas applied)."""
    built = {
        name: pl.DataFrame(value) if isinstance(value, dict) else value
        for name, value in frames.items()
    }
    return snapshot_from_frames(built, {**TINY_MANIFEST, **manifest})


@pytest.fixture
def frames() -> dict[str, Any]:
    """The tiny project's tables as plain column dicts, fresh for each test to change."""
    return tiny_frames()


@pytest.fixture
def tiny() -> Snapshot:
    """The tiny project with k = 1 (nothing suppressed unless a test asks)."""
    return make_snapshot(tiny_frames())


@pytest.fixture
def tiny_with() -> Callable[..., Snapshot]:
    """Build a variant of the tiny project: `tiny_with(frames_changes, **manifest)`."""

    def build(changes: dict[str, Any] | None = None, **manifest: Any) -> Snapshot:
        frames = tiny_frames()
        frames.update(changes or {})
        return make_snapshot(frames, **manifest)

    return build
