"""A synthetic project of any size, made directly as snapshot tables (for the benchmark and tests).

Shape: 200 sites in 30 countries, 60 themes (25 challenges, 25 visions, 10 enablers), about
0.6 storytellers per story (10% group stories with two storytellers), 1–6 codings per story by
a first coder and a second coder on 20% of the stories, three demographic attributes, reference
shares for two of them, an English translation for half of the stories. Themes are skewed in
popularity and each site favours one theme, so comparisons find real differences. Seeded:
the same size gives the same corpus.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from civicfutures.analysis.dataset import Snapshot, snapshot_from_frames
from civicfutures.analysis.schema import conform

LANGUAGE_OF = {
    "AT": "de", "BE": "nl", "BG": "bg", "HR": "hr", "CY": "el", "CZ": "cs", "DK": "da",
    "EE": "et", "FI": "fi", "FR": "fr", "DE": "de", "GR": "el", "HU": "hu", "IE": "en",
    "IT": "it", "LV": "lv", "LT": "lt", "LU": "fr", "MT": "mt", "NL": "nl", "PL": "pl",
    "PT": "pt", "RO": "ro", "SK": "sk", "SI": "sl", "ES": "es", "SE": "sv", "NO": "nb",
    "UA": "uk", "MD": "ro",
}  # fmt: skip
COUNTRIES = list(LANGUAGE_OF)
AGE_BANDS = ("16-24", "25-34", "35-49", "50-64", "65+")
GENDERS = ("woman", "man", "prefer_not_to_say")
MIGRANT = ("yes", "no", "prefer_not_to_say")
N_SITES = 200
N_THEMES = 60
THEME_KINDS = ["challenge"] * 25 + ["vision"] * 25 + ["enabler"] * 10
PROJECT = "synthetic"


def corpus(stories: int, *, seed: int = 7, sites: int = N_SITES) -> dict[str, pl.DataFrame]:
    """The snapshot tables of a synthetic project with `stories` stories."""
    rng = np.random.default_rng(seed)
    n = stories
    themes = [f"t{i:02d}" for i in range(N_THEMES)]

    site_ids = np.arange(1, sites + 1)
    site_country = np.array([COUNTRIES[i % len(COUNTRIES)] for i in range(sites)])
    site_language = np.array([LANGUAGE_OF[c] for c in site_country])
    site_frame = pl.DataFrame(
        {
            "site_id": site_ids,
            "site": [f"site-{i:03d}" for i in site_ids],
            "name": [f"Site {i}" for i in site_ids],
            "country": site_country,
            "language": site_language,
            "languages": [[lang, "en"] for lang in site_language],
        }
    )

    n_workshops = max(2 * sites, n // 250)
    workshop_site = np.sort(rng.integers(0, sites, n_workshops))
    workshop_site[:sites] = np.arange(sites)  # every site holds at least one workshop
    workshop_site = np.sort(workshop_site)
    first_workshop = np.searchsorted(workshop_site, np.arange(sites))
    workshops_per_site = np.bincount(workshop_site, minlength=sites)
    start = dt.date(2024, 1, 1)
    workshop_frame = pl.DataFrame(
        {
            "workshop_id": np.arange(1, n_workshops + 1),
            "site_id": site_ids[workshop_site],
            "date": [start + dt.timedelta(days=int(d)) for d in rng.integers(0, 700, n_workshops)],
            "kind": rng.choice(
                ["storytelling", "future_thinking", "knowledge_exchange"], n_workshops
            ),
            "language": site_language[workshop_site],
        }
    )

    n_tellers = max(sites, int(n * 0.6))
    teller_site = np.sort(rng.integers(0, sites, n_tellers))
    teller_site[:sites] = np.arange(sites)
    teller_site = np.sort(teller_site)
    first_teller = np.searchsorted(teller_site, np.arange(sites))
    tellers_per_site = np.bincount(teller_site, minlength=sites)
    teller_ids = np.arange(1, n_tellers + 1)
    teller_frame = pl.DataFrame({"storyteller_id": teller_ids, "site_id": site_ids[teller_site]})

    age = rng.choice(len(AGE_BANDS), n_tellers, p=[0.2, 0.2, 0.25, 0.2, 0.15])
    gender = rng.choice(len(GENDERS), n_tellers, p=[0.52, 0.44, 0.04])
    migrant = rng.choice(len(MIGRANT), n_tellers, p=[0.15, 0.8, 0.05])
    recorded = rng.random(n_tellers) > 0.03  # a few storytellers skipped the questions
    demographics = pl.concat(
        [
            pl.DataFrame(
                {
                    "storyteller_id": teller_ids[recorded],
                    "attribute": name,
                    "value": np.array(values)[codes[recorded]],
                }
            )
            for name, values, codes in (
                ("age_band", AGE_BANDS, age),
                ("gender", GENDERS, gender),
                ("migrant_background", MIGRANT, migrant),
            )
        ]
    )

    # A story's first storyteller decides its site; its workshop is one of that site's.
    teller_of_story = rng.integers(0, n_tellers, n)
    story_site = teller_site[teller_of_story]
    story_workshop = first_workshop[story_site] + (
        rng.integers(0, 1 << 30, n) % workshops_per_site[story_site]
    )
    story_ids = np.arange(1, n + 1)
    kinds = np.where(rng.random(n) < 0.5, "present", "future")
    workshop_dates = workshop_frame["date"].to_numpy()
    story_frame = pl.DataFrame(
        {
            "story_id": story_ids,
            "site_id": site_ids[story_site],
            "workshop_id": story_workshop + 1,
            "date": workshop_dates[story_workshop],
            "kind": kinds,
            "horizon_year": pl.Series(np.where(kinds == "future", 2050, 0)).replace(0, None),
            "language": site_language[story_site],
            "title": pl.Series(story_ids).cast(pl.String),
            "body": pl.Series(story_ids).cast(pl.String),
            "status": np.where(rng.random(n) < 0.9, "submitted", "reviewed"),
        }
    )

    group = rng.random(n) < 0.1
    partner = first_teller[story_site[group]] + (
        rng.integers(0, 1 << 30, int(group.sum())) % tellers_per_site[story_site[group]]
    )
    story_tellers = pl.DataFrame(
        {
            "story_id": np.concatenate([story_ids, story_ids[group]]),
            "storyteller_id": np.concatenate([teller_ids[teller_of_story], teller_ids[partner]]),
        }
    ).unique()

    per_story = rng.integers(1, 7, n)
    coding_story = np.repeat(np.arange(n), per_story)
    popular = np.floor(N_THEMES * rng.random(coding_story.size) ** 1.6).astype(np.int64)
    favourite = (story_site[coding_story] * 7) % N_THEMES
    theme_index = np.where(rng.random(coding_story.size) < 0.12, favourite, popular)
    first = pl.DataFrame(
        {"story_id": story_ids[coding_story], "theme_index": theme_index, "coder": "coder-a"}
    )
    double = rng.random(n) < 0.2
    second_rows = double[coding_story] & (rng.random(coding_story.size) < 0.85)
    extra_story = np.flatnonzero(double)
    second = pl.concat(
        [
            first.filter(pl.Series(second_rows)).with_columns(coder=pl.lit("coder-b")),
            pl.DataFrame(
                {
                    "story_id": story_ids[extra_story],
                    "theme_index": rng.integers(0, N_THEMES, extra_story.size),
                    "coder": "coder-b",
                }
            ),
        ]
    )
    theme_names = pl.Series(themes)
    codings = (
        pl.concat([first, second])
        .unique(["story_id", "theme_index", "coder"])
        .with_columns(
            theme=pl.col("theme_index").map_batches(
                lambda s: theme_names.gather(s), return_dtype=pl.String
            ),
            start=pl.lit(None, dtype=pl.Int64),
            end=pl.lit(None, dtype=pl.Int64),
        )
        .drop("theme_index")
    )

    theme_frame = pl.DataFrame(
        {
            "theme": themes,
            "kind": THEME_KINDS,
            "parent": [None] * N_THEMES,
            "position": list(range(N_THEMES)),
            "label_en": [f"Theme {i}" for i in range(N_THEMES)],
        }
    )
    translated = rng.random(n) < 0.5
    translation_frame = pl.DataFrame(
        {
            "story_id": story_ids[translated],
            "language": "en",
            "origin": "human",
            "reviewed": False,
        }
    )
    reference = pl.concat(
        [
            pl.DataFrame(
                {
                    "site_id": np.repeat(site_ids, len(values)),
                    "attribute": name,
                    "value": np.tile(np.array(values), sites),
                    "share": np.tile(np.array(shares), sites),
                }
            )
            for name, values, shares in (
                ("age_band", AGE_BANDS, (0.11, 0.15, 0.26, 0.24, 0.24)),
                ("gender", ("woman", "man"), (0.52, 0.48)),
            )
        ]
    )
    frames: dict[str, Any] = {
        "project": pl.DataFrame(
            {
                "project": [PROJECT],
                "name": ["Synthetic project"],
                "default_language": ["en"],
                "disclosure_threshold": [5],
                "demographic_attributes": [["age_band", "gender", "migrant_background"]],
            }
        ),
        "sites": site_frame,
        "workshops": workshop_frame,
        "storytellers": teller_frame,
        "demographics": demographics,
        "stories": story_frame,
        "story_storytellers": story_tellers,
        "codings": codings,
        "themes": theme_frame,
        "translations": translation_frame,
        "reference_shares": reference,
        "exclusions": pl.DataFrame({"reason": ["consent"], "stories": [0], "storytellers": [0]}),
    }
    return {name: conform(name, frame).collect() for name, frame in frames.items()}


MANIFEST = {
    "project": PROJECT,
    "disclosure_threshold": 5,
    "default_language": "en",
    "demographic_attributes": ["age_band", "gender", "migrant_background"],
    "coders": ["coder-a", "coder-b"],
}


def synthetic_snapshot(stories: int, *, seed: int = 7, sites: int = N_SITES) -> Snapshot:
    """The synthetic corpus as an in-memory snapshot."""
    return snapshot_from_frames(corpus(stories, seed=seed, sites=sites), MANIFEST)
