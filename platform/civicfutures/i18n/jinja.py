"""The one Jinja environment of the pages: gettext installed once, CLDR filters, no per-request state.

`_`, `gettext`, `ngettext`, `pgettext` and `npgettext` are installed with `newstyle=True` and read the locale from the
request's ContextVar, so the shared environment is never re-installed per request (that races
under async). Templates format placeholders as `%(name)s`; a literal percent sign is `%%`.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from civicfutures.i18n import formatting
from civicfutures.i18n.languages import autonym, text_direction
from civicfutures.i18n.runtime import (
    catalog_language,
    current_locale,
    gettext,
    ngettext,
    npgettext,
    pgettext,
)


def isolate(text: object) -> Markup:
    """A name from the data inside a translated sentence, isolated for bidirectional text
    (a Latin project name in an Arabic heading keeps its own direction)."""
    return Markup("<bdi>%s</bdi>") % escape(str(text))


def moment(value: object, style: str = "medium", country: str | None = None) -> Markup:
    """A `<time>` element: the moment in the reader's locale and the zone named, with its
    machine-readable value (screen readers, and text that is data, not a message)."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="%s">%s</time>') % (
        formatting.iso_moment(value, country),  # type: ignore[arg-type]
        formatting.format_datetime(value, style, country=country),  # type: ignore[arg-type]
    )


def quotation(text: object, language: str | None = None) -> Markup:
    """A quotation in the reader's quotation marks, its own language and direction isolated
    inside them (a Polish quote in an Arabic briefing reads left to right between Arabic marks)."""
    start, end = formatting.quotation_marks()
    if not language:
        return Markup("%s<bdi>%s</bdi>%s") % (start, text, end)
    return Markup('%s<bdi lang="%s" dir="%s">%s</bdi>%s') % (
        start, language, text_direction(language), text, end
    )  # fmt: skip


def make_environment() -> Environment:
    """The environment for `platform/civicfutures/templates/` (found inside the package)."""
    environment = Environment(
        loader=PackageLoader("civicfutures", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship inside the package and change only with it (and a restart): each is
        # compiled once and kept, without a look at its file's date on every render (Jinja's
        # default stats the page, its layout and its macros for every response).
        auto_reload=False,
    )
    environment.install_gettext_callables(
        gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext
    )  # type: ignore[attr-defined]
    environment.filters.update(
        date=formatting.format_date,
        datetime=moment,
        number=formatting.format_number,
        percent=formatting.format_percent,
        language_name=formatting.language_name,
        country_name=formatting.country_name,
        autonym=autonym,
        bdi=isolate,
        quote=quotation,
        join_list=formatting.format_list,
    )
    # `interface_language`: the catalog a page's own text comes from (Estonian on a Võro page),
    # which is what the page's `lang` must say.
    environment.globals.update(
        current_locale=current_locale,
        text_direction=text_direction,
        interface_language=catalog_language,
    )
    return environment
