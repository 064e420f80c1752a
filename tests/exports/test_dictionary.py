"""The data dictionary documents every column of every tabular export in every language."""

from __future__ import annotations

import json
import zipfile

import polars as pl

from civicfutures.i18n import gettext as _
from civicfutures.i18n import use_locale


async def test_dictionary_lists_every_column_with_labels_in_all_languages(demo, admin, download):
    _, stories = await download("stories", admin, format="csv", include_codes="true")
    response, path = await download("dictionary", admin, format="csv", include_codes="true")
    assert response.status_code == 200
    dictionary = pl.read_csv(path, infer_schema=False)
    stories_columns = pl.read_csv(stories, n_rows=1, infer_schema=False).columns
    documented = dictionary.filter(
        pl.col("export") == "stories", pl.col("code").fill_null("") == ""
    )
    assert documented["column"].to_list() == stories_columns
    for tag in ("en", "pl", "uk", "et", "vro", "ru", "it", "ar"):
        assert f"label_{tag}" in dictionary.columns
    gender = dictionary.filter(pl.col("column") == "gender", pl.col("code") == "woman").row(
        0, named=True
    )
    assert (gender["label_pl"], gender["label_it"], gender["label_et"]) == (
        "Kobieta",
        "Donna",
        "Naine",
    )
    theme = dictionary.filter(
        pl.col("export") == "sav/dta", pl.col("column") == "t_youth_disengagement"
    )
    assert theme["label_pl"][0] == "Brak zaangażowania młodzieży"


async def test_datapackage_holds_its_csv_files_and_validates_as_it_is(
    demo, admin, download, tmp_path
):
    import frictionless

    from civicfutures.db.tables import Story

    first = await Story.select(Story.id).order_by(Story.id).first()
    await Story.update({Story.title: "=SUM(A1:A9) and -minus"}).where(Story.id == first["id"])
    response, package = await download("dictionary", admin, format="datapackage", lang="pl")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].endswith(
        'filename="euarenas-futures-pl-datapackage.zip"'
    )
    folder = tmp_path / "package"
    with zipfile.ZipFile(package) as archive:
        assert archive.namelist() == [
            "datapackage.json",
            "euarenas-futures-pl-stories.csv",
            "euarenas-futures-pl-dictionary.csv",
        ]
        archive.extractall(folder)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["path"] for r in descriptor["resources"]] == [
        "euarenas-futures-pl-stories.csv",
        "euarenas-futures-pl-dictionary.csv",
    ]
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # The package says that formula-looking text carries an apostrophe, and it does.
    with use_locale("pl"):
        said = _(
            "Text cells starting with =, +, -, @ or a tab begin with an apostrophe so that "
            "spreadsheets keep them as text."
        )
    assert said != "" and said in descriptor["description"]
    assert descriptor["resources"][0]["description"] == said
    assert descriptor["civicfutures"]["notes"]["text_prefixed_cells"] == "apostrophe"
    stories = pl.read_csv(folder / "euarenas-futures-pl-stories.csv", infer_schema=False)
    assert stories.filter(pl.col("story_id") == str(first["id"]))["title"][0] == (
        "'=SUM(A1:A9) and -minus"
    )
    dictionary = pl.read_csv(folder / "euarenas-futures-pl-dictionary.csv", infer_schema=False)
    assert "story_id" in dictionary["column"].to_list()


async def test_xlsx_dictionary_opens(demo, admin, download):
    import openpyxl

    _, path = await download("dictionary", admin, format="xlsx", lang="it")
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames[0] == "dictionary"
