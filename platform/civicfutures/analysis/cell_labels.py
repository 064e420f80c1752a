"""The explorer's cells in the reader's words: the analyses write codes (`few`, `cohen_kappa`,
`near_duplicate`, `true`) that downloads keep as they are and pages name in the page's language."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_number, language_name

_LANGUAGE_PAIR = re.compile(r"^(?P<declared>[\w-]+) → (?P<detected>[\w-]+)$")
_OTHER_STORY = re.compile(r"^story (?P<id>\d+)$")


def reason_label(code: str) -> str:
    labels = {
        # Translators: k is the disclosure threshold, written as the letter k on every page.
        "few": _("Fewer than k stories"),
        "few_storytellers": _("Fewer than k storytellers"),
        "protects": _("Hidden so that a small cell cannot be worked out"),
    }
    return labels.get(code, code)


def method_label(code: str) -> str:
    labels = {
        "cohen_kappa": _("Cohen's kappa"),
        "krippendorff_alpha": _("Krippendorff's alpha"),
        "chi_square": _("Chi-square test"),
        "fisher_exact": _("Fisher's exact test"),
        "permutation": _("Permutation test"),
        "none": _("No test"),
    }
    return labels.get(code, code)


def via_label(code: str) -> str:
    labels = {"storyteller": _("The same storyteller"), "workshop": _("The same workshop")}
    return labels.get(code, code)


def check_label(code: str) -> str:
    labels = {
        "uncoded": _("No theme coded"),
        "missing_translation": _("No translation"),
        "language_mismatch": _("Written in another language than declared"),
        "near_duplicate": _("Nearly the same as another story"),
        "draft": _("Draft, left out of the analyses"),
        "missing_consent": _("Left out for lack of consent"),
    }
    return labels.get(code, code)


def detail_label(check: str | None, detail: str) -> str:
    """A quality finding's detail: languages by name, the other story by its number."""
    if check == "missing_translation":
        return language_name(detail)
    pair = _LANGUAGE_PAIR.match(detail)
    if check == "language_mismatch" and pair:
        # Translators: a quality check's finding; both placeholders are language names.
        return _("declared {declared}, detected {detected}").format(
            declared=language_name(pair["declared"]), detected=language_name(pair["detected"])
        )
    other = _OTHER_STORY.match(detail)
    if check == "near_duplicate" and other:
        return _("story {id}").format(id=other["id"])
    if check == "missing_consent":
        return {"stories": _("stories"), "storytellers": _("storytellers")}.get(detail, detail)
    return detail


def shown(column: str, value: Any, row: Mapping[str, Any]) -> str:
    """A cell's text on the page (numbers are formatted by the template)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int) and not column.endswith("id"):
        return format_number(value)
    text = str(value)
    if column in ("suppressed_reason", "total_suppressed_reason"):
        return reason_label(text)
    if column in ("method", "test"):
        return method_label(text)
    if column == "via":
        return via_label(text)
    if column == "check":
        return check_label(text)
    if column == "detail":
        return detail_label(row.get("check"), text)
    return text
