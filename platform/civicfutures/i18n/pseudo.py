"""The pseudo-locale `en-XA`: English made accented, longer and bracketed.

A page rendered with it shows at a glance which text came through the catalogs (`［Šáṽé ţĥé
šţóŕý ~~~］`) and which did not (plain `Save`), and whether a layout survives text about a third
longer than English, as German or Polish often is. Placeholders, HTML tags and entities are kept
as they are, so every message still formats.
"""

from __future__ import annotations

import math
import re

from babel.messages.catalog import Catalog

PSEUDO_LOCALE = "en-XA"
OPEN, CLOSE = "［", "］"
# Each ASCII letter and a lookalike with a diacritic (still readable, never ASCII).
_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçďéƒĝĥíĵķĺɱñóþǫŕšţúṽŵẋýžÁßÇĎÉƑĜĤÍĴĶĹṀÑÓÞǪŔŠŢÚṼŴẊÝŽ",
)
# What must reach the formatter or the browser unchanged: `%(name)s`, `%%`, `{name}`, tags and
# entities.
_KEPT = re.compile(r"%\([^)]*\)[a-z]|%%|%[sd]|\{[^{}]*\}|<[^>]*>|&#?\w+;")
_LENGTHENING = 0.3


def pseudo_localize(text: str) -> str:
    """`Save the story` → `［Šáṽé ţĥé šţóŕý ~~~］`; `Stories of %(site)s` keeps `%(site)s`."""
    if not text:
        return text
    parts: list[str] = []
    position = 0
    for kept in _KEPT.finditer(text):
        parts.append(text[position : kept.start()].translate(_ACCENTED))
        parts.append(kept.group())
        position = kept.end()
    parts.append(text[position:].translate(_ACCENTED))
    padding = "~" * math.ceil(len(text) * _LENGTHENING)
    return f"{OPEN}{''.join(parts)} {padding}{CLOSE}"


def pseudo_catalog(template: Catalog) -> Catalog:
    """A catalog of the template's messages pseudo-localized, with English plural rules."""
    catalog = Catalog(locale="en", project=template.project, version=template.version)
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            string: str | tuple[str, ...] = tuple(pseudo_localize(form) for form in message.id)
        else:
            string = pseudo_localize(message.id)
        catalog.add(message.id, string, context=message.context, flags=message.flags)
    return catalog
