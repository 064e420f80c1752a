"""Codebook labels along the fallback chain: tag → language → macrolanguage → en → site → project → key."""

import pytest

from civicfutures.i18n.labels import LabelContext, fallback_chain, pick

LABELS = {
    "en": "Young people unheard",
    "pl": "Niesłyszalny głos młodych",
    "et": "Noorte hääl jääb kuulmata",
}


@pytest.mark.parametrize(
    ("tag", "site", "default", "chain"),
    [
        ("pl-PL", ["pl", "uk"], "en", ["pl-PL", "pl", "en", "uk"]),
        ("vro", ["et", "vro"], "en", ["vro", "et", "en"]),
        ("uk", ["it"], "it", ["uk", "en", "it"]),
        # An Arabic reader in Reggio Emilia reads English before Italian.
        ("ar", ["it", "ar", "en"], "en", ["ar", "en", "it"]),
        ("ar", [], None, ["ar", "en"]),
    ],
)
def test_chain(tag, site, default, chain):
    assert fallback_chain(tag, site, default) == chain


def test_labels_fall_back_and_say_where_from():
    assert LabelContext("pl-PL").label(LABELS).text == "Niesłyszalny głos młodych"
    voro = LabelContext("vro").label(LABELS)
    assert (voro.text, voro.language) == ("Noorte hääl jääb kuulmata", "et")
    # Ukrainian at an Italian site of an Italian project: no uk, no it, so English.
    assert LabelContext("uk", ("it",), "it").label(LABELS).language == "en"
    assert LabelContext("uk", ("pl",)).label(LABELS).language == "en"
    # The site's language still serves when there is no English either.
    assert LabelContext("uk", ("pl",)).label({"pl": "Temat"}).text == "Temat"
    assert LabelContext("ar").label({}, "youth_voice").text == "youth_voice"
    assert not LabelContext("ar").label({}, "youth_voice").found


def test_blank_labels_do_not_count_and_tags_match_any_case():
    assert pick({"pl": "  ", "en": "x"}, ["pl", "en"]).language == "en"
    assert pick({"PL": "Polski"}, ["pl"]).text == "Polski"
