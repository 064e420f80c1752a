"""SPSS and Stata files read back with pyreadstat: labels in Polish and Italian, exactly."""

from __future__ import annotations

import pyreadstat
import pytest

from civicfutures.exports.naming import ascii_name, cut_bytes, variable_label, variable_names

READERS = {"sav": pyreadstat.read_sav, "dta": pyreadstat.read_dta}


@pytest.mark.parametrize("kind", ["sav", "dta"])
@pytest.mark.parametrize(
    ("lang", "theme_label", "value_label", "site_label"),
    [
        ("pl", "Brak zaangażowania młodzieży", "Wolę nie podawać", "Gdańsk"),
        ("it", "Disimpegno dei giovani", "Preferisco non rispondere", "Reggio Emilia"),
    ],
)
async def test_labels_come_back_exactly(
    demo, token_for, download, kind, lang, theme_label, value_label, site_label
):
    response, path = await download(kind, await token_for("researcher"), lang=lang)
    assert response.status_code == 200, response.text
    frame, meta = READERS[kind](str(path), output_format="polars")
    assert frame.height == 39
    labels = meta.column_names_to_labels
    assert labels["t_youth_disengagement"] == theme_label
    assert value_label in meta.variable_value_labels["gender"].values()
    for attribute in demo["project"]["demographics"]:
        expected = {c["labels"][lang] for c in attribute["choices"]}
        assert expected <= set(meta.variable_value_labels[attribute["name"]].values())
        assert labels[attribute["name"]] == attribute["labels"][lang]
    themes = {f"t_{t['key']}"[:28]: t["labels"][lang] for t in demo["themes"]}
    assert {name: labels[name] for name in themes} == themes
    assert site_label in meta.variable_value_labels["site"].values()
    assert set(meta.variable_value_labels["story_kind"]) == {1, 2}
    assert "storyteller_codes" not in frame.columns
    # Long theme keys are cut to names both programs accept.
    assert "t_participatory_budgeting_e" in frame.columns or any(
        c.startswith("t_participatory") and len(c) <= 28 for c in frame.columns
    )
    assert frame["t_youth_disengagement"].sum() >= 1


def test_names_follow_spss_and_stata_rules():
    names = variable_names(["Łódź wiek", "łódź_wiek", "1st", "with", "_x", "a" * 40])
    assert names["Łódź wiek"] == "Lodz_wiek"
    assert names["łódź_wiek"] == "lodz_wiek_2"
    assert names["1st"] == "v1st"
    assert names["with"] == "with_"
    assert names["_x"] == "x"
    assert len(names["a" * 40]) == 28
    assert ascii_name("Città di Reggio nell’Emilia") == "Citta_di_Reggio_nell_Emilia"


def test_labels_are_cut_on_character_boundaries():
    polish = "Żółć " * 40
    assert len(variable_label(polish, "dta")) == 80
    cut = cut_bytes(polish, 120)
    assert len(cut.encode("utf-8")) <= 120 and cut.endswith("…")


async def test_spss_measure_levels_and_formats_follow_the_dictionary(demo, token_for, download):
    response, path = await download("sav", await token_for("researcher"), lang="en")
    assert response.status_code == 200, response.text
    _frame, meta = pyreadstat.read_sav(str(path), metadataonly=True, output_format="polars")
    measure, formats = meta.variable_measure, meta.original_variable_types
    assert "unknown" not in set(measure.values())
    # Codes are nominal, age bands (ordered in the project's dictionary) ordinal, counts scale.
    assert {name: measure[name] for name in ("story_id", "site", "status", "gender")} == {
        "story_id": "nominal",
        "site": "nominal",
        "status": "nominal",
        "gender": "nominal",
    }
    assert measure["age_band"] == "ordinal"
    assert (measure["n_storytellers"], measure["horizon_year"]) == ("scale", "scale")
    assert measure["t_youth_disengagement"] == "nominal"
    assert (formats["story_id"], formats["workshop_id"]) == ("F10.0", "F10.0")
    assert (formats["n_storytellers"], formats["horizon_year"]) == ("F4.0", "F4.0")
    assert formats["t_youth_disengagement"] == "F1.0"
    assert formats["site"] == "F1.0" and formats["age_band"] == "F2.0"
    assert formats["country"].startswith("A")


async def test_stata_shows_whole_numbers_without_decimals(demo, token_for, download):
    response, path = await download("dta", await token_for("researcher"), lang="en")
    assert response.status_code == 200, response.text
    frame, meta = pyreadstat.read_dta(str(path), output_format="polars")
    formats = meta.original_variable_types
    assert (formats["story_id"], formats["workshop_id"]) == ("%10.0f", "%10.0f")
    assert formats["n_storytellers"] == "%4.0f"
    assert formats["t_youth_disengagement"] == "%1.0f"
    assert frame["story_id"].min() >= 1
