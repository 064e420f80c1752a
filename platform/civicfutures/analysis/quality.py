"""Quality report: one row per finding, for the people who keep the data clean.

Checks (`check` column):
- `uncoded`: a story in scope with no theme of the codebook applied by anyone;
- `missing_translation`: a story not in the project's default language with no translation
  into it (`detail` names the story's language);
- `language_mismatch`: the language detected in the body differs from the declared one
  (`detail`: "declared → detected"). Detection uses lingua restricted to the project's
  languages it knows; bodies under `MIN_WORDS` words and undetectable languages are skipped;
- `near_duplicate`: two stories whose word-3-shingle sets have a Jaccard similarity of at
  least the threshold (`value`; `detail` names the other story). Candidates come from
  MinHash signatures with locality-sensitive hashing, then the exact Jaccard is computed;
- `draft`: a draft story in the request's sites and dates, left out of every other count
  (unless the request asks for drafts);
- `missing_consent`: how many stories and storytellers the snapshot left out for lack of
  research consent at the sites in scope (counts only, `value`; `detail` says which).
The listing of pseudonymous story ids is the exact table, for exact-count roles; everyone else
gets the number of findings per check and site, perturbed (`suite._published_quality`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import polars as pl
from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

MIN_WORDS = 5
SHINGLE = 3
# MinHash with BANDS × ROWS functions; a pair with Jaccard s becomes a candidate with
# probability 1 − (1 − s^ROWS)^BANDS (≈ 0.99 at s = 0.8, ≈ 0.11 at s = 0.4).
BANDS = 16
ROWS = 4
_PRIME = (1 << 61) - 1
_A = [
    (6364136223846793005 * (i + 1) + 1442695040888963407) % (1 << 31) | 1
    for i in range(BANDS * ROWS)
]
_B = [(2862933555777941757 * (i + 7) + 3037000493) % (1 << 31) for i in range(BANDS * ROWS)]

SCHEMA = pl.Schema(
    {
        "check": pl.String,
        "site": pl.String,
        "story_id": pl.Int64,
        "detail": pl.String,
        "value": pl.Float64,
    }
)


def primary_subtag(tag: pl.Expr) -> pl.Expr:
    """`pt-BR` → `pt`: languages compare on their primary subtag."""
    return tag.str.to_lowercase().str.split("-").list.first()


def in_language(tag: pl.Expr, primary: str) -> pl.Expr:
    """Whether a language tag has the given primary subtag (`pt-BR` is in `pt`).

    The same test as comparing `primary_subtag`, without splitting every tag into a list.
    """
    lowered = tag.str.to_lowercase()
    return (lowered == primary) | lowered.str.starts_with(f"{primary}-")


def uncoded(stories: pl.LazyFrame, coded: pl.LazyFrame) -> pl.LazyFrame:
    """Stories in scope that nobody has coded.

    `coded` holds a `story_id` for each coded story: the codings, or the coders' sets built
    from them (which are smaller and already in memory).
    """
    return stories.join(coded.select("story_id"), on="story_id", how="anti").select(
        check=pl.lit("uncoded"),
        site="site",
        story_id="story_id",
        detail=pl.lit(None, dtype=pl.String),
        value=pl.lit(None, dtype=pl.Float64),
    )


def missing_translations(
    stories: pl.LazyFrame, translations: pl.LazyFrame, default_language: str
) -> pl.LazyFrame:
    """Stories not in the default language and without a translation into it."""
    target = default_language.lower().split("-")[0]
    translated = translations.filter(in_language(pl.col("language"), target)).select("story_id")
    return (
        stories.filter(~in_language(pl.col("language"), target))
        .join(translated, on="story_id", how="anti")
        .select(
            check=pl.lit("missing_translation"),
            site="site",
            story_id="story_id",
            detail="language",
            value=pl.lit(None, dtype=pl.Float64),
        )
    )


def _lingua_language(code: str) -> Language | None:
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(code))
    except ValueError:
        return None


@lru_cache(maxsize=8)
def detector_for(codes: frozenset[str]) -> LanguageDetector | None:
    """One detector per set of languages, built once: loading models is the slow part."""
    languages = {lang for code in codes if (lang := _lingua_language(code)) is not None}
    if len(languages) < 2:
        return None
    return LanguageDetectorBuilder.from_languages(*languages).build()


def _detect(rows: pl.Series) -> pl.Series:
    """Detected primary language of each body (null when not detectable)."""
    items = rows.to_list()
    codes = frozenset(code for item in items for code in (item["languages"] or []))
    detector = detector_for(codes)
    out: list[str | None] = [None] * len(items)
    if detector is not None:
        # A declared language lingua cannot tell (Võro, say) would only produce false alarms.
        wanted = [
            i
            for i, item in enumerate(items)
            if _lingua_language(item["declared"]) is not None
            and len((item["body"] or "").split()) >= MIN_WORDS
        ]
        found = detector.detect_languages_in_parallel_of([items[i]["body"] for i in wanted])
        for i, language in zip(wanted, found, strict=True):
            if language is not None:
                out[i] = language.iso_code_639_1.name.lower()
    return pl.Series(rows.name, out, dtype=pl.String)


def language_mismatches(stories: pl.LazyFrame, sites: pl.LazyFrame) -> pl.LazyFrame:
    """Stories whose body reads as another of the project's languages than the declared one."""
    project_languages = (
        pl.concat(
            [
                sites.select(code=pl.col("languages")).explode("code"),
                stories.select(code=pl.col("language")),
            ]
        )
        .select(code=primary_subtag(pl.col("code")))
        .drop_nulls()
        .unique()
        .sort("code")
        .select(languages=pl.col("code").implode())
    )
    return (
        stories.join(project_languages, how="cross")
        .with_columns(declared=primary_subtag(pl.col("language")))
        .with_columns(
            detected=pl.struct("body", "declared", "languages").map_batches(
                _detect, return_dtype=pl.String
            )
        )
        .filter(pl.col("detected").is_not_null() & (pl.col("detected") != pl.col("declared")))
        .select(
            check=pl.lit("language_mismatch"),
            site="site",
            story_id="story_id",
            detail=pl.col("declared") + pl.lit(" → ") + pl.col("detected"),
            value=pl.lit(None, dtype=pl.Float64),
        )
    )


def shingles(stories: pl.LazyFrame) -> pl.LazyFrame:
    """(story_id, shingle): hashes of the distinct word 3-grams of each body (lower-cased)."""
    words = (
        stories.select("story_id", word=pl.col("body").str.to_lowercase().str.extract_all(r"\w+"))
        .explode("word")
        .drop_nulls("word")
        .with_columns(position=pl.int_range(pl.len()).over("story_id"))
    )
    grams = words.with_columns(
        gram=pl.concat_str(
            [pl.col("word").shift(-offset).over("story_id") for offset in range(SHINGLE)],
            separator=" ",
        )
    )
    # Short bodies (fewer words than a shingle) keep their whole text as their one shingle.
    whole = words.group_by("story_id").agg(
        gram=pl.col("word").sort_by("position").str.join(" "), n=pl.len()
    )
    return (
        pl.concat(
            [
                grams.drop_nulls("gram").select("story_id", "gram"),
                whole.filter(pl.col("n") < SHINGLE).select("story_id", "gram"),
            ]
        )
        .select("story_id", shingle=pl.col("gram").hash(seed=0) % (1 << 32))
        .unique()
    )


def near_duplicates(stories: pl.LazyFrame, threshold: float) -> pl.LazyFrame:
    """Pairs of stories with shingle Jaccard ≥ threshold (MinHash + LSH candidates, exact check)."""
    sets = shingles(stories)
    h = pl.col("shingle").cast(pl.UInt64)
    u64 = pl.UInt64
    # h < 2^32 and a, b < 2^31: h·a + b stays below 2^64, so UInt64 arithmetic never wraps.
    signature = sets.group_by("story_id").agg(
        ((h * pl.lit(a, u64) + pl.lit(b, u64)) % pl.lit(_PRIME, u64)).min().alias(f"m{i}")
        for i, (a, b) in enumerate(zip(_A, _B, strict=True))
    )
    bands = signature.select(
        "story_id",
        *(
            pl.concat_str(
                [pl.col(f"m{band * ROWS + r}") for r in range(ROWS)], separator=":"
            ).alias(str(band))
            for band in range(BANDS)
        ),
    ).unpivot(index="story_id", variable_name="band", value_name="key")
    candidates = (
        bands.join(bands, on=["band", "key"], suffix="_b")
        .filter(pl.col("story_id") < pl.col("story_id_b"))
        .select("story_id", "story_id_b")
        .unique()
    )
    sizes = sets.group_by("story_id").agg(size=pl.len())
    shared = (
        candidates.join(sets, on="story_id")
        .join(sets, left_on=["story_id_b", "shingle"], right_on=["story_id", "shingle"])
        .group_by("story_id", "story_id_b")
        .agg(shared=pl.len())
    )
    return (
        shared.join(sizes, on="story_id")
        .join(sizes.rename({"story_id": "story_id_b", "size": "size_b"}), on="story_id_b")
        .with_columns(
            value=pl.col("shared") / (pl.col("size") + pl.col("size_b") - pl.col("shared"))
        )
        .filter(pl.col("value") >= threshold)
        .join(stories.select("story_id", "site"), on="story_id")
        .select(
            check=pl.lit("near_duplicate"),
            site="site",
            story_id="story_id",
            detail=pl.lit("story ") + pl.col("story_id_b").cast(pl.String),
            value="value",
        )
    )


def drafts(stories: pl.LazyFrame) -> pl.LazyFrame:
    """Draft stories (given with their site slug), left out of the analyses."""
    return stories.select(
        check=pl.lit("draft"),
        site="site",
        story_id="story_id",
        detail=pl.lit(None, dtype=pl.String),
        value=pl.lit(None, dtype=pl.Float64),
    )


def missing_consent(exclusions: pl.LazyFrame) -> pl.LazyFrame:
    """What the snapshot left out for lack of consent, as counts over the rows given (one
    per site)."""
    consent = exclusions.filter(pl.col("reason") == "consent")
    return pl.concat(
        [
            consent.select(
                check=pl.lit("missing_consent"),
                site=pl.lit(None, dtype=pl.String),
                story_id=pl.lit(None, dtype=pl.Int64),
                detail=pl.lit(what),
                value=pl.col(what).sum().cast(pl.Float64),
            )
            for what in ("stories", "storytellers")
        ]
    )


def quality(parts: Iterable[pl.LazyFrame]) -> pl.LazyFrame:
    """The findings of the checks run, in one table."""
    frames = [part.select([pl.col(n).cast(t) for n, t in SCHEMA.items()]) for part in parts]
    return pl.concat(frames) if frames else pl.LazyFrame(schema=SCHEMA)
