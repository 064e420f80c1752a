"""Parts of a page rendered once per key in each process, with the request's CSRF field put in.

A page whose content depends only on what the database held at one data version (and the
interface language) renders the same HTML for every request at that version, but for the
CSRF field of its forms, which belongs to the request. The part is rendered once with a mark
where that field goes, kept under a key that holds the data version (so a write is never
shown an older rendering), and each request gets the kept HTML with its own field put in.
"""

from __future__ import annotations

import secrets
from collections.abc import Hashable
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from civicfutures.i18n import current_locale
from civicfutures.recent import Recent

# Where the CSRF field goes: drawn per process, so no text of a story can hold it.
_CSRF_MARK = f"<!--csrf-{secrets.token_hex(16)}-->"
# Renderings kept per process: a story page's part is about 15 kB of HTML.
CAPACITY = 256


class KeptFragments:
    """Renders a fragment template, keeping the renderings of the most recently used keys."""

    def __init__(self, environment: Environment, capacity: int = CAPACITY) -> None:
        self.environment = environment
        self._kept: Recent[Hashable, str] = Recent(capacity)

    def __call__(
        self, name: str, key: Hashable | None, csrf_input: str, context: dict[str, Any]
    ) -> Markup:
        """The fragment `name` rendered with `context`; kept under `key` unless it is None."""
        template = self.environment.get_template(name)
        if key is None:
            return Markup(template.render(context, csrf_input=csrf_input))
        full_key = (name, current_locale(), key)
        kept = self._kept.get(full_key)
        if kept is None:
            kept = template.render(context, csrf_input=Markup(_CSRF_MARK))
            self._kept.put(full_key, kept)
        return Markup(kept.replace(_CSRF_MARK, str(csrf_input)))

    def __len__(self) -> int:
        return len(self._kept)
