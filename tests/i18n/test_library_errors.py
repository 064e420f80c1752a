"""The libraries' English error texts become our localized messages, whatever the input."""

from __future__ import annotations

import csv
import io
from typing import Annotated

import msgspec
import pytest

from civicfutures.i18n import gettext, use_locale
from civicfutures.i18n.library_errors import csv_message, json_message, msgspec_message


class Teller(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(max_length=5)]
    age: int | None = None
    scopes: list[str] = []
    born: msgspec.UnsetType | None = None


def library_error(payload: object) -> str:
    with pytest.raises(msgspec.ValidationError) as raised:
        msgspec.convert(payload, Teller)
    return str(raised.value)


@pytest.mark.parametrize(
    ("payload", "path", "english"),
    [
        ({"code": "ABCDEFG"}, "code", "Too long: at most {n}."),
        ({"code": "A", "age": "old"}, "age", "Enter a whole number."),
        ({"code": "A", "scopes": "research"}, "scopes", "Enter a list."),
        ({"code": 7}, "code", "Enter text."),
        ({}, "code", "This field is required."),
        ({"code": "A", "shoe": 44}, "shoe", "Unknown field."),
    ],
)
@pytest.mark.parametrize("language", ["pl", "ar"])
def test_msgspec_texts_are_ours_and_name_the_field(payload, path, english, language):
    raw = library_error(payload)
    with use_locale(language):
        found_path, text = msgspec_message(raw)
        expected = gettext(english).format(n=5)
    assert found_path == path
    assert text == expected and text != english.format(n=5)
    assert "Expected" not in text and "`" not in text


def test_an_unknown_library_text_never_reaches_the_reader():
    with use_locale("uk"):
        path, text = msgspec_message("Something new happened - at `$.story.title`")
        assert text == gettext("This value is not accepted here.")
    assert path == "story.title"
    assert "Something" not in text


def test_json_and_csv_errors_in_the_readers_words():
    with pytest.raises(msgspec.DecodeError) as raised:
        msgspec.json.decode(b'{"title": tak}')
    with use_locale("pl"):
        assert json_message(str(raised.value)) == gettext(
            "The JSON text is malformed at byte {n}."
        ).format(n=14)
    reader = csv.reader(io.StringIO('a,"b"c\n'), strict=True)
    with pytest.raises(csv.Error) as quoting:
        list(reader)
    with use_locale("et"):
        shown = csv_message(str(quoting.value), 3)
        assert shown == gettext(
            "Row {row} cannot be read as CSV: check the quotation marks in it."
        ).format(row=3)
    assert "expected after" not in shown
