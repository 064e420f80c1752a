"""Texts and helpers of the curation tests: stories in Polish, Estonian and Arabic, offsets."""

from __future__ import annotations

import unicodedata

PL_BODY = (
    "Żółta ławka stoi przy szkole. Młodzież chce mówić głośno o mieście, "
    "ale nikt nie słucha. Źle się z tym czuję."
)
ET_BODY = (
    "Võru noored ütlesid, et nende hääl jääb kuulmata. "
    "Õhtuti käime külaplatsil ja räägime tulevikust."
)
# Arabic with harakat (shadda, kasra, damma, sukun, fatha): combining marks after letters.
AR_BODY = "نريد أن نتعلم الدِّيمُقْرَاطِيَّة في المدرسة، وأن يسمعنا المجلس البلدي."

OUTCOMES = [
    {
        "key": "inclusion",
        "labels": {"en": "More inclusive participation", "pl": "Bardziej inkluzywne uczestnictwo"},
    },
    {
        "key": "youth_heard",
        "parent": "inclusion",
        "labels": {"en": "Young people are heard", "et": "Noori kuulatakse"},
    },
    {"key": "trust", "labels": {"en": "Stronger trust"}},
]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def span(body: str, excerpt: str) -> tuple[int, int]:
    """Offsets of an excerpt in the NFC body, as a client computes them."""
    body, excerpt = nfc(body), nfc(excerpt)
    start = body.index(excerpt)
    return start, start + len(excerpt)


def evidence(story: dict, excerpt: str, **extra) -> dict:
    start, end = span(story["body"], excerpt)
    return {"story": story["id"], "start": start, "end": end, **extra}
