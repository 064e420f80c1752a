"""The quality report on the tiny project: each check finds exactly what was planted."""

from __future__ import annotations

import re
from dataclasses import replace

import polars as pl
import pytest

from civicfutures.analysis import quality
from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.suite import run


def findings(table: pl.DataFrame, check: str) -> list[tuple]:
    return table.filter(pl.col("check") == check).select("site", "story_id", "detail").rows()


@pytest.fixture
def report(tiny) -> pl.DataFrame:
    return run("quality", tiny, AnalysisParams(unsuppressed=True))


def test_uncoded_stories(report) -> None:
    assert findings(report, "uncoded") == [("beta", 6, None)]


def test_missing_translations_into_the_default_language(report) -> None:
    # Only story 1 has an English translation.
    assert findings(report, "missing_translation") == [
        ("alpha", 2, "pl"),
        ("alpha", 3, "pl"),
        ("beta", 4, "et"),
        ("beta", 5, "et"),
        ("beta", 6, "et"),
    ]


def test_declared_language_against_the_detected_one(report) -> None:
    # Story 2 is declared Polish but written in English; story 5 is too short to judge.
    assert findings(report, "language_mismatch") == [("alpha", 2, "pl → en")]


def shingle_jaccard(first: str, second: str) -> float:
    def grams(text: str) -> set[str]:
        words = re.findall(r"\w+", text.lower())
        return {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}

    a, b = grams(first), grams(second)
    return len(a & b) / len(a | b)


def test_near_duplicates_with_their_exact_similarity(report, frames) -> None:
    bodies = frames["stories"]["body"]
    rows = report.filter(pl.col("check") == "near_duplicate")
    assert rows.select("story_id", "detail").rows() == [(4, "story 6")]
    assert rows["value"][0] == pytest.approx(shingle_jaccard(bodies[3], bodies[5]))


def test_near_duplicate_threshold(tiny) -> None:
    strict = run(
        "quality",
        tiny,
        AnalysisParams(near_duplicate_threshold=1.0, detect_language=False, unsuppressed=True),
    )
    assert findings(strict, "near_duplicate") == []


def test_missing_consent_is_reported_as_counts(report) -> None:
    rows = report.filter(pl.col("check") == "missing_consent")
    assert rows.select("detail", "value").rows() == [("stories", 2.0), ("storytellers", 1.0)]
    assert rows["story_id"].is_null().all()


def test_slow_checks_can_be_left_out(tiny) -> None:
    table = run("quality", tiny, AnalysisParams(detect_language=False, near_duplicates=False))
    assert set(table["check"]) == {"uncoded", "missing_translation", "draft", "missing_consent"}


def test_the_detector_is_built_once_per_language_set() -> None:
    first = quality.detector_for(frozenset({"pl", "en", "et"}))
    assert first is quality.detector_for(frozenset({"pl", "en", "et"}))
    # Võro is not known to the detector; one known language alone cannot be told apart.
    assert quality.detector_for(frozenset({"vro", "et"})) is None


def test_language_tags_match_on_their_primary_subtag(tiny_with) -> None:
    # An Estonian project: "et-EE" and "ET" are Estonian, Võro ("vro") is not, and a
    # translation tagged "ET-ee" counts as one into Estonian.
    snapshot = tiny_with(
        {
            "stories": {
                **tiny_with().tables["stories"].collect().to_dict(as_series=False),
                "language": ["pl", "pl", "pl-PL", "et-EE", "ET", "vro"],
            },
            "translations": {
                "story_id": [1, 3],
                "language": ["et", "ET-ee"],
                "origin": ["human", "machine"],
                "reviewed": [True, False],
            },
        },
        default_language="et",
    )
    report = run(
        "quality",
        snapshot,
        AnalysisParams(detect_language=False, near_duplicates=False, unsuppressed=True),
    )
    assert findings(report, "missing_translation") == [("alpha", 2, "pl"), ("beta", 6, "vro")]


def test_published_quality_counts_findings_per_site_and_over_all(tiny_with) -> None:
    # The listing's length is an exact count: published, each check gives its number of
    # findings at every site in scope and over them all, perturbed, small ones hidden.
    snapshot = tiny_with(disclosure_threshold=1)
    params = AnalysisParams(detect_language=False, near_duplicates=False)
    table = run("quality", snapshot, params)
    assert table["story_id"].is_null().all()
    uncoded = table.filter(pl.col("check") == "uncoded")
    # Story 6 at beta (one storyteller) is the one uncoded story; alpha has none (hidden 0).
    assert uncoded.select("site", "value", "suppressed").rows() == [
        ("alpha", None, True),
        ("beta", 1.0, False),
        (None, 1.0, False),
    ]
    consent = table.filter(pl.col("check") == "missing_consent")
    assert consent.select("detail", "suppressed").rows() == [
        ("stories", False),
        ("storytellers", False),
    ]
    hidden = run("quality", tiny_with(disclosure_threshold=3), params)
    # With k = 3 only beta's three untranslated stories (three storytellers) and their total
    # are published; every other count is hidden.
    shown = hidden.filter(~pl.col("suppressed"))
    assert shown.select("check", "site", "value").rows() == [
        ("missing_translation", "beta", 3.0),
        ("missing_translation", None, 3.0),
    ]
    assert hidden.filter(pl.col("suppressed"))["value"].null_count() == hidden.height - 2


def test_consent_exclusions_are_the_sites_in_scope(tiny_with) -> None:
    """A request for one site reports what consent left out there, not the project's:
    exact counts and published ones alike."""
    changes = {
        # Alpha left out 4 stories and 3 storytellers, beta none.
        "exclusions": {
            "reason": ["consent", "consent"],
            "site_id": [1, 2],
            "stories": [4, 0],
            "storytellers": [3, 0],
            "stories_key": [300, 0],
            "storytellers_key": [200, 0],
        },
    }
    snapshot = tiny_with(changes)
    exact = AnalysisParams(unsuppressed=True, detect_language=False, near_duplicates=False)
    consent = {}
    for sites in (("alpha",), ("beta",), ()):
        table = run("quality", snapshot, replace(exact, sites=sites))
        rows = table.filter(pl.col("check") == "missing_consent").select("detail", "value")
        consent[sites] = dict(rows.iter_rows())
    assert consent == {
        ("alpha",): {"stories": 4.0, "storytellers": 3.0},
        ("beta",): {"stories": 0.0, "storytellers": 0.0},
        (): {"stories": 4.0, "storytellers": 3.0},
    }
    published = run(
        "quality",
        tiny_with(changes, disclosure_threshold=3),
        AnalysisParams(detect_language=False, near_duplicates=False, sites=("beta",)),
    )
    rows = published.filter(pl.col("check") == "missing_consent")
    # Beta left nobody out: 0 is below k, hidden as few (never alpha's 4 or 3).
    assert rows.select("detail", "value", "suppressed_reason").rows() == [
        ("stories", None, "few"),
        ("storytellers", None, "few"),
    ]


def test_draft_stories_are_counted_at_their_site(tiny_with) -> None:
    from analysis.conftest import tiny_frames

    stories = dict(tiny_frames()["stories"])
    stories["status"] = ["submitted"] * 5 + ["draft"]  # story 6, at beta
    snapshot = tiny_with({"stories": stories})
    exact = AnalysisParams(unsuppressed=True, detect_language=False, near_duplicates=False)
    assert findings(run("quality", snapshot, exact), "draft") == [("beta", 6, None)]
    alpha = run("quality", snapshot, replace(exact, sites=("alpha",)))
    assert findings(alpha, "draft") == []
    with_drafts = replace(exact, statuses=("draft", "submitted"))
    assert findings(run("quality", snapshot, with_drafts), "draft") == []
    published = run(
        "quality", snapshot, AnalysisParams(detect_language=False, near_duplicates=False)
    )
    drafts = published.filter(pl.col("check") == "draft")
    assert drafts.select("site", "value").rows() == [("alpha", None), ("beta", 1.0), (None, 1.0)]
