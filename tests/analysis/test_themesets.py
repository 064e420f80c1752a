"""Theme sets as bit masks: counting per theme must be exact on every bit of every word."""

from __future__ import annotations

import random

import polars as pl
import pytest

from civicfutures.analysis.themesets import Codebook, coder_sets

# 150 themes: three words, and bits on both sides of each word's 32-bit halves.
CODEBOOK = Codebook(tuple(f"t{i:03d}" for i in range(150)))
EDGES = [0, 1, 30, 31, 32, 33, 62, 63, 64, 95, 96, 127, 128, 149]


def _rows(count: int, seed: int) -> list[tuple[str, set[int]]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        themes = set(rng.sample(range(150), rng.randint(0, 8)))
        if rng.random() < 0.5:
            themes |= set(rng.sample(EDGES, 3))
        rows.append((rng.choice("abc"), themes))
    return rows


def _sets(rows: list[tuple[str, set[int]]]) -> pl.LazyFrame:
    long = pl.LazyFrame(
        [
            {"row": n, "group": group, "theme": CODEBOOK.themes[i]}
            for n, (group, themes) in enumerate(rows)
            for i in sorted(themes)
        ],
        schema={"row": pl.Int64, "group": pl.String, "theme": pl.String},
    )
    return CODEBOOK.masks(long, ["row", "group"])


def test_tally_counts_every_theme_of_every_group_exactly() -> None:
    rows = _rows(3000, seed=7)
    counted = CODEBOOK.tally(_sets(rows), ["group"], extra=[pl.len().alias("n")]).collect()
    assert counted.columns == ["group", "n", *(CODEBOOK.column(i) for i in range(150))]
    for record in counted.iter_rows(named=True):
        members = [themes for group, themes in rows if group == record["group"] and themes]
        assert record["n"] == len(members)
        for i in range(150):
            assert record[CODEBOOK.column(i)] == sum(i in themes for themes in members), i


def test_tally_of_chosen_themes_over_the_whole_frame() -> None:
    rows = _rows(500, seed=11)
    counted = CODEBOOK.tally(_sets(rows), only=EDGES).collect()
    assert counted.columns == [CODEBOOK.column(i) for i in EDGES]
    assert counted.height == 1
    for i in EDGES:
        assert counted[CODEBOOK.column(i)][0] == sum(i in themes for _, themes in rows)
    assert counted.schema[CODEBOOK.column(63)] == pl.Int64


@pytest.mark.parametrize("bit", [31, 32, 63])
def test_a_full_half_word_never_carries_into_the_other(bit: int) -> None:
    # Every row holds the theme: the low half's count sits right below the high half.
    frame = pl.LazyFrame({"_w0": [1 << bit | 1 << 0 | 1 << 32] * 70_000}, schema={"_w0": pl.UInt64})
    counted = CODEBOOK.tally(frame, only=[0, 31, 32, 63]).collect().row(0, named=True)
    expected = {
        0: 70_000,
        32: 70_000,
        31: 70_000 if bit == 31 else 0,
        63: 70_000 if bit == 63 else 0,
    }
    assert {i: counted[CODEBOOK.column(i)] for i in expected} == expected


def _codings(seed: int) -> pl.LazyFrame:
    rng = random.Random(seed)
    rows = [
        {"story_id": story, "coder": coder, "theme": rng.choice([*CODEBOOK.themes, "retired"])}
        for story in range(400)
        for coder in rng.sample(["ana", "ben", "cleo"], rng.randint(0, 3))
        for _ in range(rng.randint(1, 5))
    ]
    return pl.LazyFrame(rows, schema={"story_id": pl.Int64, "coder": pl.String, "theme": pl.String})


def test_coder_sets_by_story_equal_the_sets_by_story_and_coder() -> None:
    codings = _codings(seed=3)
    by_name = coder_sets(codings, CODEBOOK).collect().sort("story_id", "coder")
    by_story = coder_sets(codings, CODEBOOK, ["ana", "ben", "cleo"]).collect()
    assert by_story.sort("story_id", "coder").equals(by_name)
    # A coder who applied only a theme outside the codebook coded nothing.
    assert by_name.filter(pl.all_horizontal(pl.col(c) == 0 for c in CODEBOOK.columns())).is_empty()
    assert by_name.height > 500


def test_coder_sets_refuse_a_coder_missing_from_the_list() -> None:
    with pytest.raises(pl.exceptions.InvalidOperationError):
        coder_sets(_codings(seed=3), CODEBOOK, ["ana", "ben"]).collect()
