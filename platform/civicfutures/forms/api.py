"""`GET /api/v1/forms/{form}`: the localized form definition the HTML pages render from."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery

from civicfutures.errors import FieldError, InvalidInput
from civicfutures.forms.definitions import FormDefinition, FormName, FormService
from civicfutures.i18n import gettext as _
from civicfutures.intake.validation import canonical_language
from civicfutures.web.auth import current_actor, readers


class FormController(Controller):
    path = "/api/v1/forms"
    tags = ["forms"]

    @get(
        "/{form:str}",
        guards=[readers],
        summary="A form's localized definition",
        description=(
            "Fields, types, labels, help, choices (codebook themes with labels in `lang`, falling back "
            "along the language chain, e.g. vro → et → the site's language → the project's default → en) "
            "and constraints. With `site`, workshop and storyteller choices are filled in."
        ),
    )
    async def form_definition(
        self,
        request: Request,
        form: FromPath[FormName],
        project: FromQuery[str | None] = None,
        site: FromQuery[str | None] = None,
        lang: FromQuery[str | None] = None,
    ) -> FormDefinition:
        language = None
        if lang:
            language = canonical_language(lang)
            if language is None:
                raise InvalidInput(
                    _("The request has invalid fields."),
                    [
                        FieldError(
                            "lang",
                            _(
                                "“{value}” is not a valid language tag (BCP 47), e.g. pl, et, vro."
                            ).format(value=lang),
                        )
                    ],
                )
        return await FormService().definition(current_actor(request), form, project, site, language)
