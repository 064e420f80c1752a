"""A blank form's fields rendered once and kept; other values, another definition or errors are
rendered afresh."""

import msgspec

from civicfutures.auth.actor import SYSTEM
from civicfutures.forms.definitions import Choice, FormDefinition, FormService
from civicfutures.web.form_fields import FormFields
from civicfutures.web.templating import make_page_environment


def blank(form) -> dict:
    return {f.name: f.default or ([] if f.type == "checkboxes" else "") for f in form.fields()}


async def test_a_blank_form_is_rendered_once_and_a_changed_one_again(client, world):
    fields = FormFields(make_page_environment())
    form = await FormService().definition(SYSTEM, "story", site="gdansk", language="en")
    values = blank(form)
    first = fields(form, values, {}, {})
    assert 'name="codings" value="youth_voice"' in first
    assert fields(form, dict(values), {}, {}) is first
    assert len(fields) == 1

    chosen = fields(form, {**values, "codings": ["youth_voice"]}, {}, {})
    assert chosen is not first and chosen != first

    # A definition that differs in anything (here one more theme) is never shown the old one.
    changed = msgspec.json.decode(msgspec.json.encode(form), type=FormDefinition)
    changed.field("codings").choices.append(
        Choice(value="night_buses", label="Night buses", group="challenge")
    )
    assert 'value="night_buses"' in fields(changed, values, {}, {})

    errors = {"body": ["This field is required."]}
    with_errors = fields(form, values, errors, {})
    assert "This field is required." in with_errors
    assert len(fields) == 3  # what was rendered with errors is not kept
