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
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from civicfutures.analysis.dataset import Snapshot, snapshot_from_frames
from civicfutures.analysis.schema import SCHEMA_VERSION, TABLES, conform, frame

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


# Stories generated at a time by `write_corpus`: what bounds its memory.
CHUNK = 1_000_000
STORY_TABLES = ("stories", "story_storytellers", "codings", "translations")


def _pick(values: tuple[str, ...] | list[str], index: np.ndarray) -> pl.Series:
    """`values[index]` as a Polars string column (gathering beats building NumPy strings)."""
    return pl.Series(values, dtype=pl.String).gather(pl.Series(index, dtype=pl.UInt32))


def _people_and_places(stories: int, seed: int, sites: int) -> dict[str, Any]:
    """The tables and arrays that do not grow per story: sites, workshops, storytellers."""
    rng = np.random.default_rng([seed, 0])
    site_ids = np.arange(1, sites + 1)
    site_country = [COUNTRIES[i % len(COUNTRIES)] for i in range(sites)]
    site_language = [LANGUAGE_OF[c] for c in site_country]
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
    n_workshops = max(2 * sites, stories // 250)
    workshop_site = rng.integers(0, sites, n_workshops)
    workshop_site[:sites] = np.arange(sites)  # every site holds at least one workshop
    workshop_site.sort()
    days = rng.integers(0, 700, n_workshops)
    workshop_frame = pl.DataFrame(
        {
            "workshop_id": np.arange(1, n_workshops + 1),
            "site_id": site_ids[workshop_site],
            "date": pl.Series(days + (dt.date(2024, 1, 1) - dt.date(1970, 1, 1)).days),
            "kind": _pick(
                ("storytelling", "future_thinking", "knowledge_exchange"),
                rng.integers(0, 3, n_workshops),
            ),
            "language": _pick(site_language, workshop_site),
        }
    ).with_columns(pl.col("date").cast(pl.Date))

    n_tellers = max(sites, int(stories * 0.6))
    teller_site = rng.integers(0, sites, n_tellers)
    teller_site[:sites] = np.arange(sites)
    teller_site.sort()
    teller_ids = np.arange(1, n_tellers + 1)
    demographics = []
    for name, values, shares in (
        ("age_band", AGE_BANDS, [0.2, 0.2, 0.25, 0.2, 0.15]),
        ("gender", GENDERS, [0.52, 0.44, 0.04]),
        ("migrant_background", MIGRANT, [0.15, 0.8, 0.05]),
    ):
        codes = rng.choice(len(values), n_tellers, p=shares)
        demographics.append((name, values, codes))
    recorded = rng.random(n_tellers) > 0.03  # a few storytellers skipped the questions
    return {
        "site_language": site_language,
        "workshop_site": workshop_site,
        "workshop_days": days,
        "teller_site": teller_site,
        "sites": site_frame,
        "workshops": workshop_frame,
        "storytellers": pl.DataFrame({"storyteller_id": teller_ids, "site_id": teller_site + 1}),
        # Sorted by storyteller, then attribute: interleaved, not one attribute after another.
        "demographics": pl.DataFrame(
            {
                "storyteller_id": np.repeat(teller_ids[recorded], len(demographics)),
                "attribute": _pick(
                    [name for name, _, _ in demographics],
                    np.tile(np.arange(len(demographics)), int(recorded.sum())),
                ),
                "value": pl.concat(
                    [
                        _pick(values, codes[recorded]).to_frame(str(i))
                        for i, (_, values, codes) in enumerate(demographics)
                    ],
                    how="horizontal",
                )
                .select(pl.concat_list(pl.all()).explode())
                .to_series(),
            }
        ),
    }


def _story_chunk(
    first_id: int, n: int, seed: int, index: int, base: dict[str, Any]
) -> dict[str, pl.DataFrame]:
    """The story tables of stories `first_id` .. `first_id + n - 1`, sorted as written."""
    rng = np.random.default_rng([seed, 1, index])
    sites = base["sites"].height
    teller_site = base["teller_site"]
    workshop_site = base["workshop_site"]
    first_workshop = np.searchsorted(workshop_site, np.arange(sites))
    workshops_per_site = np.bincount(workshop_site, minlength=sites)
    first_teller = np.searchsorted(teller_site, np.arange(sites))
    tellers_per_site = np.bincount(teller_site, minlength=sites)

    # A story's first storyteller decides its site; its workshop is one of that site's.
    teller_of_story = rng.integers(0, teller_site.size, n)
    story_site = teller_site[teller_of_story]
    story_workshop = first_workshop[story_site] + (
        rng.integers(0, 1 << 30, n) % workshops_per_site[story_site]
    )
    story_ids = np.arange(first_id, first_id + n)
    future = rng.random(n) < 0.5
    ids = pl.Series(story_ids)
    stories = pl.DataFrame(
        {
            "story_id": story_ids,
            "site_id": story_site + 1,
            "workshop_id": story_workshop + 1,
            "date": base["workshops"]["date"].gather(pl.Series(story_workshop)),
            "kind": _pick(("present", "future"), future.astype(np.uint32)),
            "horizon_year": pl.Series(np.where(future, 2050, 0)).replace(0, None),
            "language": _pick(base["site_language"], story_site),
            "title": ids.cast(pl.String),
            "body": ids.cast(pl.String),
            "status": _pick(("submitted", "reviewed"), (rng.random(n) >= 0.9).astype(np.uint32)),
        }
    )

    group = rng.random(n) < 0.1
    partner = first_teller[story_site[group]] + (
        rng.integers(0, 1 << 30, int(group.sum())) % tellers_per_site[story_site[group]]
    )
    story_tellers = pl.DataFrame(
        {
            "story_id": np.concatenate([story_ids, story_ids[group]]),
            "storyteller_id": np.concatenate([teller_of_story, partner]) + 1,
        }
    ).unique()

    per_story = rng.integers(1, 7, n)
    coding_story = np.repeat(np.arange(n), per_story)
    popular = np.floor(N_THEMES * rng.random(coding_story.size) ** 1.6).astype(np.int64)
    favourite = (story_site[coding_story] * 7) % N_THEMES
    theme_index = np.where(rng.random(coding_story.size) < 0.12, favourite, popular)
    double = rng.random(n) < 0.2
    second_rows = double[coding_story] & (rng.random(coding_story.size) < 0.85)
    extra_story = np.flatnonzero(double)
    # Coders as 0/1 and themes as indexes until the end: "coder-a" < "coder-b" and
    # "t00" < "t01" < ..., so sorting the numbers sorts the strings.
    codings = (
        pl.DataFrame(
            {
                "story_id": story_ids[
                    np.concatenate([coding_story, coding_story[second_rows], extra_story])
                ],
                "theme_index": np.concatenate(
                    [
                        theme_index,
                        theme_index[second_rows],
                        rng.integers(0, N_THEMES, extra_story.size),
                    ]
                ),
                "coder": np.concatenate(
                    [
                        np.zeros(coding_story.size, np.uint32),
                        np.ones(int(second_rows.sum()) + extra_story.size, np.uint32),
                    ]
                ),
            }
        )
        .unique()
        .sort("story_id", "theme_index", "coder")
    )
    codings = pl.DataFrame(
        {
            "story_id": codings["story_id"],
            "theme": _pick([f"t{i:02d}" for i in range(N_THEMES)], codings["theme_index"]),
            "coder": _pick(("coder-a", "coder-b"), codings["coder"].to_numpy()),
        }
    )
    translated = rng.random(n) < 0.5
    translations = pl.DataFrame(
        {"story_id": story_ids[translated], "language": "en", "origin": "human", "reviewed": False}
    )
    return {
        "stories": stories,
        "story_storytellers": story_tellers.sort("story_id", "storyteller_id"),
        "codings": codings,
        "translations": translations,
    }


def _small_tables(sites: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The project, the codebook, the reference shares and the (empty) exclusions."""
    site_ids = sites["site_id"].to_numpy()
    themes = [f"t{i:02d}" for i in range(N_THEMES)]
    return {
        "project": pl.DataFrame(
            {
                "project": [PROJECT],
                "name": ["Synthetic project"],
                "default_language": ["en"],
                "disclosure_threshold": [5],
                "demographic_attributes": [["age_band", "gender", "migrant_background"]],
            }
        ),
        "themes": pl.DataFrame(
            {
                "theme": themes,
                "kind": THEME_KINDS,
                "parent": [None] * N_THEMES,
                "position": list(range(N_THEMES)),
                "label_en": [f"Theme {i}" for i in range(N_THEMES)],
            }
        ),
        "reference_shares": pl.concat(
            [
                pl.DataFrame(
                    {
                        "site_id": np.repeat(site_ids, len(values)),
                        "attribute": name,
                        "value": np.tile(np.array(values), len(site_ids)),
                        "share": np.tile(np.array(shares), len(site_ids)),
                    }
                )
                for name, values, shares in (
                    ("age_band", AGE_BANDS, (0.11, 0.15, 0.26, 0.24, 0.24)),
                    ("gender", ("woman", "man"), (0.52, 0.48)),
                )
            ]
        ).sort("site_id", "attribute", "value"),
        "exclusions": pl.DataFrame({"reason": ["consent"], "stories": [0], "storytellers": [0]}),
    }


def corpus_chunks(
    stories: int, *, seed: int = 7, sites: int = N_SITES, chunk: int = CHUNK
) -> Iterator[tuple[str, pl.DataFrame]]:
    """The synthetic corpus as (table, part) pairs, each table's parts in its sort order.

    The shape of `corpus`, drawn so that no more than `chunk` stories are in memory at once:
    each chunk of stories has its own random stream, so a size's corpus is the same whatever
    runs before it (but not the same as `corpus` of that size).
    """
    base = _people_and_places(stories, seed, sites)
    for name in ("sites", "workshops", "storytellers", "demographics"):
        yield name, conform(name, base[name]).collect()
    for name, table in _small_tables(base["sites"]).items():
        yield name, conform(name, table).collect()
    for index, first in enumerate(range(1, stories + 1, chunk)):
        parts = _story_chunk(first, min(chunk, stories + 1 - first), seed, index, base)
        for name in STORY_TABLES:
            yield name, conform(name, parts[name]).collect()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def write_corpus(
    stories: int, root: Path, *, seed: int = 7, sites: int = N_SITES, chunk: int = CHUNK
) -> Path:
    """Write the synthetic corpus as a local snapshot folder, part by part; its path.

    What `write_snapshot` writes (one Parquet file per table, a manifest with the content
    hash), without ever holding the whole corpus: at 10^7 stories the tables take several
    GiB in memory. Each part is a row group of its table's file.
    """
    import pyarrow.parquet as pq

    folder = Path(root) / "snapshots" / f"writing-{os.getpid()}"
    folder.mkdir(parents=True)
    writers: dict[str, pq.ParquetWriter] = {}
    rows = dict.fromkeys(TABLES, 0)
    try:
        for name, part in corpus_chunks(stories, seed=seed, sites=sites, chunk=chunk):
            table = part.to_arrow()
            if name not in writers:
                writers[name] = pq.ParquetWriter(
                    folder / f"{name}.parquet", table.schema, compression="zstd",
                    compression_level=3,
                )  # fmt: skip
            writers[name].write_table(table, row_group_size=table.num_rows or None)
            rows[name] += part.height
        for name in TABLES.keys() - writers.keys():
            frame(name).write_parquet(folder / f"{name}.parquet")
    finally:
        for writer in writers.values():
            writer.close()
    digest = hashlib.sha256(f"civicfutures-snapshot:{SCHEMA_VERSION}".encode())
    files = {name: _sha256(folder / f"{name}.parquet") for name in sorted(TABLES)}
    for name, sha in files.items():
        digest.update(name.encode() + b"\0" + bytes.fromhex(sha))
    content_hash = digest.hexdigest()
    manifest = {
        "snapshot_id": content_hash[:16],
        "content_hash": content_hash,
        "schema_version": SCHEMA_VERSION,
        **MANIFEST,
        "tables": {
            name: {"file": f"{name}.parquet", "rows": rows[name], "sha256": sha}
            for name, sha in files.items()
        },
        "polars": pl.__version__,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    target = folder.with_name(manifest["snapshot_id"])
    shutil.rmtree(target, ignore_errors=True)
    folder.rename(target)
    return target
