"""What an export request asks for, checked once before any data is read."""

from __future__ import annotations

from dataclasses import dataclass

from civicfutures.errors import FieldError, InvalidInput, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_list
from civicfutures.intake.validation import Checker


@dataclass(frozen=True)
class ExportRequest:
    """One export: `kind` and `format` pick the writer; `lang` the labels; `sites` the scope."""

    kind: str
    project: str
    lang: str | None = None
    sites: tuple[str, ...] = ()
    format: str | None = None
    include_codes: bool = False
    """Add storytellers' pseudonymous codes; honoured only for roles allowed to see them."""


def parse_sites(values: list[str] | tuple[str, ...] | str | None) -> tuple[str, ...]:
    """Site slugs from repeated or comma-separated parameters, in order, without repeats."""
    if values is None:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    slugs: list[str] = []
    for item in items:
        for slug in item.split(","):
            slug = slug.strip()
            if slug and slug not in slugs:
                slugs.append(slug)
    return tuple(slugs)


def validate(request: ExportRequest, formats: dict[str, tuple[str, ...]]) -> ExportRequest:
    """The request with its default format filled in; NotFound for an unknown kind."""
    if request.kind not in formats:
        raise NotFound(
            _("No such export."),
            [FieldError("kind", _("No export “{kind}”.").format(kind=request.kind))],
        )
    allowed = formats[request.kind]
    chosen = (request.format or allowed[0]).lower()
    errors: list[FieldError] = []
    if chosen not in allowed:
        errors.append(
            FieldError(
                "format",
                _("Choose one of: {choices}.").format(choices=format_list(allowed, "or")),
            )
        )
    if not request.project:
        errors.append(FieldError("project", _("A project is required.")))
    checker = Checker()
    lang = checker.language("lang", request.lang) if request.lang else None
    errors.extend(checker.errors)
    if errors:
        raise InvalidInput(_("The export request is not valid."), errors)
    return ExportRequest(
        kind=request.kind,
        project=request.project,
        lang=lang,
        sites=request.sites,
        format=chosen,
        include_codes=request.include_codes,
    )


def download_name(project: str, lang: str, kind: str, extension: str) -> str:
    """A download's file name: `<project>-<lang>-<kind>.<extension>`."""
    return f"{project}-{lang}-{kind}.{extension}"
