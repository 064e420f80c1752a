"""The stories table's lists, built from a snapshot written to disk, against the same lists
worked out row by row in plain Python: codings in reading order with their excerpts, themes,
translations and storytellers sorted, empty lists for stories without any; and the same rows
whether the stories come all at once, in consecutive batches or in scattered ones."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from civicfutures.analysis.snapshot import write_snapshot
from civicfutures.analysis.synthetic import MANIFEST, corpus
from civicfutures.exports import stories as stories_module
from civicfutures.exports import tabular
from civicfutures.exports.bench import open_synthetic
from civicfutures.exports.stories import PerStory, Vocabularies, stories_batch, stories_table
from civicfutures.exports.tabular import csv_frame

ATTRIBUTES = ("age_band", "gender", "migrant_background")
BODY = "Zażółć gęślą jaźń — we asked the council twice, and then once more in writing."


def _tables() -> dict[str, pl.DataFrame]:
    tables = corpus(40)
    ids = tables["stories"]["story_id"]
    tables["stories"] = tables["stories"].with_columns(
        body=pl.lit(BODY) + pl.lit(" #") + ids.cast(pl.String)
    )
    codings = tables["codings"].with_row_index("n").with_columns(pl.col("n").cast(pl.Int64))
    # Offsets into the text that do not follow the themes' order, some codings without a span.
    codings = codings.with_columns(
        start=pl.when(pl.col("n") % 5 == 0).then(None).otherwise((pl.col("n") * 7) % 40),
    ).with_columns(end=pl.col("start") + 3 + pl.col("n") % 9)
    first, second = ids[0], ids[1]
    # A story without codings, another without storytellers.
    tables["codings"] = codings.drop("n").filter(pl.col("story_id") != first)
    tables["story_storytellers"] = tables["story_storytellers"].filter(pl.col("story_id") != second)
    # A story translated twice, given in the opposite order to the export's.
    third = ids[2]
    tables["translations"] = pl.concat(
        [
            tables["translations"].filter(pl.col("story_id") != third),
            pl.DataFrame(
                {
                    "story_id": [third, third],
                    "language": ["it", "en"],
                    "origin": ["machine", "human"],
                    "reviewed": [False, True],
                }
            ),
        ]
    )
    # A story told by three storytellers whose values come out of order, repeat, or are missing.
    fourth = ids[3]
    links = tables["story_storytellers"]
    tellers = sorted(links.filter(pl.col("story_id").is_in(ids[3:6].implode()))["storyteller_id"])
    tables["story_storytellers"] = pl.concat(
        [
            links.filter(pl.col("story_id") != fourth),
            pl.DataFrame({"story_id": [fourth] * 3, "storyteller_id": tellers}),
        ]
    )
    told = {
        (tellers[0], "gender"): "woman",
        (tellers[1], "gender"): "man",
        (tellers[2], "gender"): "woman",
    }
    demographics = tables["demographics"]
    tables["demographics"] = demographics.with_columns(
        value=pl.struct("storyteller_id", "attribute")
        .map_elements(
            lambda key: told.get((key["storyteller_id"], key["attribute"])), return_dtype=pl.String
        )
        .fill_null(pl.col("value"))
    ).filter(~((pl.col("storyteller_id") == tellers[1]) & (pl.col("attribute") == "age_band")))
    return tables


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[pl.DataFrame, dict[str, pl.DataFrame], object]:
    root: Path = tmp_path_factory.mktemp("snapshot")
    tables = _tables()
    info = write_snapshot(tables, root, dict(MANIFEST))
    extras = root / "extras"
    extras.mkdir()
    tables["translations"].with_columns(
        title=pl.lit("Story ") + pl.col("language"),
        body=pl.lit("Text in ") + pl.col("language") + pl.lit(" ą"),
    ).select("story_id", "language", "title", "body", "origin", "reviewed").reverse().write_parquet(
        extras / "translations.parquet"
    )
    pl.DataFrame(schema={"storyteller_id": pl.Int64, "code": pl.String}).write_parquet(
        extras / "codes.parquet"
    )
    data, _notes = open_synthetic(info.path, extras, "parquet")
    translations = pl.read_parquet(extras / "translations.parquet")
    return stories_table(data).collect(), {**tables, "translation_texts": translations}, data


def _expected(tables: dict[str, pl.DataFrame], story_ids: list[int]) -> dict[int, dict]:
    bodies = dict(zip(tables["stories"]["story_id"], tables["stories"]["body"], strict=True))
    codings = defaultdict(list)
    snapshot_order = tables["codings"].sort("story_id", "theme", "coder", "start", "end")
    for n, c in enumerate(snapshot_order.iter_rows(named=True)):
        codings[c["story_id"]].append((c["start"] is not None, c["start"] or 0, n, c))
    tellers = defaultdict(list)
    for link in tables["story_storytellers"].iter_rows(named=True):
        tellers[link["story_id"]].append(link["storyteller_id"])
    values = defaultdict(dict)
    for d in tables["demographics"].iter_rows(named=True):
        values[d["storyteller_id"]][d["attribute"]] = d["value"]
    translations = defaultdict(list)
    for t in tables["translation_texts"].iter_rows(named=True):
        translations[t["story_id"]].append(t)
    out = {}
    for story in story_ids:
        body = bodies[story]
        ordered = [c for *_, c in sorted(codings[story], key=lambda k: k[:3])]
        out[story] = {
            "themes": sorted({c["theme"] for c in ordered}),
            "codings": [
                (
                    c["theme"],
                    c["coder"],
                    c["start"],
                    c["end"],
                    None if c["start"] is None else body[c["start"] : c["end"]],
                )
                for c in ordered
            ],
            "storyteller_ids": sorted(tellers[story]),
            **{
                name: sorted({values[t][name] for t in tellers[story] if name in values[t]})
                for name in ATTRIBUTES
            },
            "translations": [
                (t["language"], t["origin"], t["title"], t["body"], t["reviewed"])
                for t in sorted(translations[story], key=lambda t: (t["language"], t["origin"]))
            ],
        }
    return out


def test_lists_match_the_snapshot_row_by_row(exported):
    frame, tables, _data = exported
    ids = frame["story_id"].to_list()
    assert ids == sorted(tables["stories"].filter(pl.col("status") != "draft")["story_id"])
    expected = _expected(tables, ids)
    for row in frame.iter_rows(named=True):
        want = expected[row["story_id"]]
        assert row["themes"] == want["themes"]
        assert [
            (c["theme"], c["coder"], c["start"], c["end"], c["excerpt"]) for c in row["codings"]
        ] == want["codings"]
        assert row["storyteller_ids"] == want["storyteller_ids"]
        assert row["n_storytellers"] == len(want["storyteller_ids"])
        for name in ATTRIBUTES:
            assert row[name] == want[name], (row["story_id"], name)
        assert [
            (t["language"], t["origin"], t["title"], t["body"], t["reviewed"])
            for t in row["translations"]
        ] == want["translations"]
        assert row["translation_languages"] == [t[0] for t in want["translations"]]
    first, second, third = ids[:3]
    by_id = {row["story_id"]: row for row in frame.iter_rows(named=True)}
    assert by_id[first]["codings"] == [] and by_id[first]["themes"] == []
    assert by_id[second]["storyteller_ids"] == [] and by_id[second]["n_storytellers"] == 0
    assert [t["language"] for t in by_id[third]["translations"]] == ["en", "it"]
    told_by_three = [row for row in by_id.values() if row["n_storytellers"] == 3]
    assert [row["gender"] for row in told_by_three] == [["man", "woman"]]
    assert len(told_by_three[0]["age_band"]) <= 2
    assert any(c["excerpt"] for row in frame.iter_rows(named=True) for c in row["codings"]), (
        "some codings have spans"
    )


def test_batches_give_the_same_rows_as_the_whole(exported):
    frame, _tables, data = exported
    stories = data.stories.collect()
    tables = PerStory.read(data)
    words = Vocabularies.of(data, data.scope.lang)
    consecutive = pl.concat(
        stories_batch(stories.slice(offset, 7), data, tables, words)
        for offset in range(0, stories.height, 7)
    )
    assert consecutive.equals(frame)
    scattered = pl.concat(
        [
            stories_batch(stories.gather_every(2), data, tables, words),
            stories_batch(stories.gather_every(2, offset=1), data, tables, words),
        ]
    ).sort("story_id")
    assert scattered.equals(frame)
    assert stories_table(data).collect(engine="streaming").equals(frame)
    empty = stories_batch(stories.clear(), data, tables, words)
    assert empty.height == 0 and empty.schema == frame.schema


def test_a_batch_is_built_a_slice_at_a_time(exported, monkeypatch):
    """What the engine hands over at once is built in slices; the rows come out the same."""
    frame, _tables, data = exported
    monkeypatch.setattr(stories_module, "ROWS_PER_SLICE", 7)
    assert stories_table(data).collect(engine="streaming").equals(frame)
    text = stories_table(data, text=True).collect(engine="streaming")
    assert text.equals(csv_frame(frame.lazy()).collect())


def test_text_rows_are_the_table_as_csv_holds_it(exported):
    """CSV's rows built as text batch by batch equal the finished table flattened afterwards:
    JSON arrays of records, joined codes and labels, formula-looking text prefixed."""
    frame, _tables, data = exported
    assert stories_table(data, text=True).collect().equals(csv_frame(frame.lazy()).collect())
    stories = data.stories.collect().with_columns(
        title=pl.when(pl.col("story_id") % 2 == 0).then(pl.lit("=1+1")).otherwise("title")
    )
    tables = PerStory.read(data)
    words = Vocabularies.of(data, data.scope.lang)
    scattered = pl.concat(
        [
            stories_batch(stories.gather_every(3, offset=k), data, tables, words, text=True)
            for k in range(3)
        ]
    ).sort("story_id")
    whole = csv_frame(stories_batch(stories, data, tables, words).lazy()).collect()
    assert scattered.equals(whole)
    assert "'=1+1" in whole["title"].to_list()
    assert whole["codings"].str.starts_with("[").all()


@pytest.mark.parametrize("arrives", ["plan", "parts"])
def test_parquet_row_groups_hold_at_most_the_set_rows(exported, tmp_path, monkeypatch, arrives):
    frame, _tables, data = exported
    monkeypatch.setattr(tabular, "PARQUET_ROW_GROUP_ROWS", 7)
    plan = stories_table(data)
    table = plan if arrives == "plan" else [plan.slice(0, 10), plan.slice(10, None)]
    path = tmp_path / "stories.parquet"
    tabular.write_parquet(table, path, None, tmp_path)
    meta = pq.ParquetFile(path).metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert sum(sizes) == frame.height > 14
    assert max(sizes) <= 7 and len(sizes) >= 3
    assert pl.read_parquet(path).equals(frame)
