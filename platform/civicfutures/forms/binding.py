"""From a submitted HTML form to the API's input struct, with every problem named by field.

The form's own checks (required, numbers, dates, lengths, choices) come from the same
definition the page was rendered from; what passes them is converted to the JSON API's
struct and handed to the same service the API calls, whose errors are attached to fields too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec
import msgspec.inspect as mi

from civicfutures.errors import FieldError
from civicfutures.forms.definitions import FieldDef, FormDefinition, schema_path, unwrap_optional
from civicfutures.i18n import gettext as _
from civicfutures.i18n import ngettext

T = TypeVar("T", bound=msgspec.Struct)
Value = str | list[str]
_SLOT = re.compile(r"^(?P<group>[a-z_]+\.\d+)\.(?P<name>[a-z_]+)$")
_AT_PATH = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")


@dataclass
class Submission:
    """What was typed (to show again), what is wrong, and the payload for the API struct."""

    values: dict[str, Value]
    errors: list[FieldError] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def _collect(pairs: Iterable[tuple[str, Any]]) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    for name, value in pairs:
        if isinstance(value, str):
            raw.setdefault(name, []).append(value)
    return raw


def _typed(definition: FieldDef, raw: list[str]) -> Value:
    if definition.type == "checkboxes":
        return [v for v in raw if v]
    value = raw[0] if raw else ""
    if definition.type == "textarea":
        # Browsers send CRLF line breaks from text areas; store plain LF.
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


def _check(definition: FieldDef, value: Value, required: bool) -> str | None:
    """The first problem with one field's value, localized, or None."""
    limits = definition.constraints
    if isinstance(value, list):
        if required and not value:
            return _("Choose at least one.")
        allowed = {c.value for c in definition.choices}
        if definition.choices and any(v not in allowed for v in value):
            return _("Choose from the options given.")
        return None
    if not value.strip():
        return _("This field is required.") if required else None
    if (
        definition.type in ("select", "radio")
        and definition.choices
        and value not in {c.value for c in definition.choices}
    ):
        return _("Choose from the options given.")
    if definition.type == "number":
        try:
            number = int(value)
        except ValueError:
            return _("Enter a whole number, e.g. 2050.")
        if limits.minimum is not None and number < limits.minimum:
            return _("Must be at least {n}.").format(n=limits.minimum)
        if limits.maximum is not None and number > limits.maximum:
            return _("Must be at most {n}.").format(n=limits.maximum)
    if definition.type == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return _("Enter a date as year-month-day, e.g. 2025-03-15.")
    if limits.max_length is not None and len(value) > limits.max_length:
        return ngettext(
            "Use at most {n} character.", "Use at most {n} characters.", limits.max_length
        ).format(n=limits.max_length)
    if limits.pattern and not re.search(limits.pattern, value):
        return _(
            "Use letters, digits, dots, hyphens and underscores only, starting with a letter or digit."
        )
    return None


def _set_path(payload: dict[str, Any], path: str, value: Any) -> None:
    """`translations.0.body` → payload["translations"][0]["body"]."""
    parts = path.split(".")
    target: Any = payload
    for index, part in enumerate(parts[:-1]):
        following = parts[index + 1]
        if part.isdigit():
            position = int(part)
            while len(target) <= position:
                target.append({})
            target = target[position]
        else:
            target = target.setdefault(part, [] if following.isdigit() else {})
    target[parts[-1]] = value


def read_form(
    form: FormDefinition, pairs: Iterable[tuple[str, Any]], struct: type[msgspec.Struct]
) -> Submission:
    """Check a submitted form against its definition and build the API payload.

    Optional repeated groups (`translations.0.*`) count only when some text was typed in them;
    then their own required fields are required.
    """
    raw = _collect(pairs)
    fields = form.fields()
    values = {f.name: _typed(f, raw.get(f.name, [])) for f in fields}
    filled_groups = {
        match.group("group")
        for f in fields
        if (match := _SLOT.match(f.name))
        and f.type in ("text", "textarea")
        and str(values[f.name]).strip()
    }
    submission = Submission(values=values)
    for definition in fields:
        value = values[definition.name]
        slot = _SLOT.match(definition.name)
        if slot and slot.group("group") not in filled_groups:
            continue
        required = definition.required
        if slot:
            required = schema_path(struct, definition.name)[0].required
        problem = _check(definition, value, required)
        if problem:
            submission.errors.append(FieldError(definition.name, problem))
            continue
        if not required and (value == [] or (isinstance(value, str) and not value.strip())):
            continue
        if definition.type == "date" and isinstance(
            unwrap_optional(schema_path(struct, definition.name)[1]), mi.DateTimeType
        ):
            value = f"{value}T00:00:00+00:00"  # a signed paper form has a date, not a time
        _set_path(submission.payload, definition.name, value)
    return submission


def convert(submission: Submission, struct: type[T]) -> T | None:
    """The payload as the API struct (numbers from text), or None with the problem recorded."""
    try:
        return msgspec.convert(submission.payload, struct, strict=False)
    except msgspec.ValidationError as error:
        match = _AT_PATH.search(str(error))
        path = match.group("path").replace("[", ".").replace("]", "") if match else "form"
        submission.errors.append(FieldError(path or "form", _("This value is not accepted here.")))
        return None


def place_errors(
    errors: Iterable[FieldError], field_names: Iterable[str]
) -> tuple[dict[str, list[str]], list[FieldError]]:
    """Each error under the form field it belongs to (`storytellers.1` → `storytellers`,
    `codings.0.theme` → `codings`); errors of no field (e.g. `If-Match`) stay general."""
    names = set(field_names)
    by_field: dict[str, list[str]] = {}
    general: list[FieldError] = []
    for error in errors:
        parts = error.field.split(".")
        target = next(
            (".".join(parts[:n]) for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in names),
            None,
        )
        if target is None:
            general.append(error)
        else:
            by_field.setdefault(target, []).append(error.message)
    return by_field, general
