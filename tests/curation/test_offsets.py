"""Excerpt offsets cut exactly the intended characters in Polish, Estonian and Arabic text."""

import pytest

from civicfutures.curation.offsets import grapheme_boundaries, locate, occurrences
from curation.stories import AR_BODY, nfc, span
from curation.stories import evidence as cite


def test_boundaries_keep_letters_with_their_marks():
    word = nfc("الدِّيمُقْرَاطِيَّة")
    bounds = grapheme_boundaries(word)
    # ال + دِّ: the dal carries kasra and shadda; no cut between them.
    assert 2 in bounds and 3 not in bounds and 4 not in bounds and 5 in bounds
    family = "a👩‍👩‍👧b"
    assert sorted(grapheme_boundaries(family)) == [0, 1, len(family) - 1, len(family)]


def test_locate_finds_the_nth_whole_occurrence():
    body = nfc("Tam i tam, ale nie tu.")
    assert locate(body, "tam", 1) == (6, 9)
    assert locate(body, "tam", 2) is None
    # A bare letter is not found inside a letter with its mark.
    assert occurrences(nfc("دِّ د"), "د") == [4]


@pytest.mark.parametrize(
    ("story", "excerpt"),
    [
        ("pl", "Młodzież chce mówić głośno o mieście"),
        ("pl", "Żółta ławka"),
        ("et", "nende hääl jääb kuulmata"),
        ("et", "Õhtuti käime külaplatsil"),
        ("ar", "الدِّيمُقْرَاطِيَّة"),
        ("ar", "يسمعنا المجلس البلدي."),
    ],
)
async def test_evidence_cuts_exactly_the_chosen_words(
    client, admin, curated, insight_body, story, excerpt
):
    site = "voru" if story == "et" else "gdansk"
    body = insight_body(site=site, evidence=[cite(curated[story], excerpt, quotable=True)])
    response = await client.post("/api/v1/insights", json=body, headers=admin)
    assert response.status_code == 201, response.text
    [item] = response.json()["evidence"]
    assert item["excerpt"] == nfc(excerpt)
    stored = (await client.get(f"/api/v1/stories/{item['story']}", headers=admin)).json()["body"]
    assert stored[item["start"] : item["end"]] == nfc(excerpt)
    quotes = (await client.get("/api/v1/quotes?project=futures", headers=admin)).json()
    assert [q["text"] for q in quotes] == [nfc(excerpt)]


async def test_decomposed_input_counts_offsets_in_the_composed_text(
    client, admin, curated, insight_body
):
    stored = curated["pl"]["body"]
    assert stored == nfc(stored) and "Ż" in stored
    start, end = span(stored, "Żółta")
    assert (start, end) == (0, 5)  # five letters, although "Żółta" decomposed has eight code points
    body = insight_body(evidence=[{"story": curated["pl"]["id"], "start": 0, "end": 5}])
    response = await client.post("/api/v1/insights", json=body, headers=admin)
    assert response.json()["evidence"][0]["excerpt"] == "Żółta"


async def test_offsets_inside_a_letter_and_its_marks_are_refused(
    client, admin, curated, insight_body
):
    start, end = span(AR_BODY, "الدِّيمُقْرَاطِيَّة")
    inside = start + 3  # after the dal, before its kasra and shadda
    body = insight_body(evidence=[{"story": curated["ar"]["id"], "start": inside, "end": end}])
    response = await client.post("/api/v1/insights", json=body, headers=admin)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "evidence.0.start"
    assert "دِّ" in error["message"]

    split_end = start + nfc("الدِّيمُقْرَاطِيَّة").rindex("ي") + 1  # between a yeh and its marks
    body = insight_body(evidence=[{"story": curated["ar"]["id"], "start": start, "end": split_end}])
    response = await client.post("/api/v1/insights", json=body, headers=admin)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["evidence.0.end"]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(5, 5, "evidence.0.end"), (9, 3, "evidence.0.end"), (0, 10_000, "evidence.0.end")],
)
async def test_impossible_spans_name_their_field(
    client, admin, curated, insight_body, start, end, field
):
    body = insight_body(evidence=[{"story": curated["pl"]["id"], "start": start, "end": end}])
    response = await client.post("/api/v1/insights", json=body, headers=admin)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_evidence_form_asks_which_occurrence():
    from civicfutures.curation.forms import evidence_from_form

    values = {
        "excerpt": "tam",
        "occurrence": "2",
        "quotable": [],
        "translation_language": "",
        "translation": "",
    }
    item, errors = evidence_from_form(7, "Tam i tam, i tam.", values)
    assert (item.start, item.end, errors) == (13, 16, [])
    item, errors = evidence_from_form(7, "Tam i tam, i tam.", {**values, "occurrence": "3"})
    assert item is None and errors[0].field == "occurrence" and "2 times" in errors[0].message
    item, errors = evidence_from_form(
        7, "Tam i tam.", {**values, "occurrence": "1", "translation": "there"}
    )
    assert item is None and errors[0].field == "translation_language"
