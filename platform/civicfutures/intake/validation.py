"""Rules beyond types: BCP 47 tags, ISO countries, NFC text, and collecting every problem at once."""

from __future__ import annotations

import unicodedata
from typing import Any, TypeVar

import langcodes
import msgspec
import pycountry

from civicfutures.errors import FieldError, InvalidInput
from civicfutures.i18n import gettext as _

T = TypeVar("T")


def nfc(value: T) -> T:
    """The same structure with every string in Unicode NFC (composed) form.

    Text arrives decomposed from some keyboards and macOS clipboards ("Żółć" as Z + combining
    dot...); storing one form keeps search, offsets and deduplication honest. NUL characters
    are refused (no database stores them in text), naming each field that holds one.
    """
    problems: list[FieldError] = []
    result = _nfc(value, "", problems)
    if problems:
        raise InvalidInput(_("The request has invalid fields."), problems)
    return result


def _nfc(value: Any, path: str, problems: list[FieldError]) -> Any:
    def child(name: object) -> str:
        return f"{path}.{name}" if path else str(name)

    if isinstance(value, msgspec.Struct):
        changes = {
            name: _nfc(getattr(value, name), child(name), problems)
            for name in value.__struct_fields__
            if getattr(value, name) is not msgspec.UNSET
        }
        return msgspec.structs.replace(value, **changes)
    if isinstance(value, str):
        if "\x00" in value:
            problems.append(FieldError(path or "body", _("The text contains a NUL character.")))
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(item, child(index), problems) for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {
            _nfc(key, child(key), problems): _nfc(item, child(key), problems)
            for key, item in value.items()
        }
    return value


def canonical_language(tag: str) -> str | None:
    """The standard form of a valid BCP 47 tag (`PL` → `pl`, `pt_br` → `pt-BR`), else None."""
    candidate = tag.strip().replace("_", "-")
    if not candidate or not langcodes.tag_is_valid(candidate):
        return None
    language = langcodes.Language.get(candidate)
    if not language.is_valid():
        return None
    return langcodes.standardize_tag(candidate)


def canonical_country(code: str) -> str | None:
    """The ISO 3166-1 alpha-2 code in upper case, or None when no such country exists."""
    upper = code.strip().upper()
    if len(upper) != 2 or pycountry.countries.get(alpha_2=upper) is None:
        return None
    return upper


class Checker:
    """Collects field problems so a client learns all of them in one answer."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field=field, message=message))

    def language(self, field: str, tag: str) -> str:
        canonical = canonical_language(tag)
        if canonical is None:
            self.add(
                field,
                _("“{value}” is not a valid language tag (BCP 47), e.g. pl, et, vro.").format(
                    value=tag
                ),
            )
            return tag
        return canonical

    def country(self, field: str, code: str) -> str:
        canonical = canonical_country(code)
        if canonical is None:
            self.add(
                field,
                _("“{value}” is not an ISO 3166-1 alpha-2 country code, e.g. PL, EE, IT.").format(
                    value=code
                ),
            )
            return code
        return canonical

    def label_map(self, field: str, labels: dict[str, str]) -> dict[str, str]:
        """A `{tag: text}` map with canonical tags; empty texts are dropped."""
        result: dict[str, str] = {}
        for tag, text in labels.items():
            canonical = self.language(f"{field}.{tag}", tag)
            if text.strip():
                result[canonical] = text.strip()
        return result

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(_("The request has invalid fields."), self.errors)


def check_demographics(
    checker: Checker, field: str, values: dict[str, str], configured: list[dict[str, Any]]
) -> None:
    """Demographics must use the attributes and choices the project configured."""
    if not configured:
        return
    allowed = {item["name"]: {c["value"] for c in item.get("choices", [])} for item in configured}
    for name, value in values.items():
        if name not in allowed:
            checker.add(
                f"{field}.{name}", _("Unknown demographic attribute “{name}”.").format(name=name)
            )
        elif allowed[name] and value not in allowed[name]:
            checker.add(
                f"{field}.{name}",
                _("“{value}” is not one of the choices for this attribute.").format(value=value),
            )
