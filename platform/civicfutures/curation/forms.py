"""The insight and evidence forms of the curation pages: fields, submitted values, payloads.

Fields are the forms framework's `FieldDef`s, so the pages render them with the shared
macros (labels, hints, errors next to fields). Names match the API's field paths
(`title`, `themes`, `status`), so a service error lands next to its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from civicfutures.auth.actor import Actor
from civicfutures.curation import schemas as c
from civicfutures.curation.access import is_curator
from civicfutures.curation.offsets import locate, occurrences
from civicfutures.curation.outcome_service import outcome_rows
from civicfutures.db.tables import Site
from civicfutures.errors import FieldError
from civicfutures.forms.definitions import (
    Choice,
    Constraints,
    FieldDef,
    language_choices,
    theme_choices,
)
from civicfutures.i18n import gettext as _
from civicfutures.i18n import ngettext
from civicfutures.i18n.labels import LabelContext
from civicfutures.i18n.runtime import SUPPORTED_LOCALES

# Not a possible site slug: the choice of a cross-site insight.
CROSS_SITE = "*"


@dataclass(frozen=True)
class FieldSet:
    """What the shared error-summary macro needs: the form's fields in order."""

    items: list[FieldDef]

    def fields(self) -> list[FieldDef]:
        return self.items


def insight_status_label(status: str) -> str:
    return {"draft": _("Draft"), "agreed": _("Agreed")}.get(status, status)


def insight_status_choices() -> list[Choice]:
    return [Choice(value=s, label=insight_status_label(s)) for s in ("draft", "agreed")]


async def insight_fields(
    actor: Actor, project: dict[str, Any], labels: LabelContext, languages: list[str]
) -> FieldSet:
    """Site, language, title, summary, themes, outcomes and (for authors) the status."""
    sites = (
        await Site.select(Site.id, Site.slug, Site.name)
        .where(Site.project == project["id"])
        .order_by(Site.id)
    )
    site_choices = [
        Choice(value=row["slug"], label=row["name"])
        for row in sites
        if (is_curator(actor) and actor.sees_site(row["id"])) or row["id"] in actor.partner_site_ids
    ]
    if is_curator(actor) and actor.site_ids is None:
        site_choices.insert(0, Choice(value=CROSS_SITE, label=_("All sites (cross-site insight)")))
    themes, groups = await theme_choices(project["id"], labels)
    outcomes = [
        Choice(
            value=row["key"],
            label=labels.label(row["labels"], row["key"]).text,
            label_language=_fallback(labels, row["labels"], row["key"]),
        )
        for row in await outcome_rows(project["id"])
    ]
    fields = [
        # Translators: the place (town, district, community) where workshops are held; never a website.
        FieldDef(name="site", type="select", label=_("Site"), required=True, choices=site_choices),
        FieldDef(
            name="language",
            type="select",
            label=_("Language of the title and summary"),
            help=_(
                "Texts in other languages are kept; choose a language to add or change its text."
            ),
            required=True,
            choices=language_choices(languages),
        ),
        FieldDef(
            name="title",
            type="text",
            label=_("Title"),
            required=True,
            constraints=Constraints(max_length=300),
        ),
        FieldDef(
            name="summary",
            type="textarea",
            label=_("Summary"),
            help=_("What the stories show, in a few sentences."),
            constraints=Constraints(max_length=20_000),
        ),
        FieldDef(
            name="themes", type="checkboxes", label=_("Themes"), choices=themes, groups=groups
        ),
        FieldDef(
            name="outcomes",
            type="checkboxes",
            label=_("Theory-of-Change outcomes"),
            choices=outcomes,
        ),
    ]
    if is_curator(actor):
        fields.append(
            FieldDef(
                name="status",
                type="radio",
                label=_("Status"),
                help=_("An agreed insight needs at least one excerpt as evidence."),
                required=True,
                choices=insight_status_choices(),
            )
        )
    return FieldSet(fields)


def _fallback(labels: LabelContext, texts: dict[str, str] | None, key: str) -> str | None:
    found = labels.label(texts, key)
    return labels.foreign(found)


def text_languages(
    project: dict[str, Any], site_languages: list[str], existing: list[str]
) -> list[str]:
    """Languages offered for an insight's texts: its own, its sites', the UI's."""
    return list(
        dict.fromkeys([*existing, *site_languages, project["default_language"], *SUPPORTED_LOCALES])
    )


def insight_values(insight: c.InsightOut, language: str) -> dict[str, Any]:
    return {
        "site": insight.site or CROSS_SITE,
        "language": language,
        "title": insight.title.get(language, ""),
        "summary": insight.summary.get(language, ""),
        "themes": list(insight.themes),
        "outcomes": list(insight.outcomes),
        "status": insight.status,
    }


def read_insight_form(form: Any) -> dict[str, Any]:
    """The submitted values, as typed (line breaks normalised)."""
    return {
        "site": (form.get("site") or "").strip(),
        "language": (form.get("language") or "").strip(),
        "title": (form.get("title") or "").strip(),
        "summary": (form.get("summary") or "").replace("\r\n", "\n").strip(),
        "themes": [v for v in form.getall("themes", []) if v],
        "outcomes": [v for v in form.getall("outcomes", []) if v],
        "status": (form.get("status") or "draft").strip(),
    }


def merged_texts(stored: dict[str, str], language: str, text: str) -> dict[str, str]:
    """The stored `{tag: text}` map with one language's text replaced (removed when empty)."""
    merged = {tag: value for tag, value in stored.items() if tag != language}
    if text:
        merged[language] = text
    return merged


# ---------------------------------------------------------------- evidence


def evidence_fields(languages: list[str]) -> FieldSet:
    return FieldSet(
        [
            FieldDef(
                name="excerpt",
                type="textarea",
                label=_("Words to cite"),
                help=_("Copy the words from the story above exactly as they stand."),
                required=True,
            ),
            FieldDef(
                name="occurrence",
                type="number",
                label=_("Which occurrence"),
                help=_(
                    "If these words appear more than once in the story, the number of the one you mean."
                ),
                default="1",
                constraints=Constraints(minimum=1),
            ),
            FieldDef(
                name="quotable",
                type="checkboxes",
                label=_("Quotation"),
                choices=[
                    Choice(value="yes", label=_("May be quoted (if all storytellers consent)"))
                ],
            ),
            FieldDef(
                name="translation_language",
                type="select",
                label=_("Language of your translation"),
                choices=language_choices(languages),
                placeholder=_("No translation"),
            ),
            FieldDef(
                name="translation",
                type="textarea",
                label=_("Your translation of these words"),
                help=_(
                    "Optional. Without it, a briefing shows the matching sentence of the story's "
                    "translation when the match is certain, and otherwise the original alone."
                ),
            ),
        ]
    )


def read_evidence_form(form: Any) -> dict[str, Any]:
    return {
        "excerpt": (form.get("excerpt") or "").replace("\r\n", "\n"),
        "occurrence": (form.get("occurrence") or "1").strip(),
        "quotable": [v for v in form.getall("quotable", []) if v],
        "translation_language": (form.get("translation_language") or "").strip(),
        "translation": (form.get("translation") or "").replace("\r\n", "\n").strip(),
    }


def evidence_from_form(
    story_id: int, body: str, values: dict[str, Any]
) -> tuple[c.EvidenceIn | None, list[FieldError]]:
    """Find the typed words in the story's text and turn them into offsets, or say why not."""
    excerpt = values["excerpt"].strip()
    if not excerpt:
        return None, [FieldError("excerpt", _("Copy the words you want to cite."))]
    try:
        occurrence = int(values["occurrence"] or "1")
    except ValueError:
        return None, [FieldError("occurrence", _("Enter a whole number, e.g. 1."))]
    span = locate(body, excerpt, occurrence)
    if span is None:
        found = len(occurrences(body, excerpt))
        if found == 0:
            return None, [
                FieldError("excerpt", _("These words are not in the story exactly as typed."))
            ]
        return None, [
            FieldError(
                "occurrence",
                ngettext(
                    "These words appear only once in the story.",
                    "These words appear {count} times in the story.",
                    found,
                ).format(count=found),
            )
        ]
    translations = {}
    if values["translation"]:
        if not values["translation_language"]:
            return None, [
                FieldError("translation_language", _("Choose the language of your translation."))
            ]
        translations[values["translation_language"]] = values["translation"]
    return (
        c.EvidenceIn(
            story=story_id,
            start=span[0],
            end=span[1],
            quotable=bool(values["quotable"]),
            translations=translations,
        ),
        [],
    )


def kept_evidence(insight: c.InsightOut, without: int | None = None) -> list[c.EvidenceIn]:
    """The insight's visible evidence as input again (optionally without one excerpt)."""
    return [
        c.EvidenceIn(
            story=e.story,
            start=e.start,
            end=e.end,
            quotable=e.quotable,
            translations=dict(e.translations),
        )
        for e in insight.evidence
        if e.id != without
    ]
