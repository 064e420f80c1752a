"""The stories export in every format: consented rows, codes and labels, spreadsheet safety."""

from __future__ import annotations

import io
import json

import openpyxl
import polars as pl
import pytest

from civicfutures.db.tables import Story
from civicfutures.i18n import gettext as _
from civicfutures.i18n import use_locale

READ = {
    "csv": lambda p: pl.read_csv(p, infer_schema=False),
    "parquet": pl.read_parquet,
    "jsonl": pl.read_ndjson,
    "xlsx": lambda p: pl.DataFrame(
        list(openpyxl.load_workbook(p, read_only=True).worksheets[0].iter_rows(values_only=True))[
            1:
        ],
        schema=[
            c.value
            for c in next(
                openpyxl.load_workbook(p, read_only=True).worksheets[0].iter_rows(max_row=1)
            )
        ],
        orient="row",
        infer_schema_length=None,
    ),
}
MEDIA = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "jsonl": "application/jsonl",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "jsonl"])
async def test_every_format_has_the_consented_stories_with_codes_and_labels(
    demo, token_for, download, fmt
):
    response, path = await download("stories", await token_for("researcher"), lang="pl", format=fmt)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(MEDIA[fmt])
    assert (
        f'filename="euarenas-futures-pl-stories.{fmt}"' in response.headers["content-disposition"]
    )
    notes = json.loads(response.headers["x-export-notes"])
    assert notes["stories_exported"] == 39 and notes["excluded"]["consent"] == 2
    assert notes["withheld_columns"] == ["storyteller_codes"]
    frame = READ[fmt](path)
    assert frame.height == 39
    assert frame["story_id"].cast(pl.Int64).is_sorted()
    assert "storyteller_codes" not in frame.columns
    row = frame.row(0, named=True)
    assert row["title"] == "Młodzieżowa rada, której nikt nie słuchał"
    assert row["story_kind"] == "present"
    with use_locale("pl"):
        assert row["story_kind_label"] == _("Present-day experience")
    themes = row["themes"] if fmt in ("parquet", "jsonl") else row["themes"].split("; ")
    assert "youth_disengagement" in themes
    assert "Brak zaangażowania młodzieży" in row["theme_labels"]
    translations = (
        row["translations"] if fmt in ("parquet", "jsonl") else json.loads(row["translations"])
    )
    assert translations[0]["language"] == "en"
    assert translations[0]["title"] == "The youth council nobody listened to"
    codings = row["codings"] if fmt in ("parquet", "jsonl") else json.loads(row["codings"])
    assert {c["coder"] for c in codings} == {"coder-a", "coder-b"}
    assert any(
        c["excerpt"]
        == "Na sesji rady dostaliśmy pięć minut na samym końcu, kiedy połowa radnych już wyszła."
        for c in codings
    )


async def test_a_formula_looking_title_stays_text(demo, admin, download):
    first = await Story.select(Story.id).order_by(Story.id).first()
    await Story.update({Story.title: '=HYPERLINK("http://x","klik")'}).where(
        Story.id == first["id"]
    )
    _, csv_path = await download("stories", admin, format="csv")
    raw = csv_path.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in raw
    frame = pl.read_csv(io.StringIO(raw), infer_schema=False)
    assert frame["title"][0] == '\'=HYPERLINK("http://x","klik")'

    _, xlsx_path = await download("stories", admin, format="xlsx")
    sheet = openpyxl.load_workbook(xlsx_path).worksheets[0]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("title") + 1)
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x","klik")'


async def test_admin_may_ask_for_storyteller_codes(demo, admin, download):
    response, path = await download("stories", admin, format="parquet", include_codes="true")
    frame = pl.read_parquet(path)
    assert frame["storyteller_codes"][0].to_list() == ["GDA-01"]
    assert json.loads(response.headers["x-export-notes"])["withheld_columns"] == []


async def test_unknown_kind_is_404_and_wrong_format_is_422(demo, admin, client):
    missing = await client.get("/api/v1/exports/spss?project=euarenas-futures", headers=admin)
    assert missing.status_code == 404
    wrong = await client.get(
        "/api/v1/exports/stories?project=euarenas-futures&format=docx", headers=admin
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "format"


async def test_lists_come_sorted_and_codings_in_reading_order(demo, admin, download):
    _, path = await download("stories", admin, format="parquet")
    frame = pl.read_parquet(path).with_columns(pl.col("themes").cast(pl.List(pl.String)))
    assert frame["story_id"].is_sorted()
    for row in frame.iter_rows(named=True):
        codings = row["codings"]
        assert row["themes"] == sorted({c["theme"] for c in codings})
        assert row["storyteller_ids"] == sorted(row["storyteller_ids"])
        assert row["n_storytellers"] == len(row["storyteller_ids"])
        order = [(c["start"] is not None, c["start"] or 0, c["theme"], c["coder"]) for c in codings]
        assert order == sorted(order)
        assert row["translation_languages"] == sorted(row["translation_languages"])
    assert frame["codings"].list.len().sum() > frame.height, "the demo has codings to order"


async def test_parquet_keeps_codes_as_categories_in_the_codebooks_order(demo, admin, download):
    import pyarrow as pa
    import pyarrow.parquet as pq

    response, path = await download("stories", admin, format="parquet")
    assert response.status_code == 200, response.text
    table = pq.read_table(path)

    def levels(name: str) -> list[str]:
        column = table.column(name)
        listed = pa.types.is_list(column.type) or pa.types.is_large_list(column.type)
        kind = column.type.value_type if listed else column.type
        assert pa.types.is_dictionary(kind), f"{name} is {column.type}"
        chunk = column.chunks[0]
        values = chunk.values if listed else chunk
        return values.dictionary.to_pylist()

    for name in ("site", "country", "language", "workshop_kind"):
        levels(name)
    assert levels("project") == ["euarenas-futures"]
    assert levels("site") == [s["slug"] for s in demo["sites"]]
    assert levels("story_kind") == ["present", "future"]
    assert levels("status")[:3] == ["draft", "submitted", "reviewed"]
    for attribute in demo["project"]["demographics"]:
        assert levels(attribute["name"])[: len(attribute["choices"])] == [
            c["value"] for c in attribute["choices"]
        ]
    assert levels("themes") == [t["key"] for t in demo["themes"]]
    # Text stays text.
    assert pa.types.is_string(table.schema.field("title").type) or pa.types.is_large_string(
        table.schema.field("title").type
    )
    themes = table.column("themes").to_pylist()
    assert None not in themes
    assert [] in themes, "the demo has uncoded stories"
    assert None not in table.column("translations").to_pylist()
