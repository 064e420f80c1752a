"""Stories in arbitrary Unicode: stored exactly as sent (in NFC) or refused with a clear 4xx."""

from __future__ import annotations

import unicodedata

import msgspec
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from builders import story_body
from civicfutures.errors import InvalidInput
from civicfutures.intake import schemas as s
from civicfutures.intake.story_service import decode_cursor, parse_if_match
from civicfutures.intake.validation import canonical_language, nfc

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Every code point but surrogates: controls, NUL, combining marks, RTL, emoji, private use.
any_text = st.text(max_size=120)
# Text that NFC makes longer (composition exclusions decompose) or shorter (composes).
reshaped = st.text(
    st.sampled_from("\u0958\u0959\u2adc\ufb1dZ\u0307\u0301e\u0301\u212b"), max_size=40
)
titles = any_text | reshaped | st.text(min_size=290, max_size=310)
bodies = st.text(min_size=1, max_size=400) | reshaped.filter(bool)
languages = st.sampled_from(
    ["pl", "PL", "et", "vro", "uk", "ar", "pt_br", "zh-Hant-TW", "x-klingon"]
) | st.text(max_size=40)


def stored_form(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@FUZZ
@given(title=titles, body=bodies, language=languages, translated=any_text, span=st.data())
@example(title="\u0958" * 300, body="x", language="pl", translated="", span=None)
@example(title="", body="a\x00b", language="pl", translated="", span=None)
async def test_any_story_text_is_stored_in_nfc_or_refused_with_field_errors(
    client, world, admin, title, body, language, translated, span
):
    start = end = None
    if span is not None:
        start = span.draw(st.integers(-2, len(body) + 2))
        end = span.draw(st.integers(-2, len(body) + 2))
    sent = story_body(
        world,
        title=title,
        body=body,
        language=language,
        translations=[{"language": "en", "title": translated, "body": translated or "x"}],
        codings=[{"theme": "youth_voice", "coder": "fuzz", "start": start, "end": end}],
    )
    answer = await client.post("/api/v1/stories", json=sent, headers=admin)
    assert answer.status_code in (201, 400, 422), answer.text
    if answer.status_code != 201:
        problem = answer.json()
        assert problem["errors"] and all(e["field"] and e["message"] for e in problem["errors"])
        return
    stored = (await client.get(f"/api/v1/stories/{answer.json()['id']}", headers=admin)).json()
    assert stored["title"] == stored_form(title)
    assert stored["body"] == stored_form(body)
    assert stored["language"] == canonical_language(language)
    assert stored["translations"][0]["title"] == stored_form(translated)
    coding = stored["codings"][0]
    if coding["start"] is not None:
        assert 0 <= coding["start"] < coding["end"] <= len(stored["body"])


@FUZZ
@given(raw=st.binary(max_size=300) | any_text.map(str.encode))
async def test_any_bytes_as_a_story_are_a_400_or_422(client, world, admin, raw):
    answer = await client.post(
        "/api/v1/stories", content=raw, headers={**admin, "Content-Type": "application/json"}
    )
    assert answer.status_code in (400, 422), answer.text


@settings(max_examples=300, deadline=None, database=None)
@given(data=st.recursive(
    any_text | st.integers() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
))  # fmt: skip
def test_the_story_decoder_and_nfc_accept_or_refuse_any_json(data):
    encoded = msgspec.json.encode(data)
    try:
        story = msgspec.json.decode(encoded, type=s.StoryIn)
    except msgspec.ValidationError:
        return
    try:
        normalized = nfc(story)
    except InvalidInput as refused:
        assert all(e.field for e in refused.errors)
        return
    assert unicodedata.is_normalized("NFC", normalized.body)


@settings(max_examples=300, deadline=None, database=None)
@given(text=any_text)
@example(text="²")  # a digit to str.isdigit(), not to int()
@example(text='W/"١٢"')
def test_small_parsers_never_fail_unexpectedly(text):
    tag = canonical_language(text)
    assert tag is None or (tag and tag == tag.strip())
    for parse in (decode_cursor, parse_if_match):
        try:
            value = parse(text)
        except InvalidInput:
            continue
        assert isinstance(value, int)
