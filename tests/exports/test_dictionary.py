"""The data dictionary documents every column of every tabular export in every language."""

from __future__ import annotations

import json
import shutil

import polars as pl


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


async def test_datapackage_validates_with_the_csv_files(demo, admin, download, tmp_path):
    import frictionless

    _, stories = await download("stories", admin, format="csv", lang="en")
    _, dictionary = await download("dictionary", admin, format="csv", lang="en")
    response, package = await download("dictionary", admin, format="datapackage", lang="en")
    assert response.headers["content-disposition"].endswith('filename="datapackage.json"')
    folder = tmp_path / "package"
    folder.mkdir()
    for path in (stories, dictionary, package):
        shutil.copy(path, folder / path.name)
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    assert [r["path"] for r in descriptor["resources"]] == [stories.name, dictionary.name]
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


async def test_xlsx_dictionary_opens(demo, admin, download):
    import openpyxl

    _, path = await download("dictionary", admin, format="xlsx", lang="it")
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames[0] == "dictionary"
