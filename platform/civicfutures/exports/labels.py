"""Labels of coded values and of themes in one language, and in every language of a project.

Fixed vocabularies (story kind, workshop kind, status, theme kind) are gettext messages, the
same ones the forms show; codebook and demographic labels are project data read along the
fallback chain of `i18n.labels` (a missing label falls back, and finally to the code itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from civicfutures.i18n import gettext as _
from civicfutures.i18n import use_locale
from civicfutures.i18n.labels import LabelContext


def _humanize(code: str) -> str:
    return code.replace("_", " ").replace("-", " ").strip().capitalize()


def _story_kinds() -> dict[str, str]:
    return {"present": _("Present-day experience"), "future": _("Vision of the future")}


def _workshop_kinds() -> dict[str, str]:
    return {
        "storytelling": _("Storytelling"),
        "future_thinking": _("Future thinking"),
        "knowledge_exchange": _("Knowledge exchange"),
    }


def _statuses() -> dict[str, str]:
    return {"draft": _("Draft"), "submitted": _("Submitted"), "reviewed": _("Reviewed")}


def _theme_kinds() -> dict[str, str]:
    return {
        "challenge": _("Challenges today"),
        "vision": _("Visions of the future"),
        "enabler": _("What would help"),
        "other": _("Other themes"),
    }


def _yes_no() -> dict[str, str]:
    return {"0": _("No"), "1": _("Yes")}


def _origins() -> dict[str, str]:
    return {"human": _("Human translation"), "machine": _("Machine translation")}


VOCABULARIES: dict[str, Callable[[], dict[str, str]]] = {
    "story_kind": _story_kinds,
    "workshop_kind": _workshop_kinds,
    "status": _statuses,
    "theme_kind": _theme_kinds,
    "yes_no": _yes_no,
    "origin": _origins,
}


def vocabulary(name: str, lang: str, codes: Iterable[str] = ()) -> dict[str, str]:
    """`{code: label}` of a fixed vocabulary in `lang`; unknown codes get a readable label."""
    with use_locale(lang):
        labels = VOCABULARIES[name]()
    for code in codes:
        labels.setdefault(code, _humanize(code))
    return labels


@dataclass(frozen=True)
class ProjectLabels:
    """Labels of one project's data in one language."""

    context: LabelContext
    themes: list[dict[str, Any]]
    demographics: list[dict[str, Any]]

    @property
    def lang(self) -> str:
        return self.context.tag

    def theme(self, theme: Mapping[str, Any]) -> str:
        return self.context.label(theme["labels"], theme["key"]).text

    def theme_description(self, theme: Mapping[str, Any]) -> str:
        return self.context.description(theme["descriptions"]).text

    def theme_labels(self) -> dict[str, str]:
        return {theme["key"]: self.theme(theme) for theme in self.themes}

    def attribute(self, attribute: Mapping[str, Any]) -> str:
        return self.context.label(attribute.get("labels"), _humanize(attribute["name"])).text

    def choices(self, attribute: Mapping[str, Any]) -> dict[str, str]:
        """`{value: label}` of a demographic attribute, in the project's order."""
        return {
            str(choice["value"]): self.context.label(
                choice.get("labels"), _humanize(str(choice["value"]))
            ).text
            for choice in attribute.get("choices", [])
        }


def project_labels(
    lang: str, project: Mapping[str, Any], themes: list[dict[str, Any]]
) -> ProjectLabels:
    context = LabelContext(tag=lang, project_default=project.get("default_language") or "en")
    return ProjectLabels(
        context=context, themes=themes, demographics=list(project.get("demographics") or [])
    )
