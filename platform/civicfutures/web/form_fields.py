"""The fields of a form page, rendered once per (definition, values, language) in each process.

A story form is a few hundred inputs (the codebook, languages, storytellers): rendering them
was most of a form page's time once its definition was kept (`forms/definitions.py`). The fields
depend on the definition, the values shown, the links beside empty choices and the interface
language, and on nothing of the request (the CSRF token, the path and the navigation are
rendered around them), so a blank form is rendered once and its HTML kept. The key is a
digest of all of those, the definition's own bytes included: a definition that changed (a
new theme) is never shown an older rendering, without any version to compare. A form shown
again with errors is rendered afresh: what was typed is seldom asked twice.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from jinja2 import Environment
from markupsafe import Markup

from civicfutures.i18n import current_locale
from civicfutures.recent import Recent

FRAGMENT = "pages/_form_fields.html"
# Renderings kept per process: a story form's fields are about 15 kB of HTML.
CAPACITY = 256


class FormFields:
    """Renders a form's sections, keeping the most recently used blank renderings."""

    def __init__(self, environment: Environment, capacity: int = CAPACITY) -> None:
        self.environment = environment
        self._kept: Recent[bytes, Markup] = Recent(capacity)

    def __call__(
        self,
        form: Any,
        values: dict[str, Any],
        field_errors: dict[str, list[str]],
        add_links: dict[str, str],
    ) -> Markup:
        if field_errors:
            return self._render(form, values, field_errors, add_links)
        key = hashlib.blake2b(
            b"\0".join(
                (
                    current_locale().encode(),
                    msgspec.json.encode(form),
                    msgspec.json.encode(values, order="sorted"),
                    msgspec.json.encode(add_links, order="sorted"),
                )
            ),
            digest_size=16,
        ).digest()
        kept = self._kept.get(key)
        if kept is not None:
            return kept
        rendered = self._render(form, values, field_errors, add_links)
        self._kept.put(key, rendered)
        return rendered

    def _render(
        self,
        form: Any,
        values: dict[str, Any],
        field_errors: dict[str, list[str]],
        add_links: dict[str, str],
    ) -> Markup:
        template = self.environment.get_template(FRAGMENT)
        return Markup(
            template.render(
                form=form, values=values, field_errors=field_errors, add_links=add_links
            )
        )

    def __len__(self) -> int:
        return len(self._kept)
