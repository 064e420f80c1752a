"""The codebook's labels as translatable data: coverage per language, PO export and import.

A theme's labels and descriptions are `{tag: text}` maps in the database, not gettext
messages: partners add themes at any time. Translators still get a PO file (one message per
label and description, the key in the context) and the import writes their work back through
`SetupService`, so it is validated and audited like any other change.
"""

from __future__ import annotations

import io
from typing import Any

import msgspec
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from civicfutures.auth.actor import SYSTEM, Actor
from civicfutures.db.tables import Outcome, Project, Site, Theme
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import FieldError, InvalidInput
from civicfutures.i18n.formatting import language_name
from civicfutures.i18n.labels import fallback_chain, pick
from civicfutures.i18n.languages import MACROLANGUAGE, base_language
from civicfutures.i18n.runtime import SUPPORTED_LOCALES
from civicfutures.i18n.runtime import gettext as _
from civicfutures.intake import schemas as s
from civicfutures.intake.setup_service import SetupService, find_project
from civicfutures.intake.validation import canonical_language

LABEL, DESCRIPTION = "label", "description"


class LanguageCoverage(msgspec.Struct, kw_only=True):
    """The themes and Theory-of-Change outcomes that lack a label (or a description) in one
    language."""

    language: str
    name: str
    missing_labels: list[str]
    missing_descriptions: list[str]
    missing_outcome_labels: list[str] = msgspec.field(default_factory=list)
    missing_outcome_descriptions: list[str] = msgspec.field(default_factory=list)
    complete: bool


class CodebookCoverage(msgspec.Struct, kw_only=True):
    project: str
    themes: int
    outcomes: int = 0
    languages: list[LanguageCoverage]


class ImportSummary(msgspec.Struct, kw_only=True):
    project: str
    language: str
    labels: int
    descriptions: int
    unknown_keys: list[str]


def _context(key: str, part: str) -> str:
    return f"{key}|{part}"


async def _themes(project_id: int) -> list[dict[str, Any]]:
    return (
        await Theme.select(Theme.key, Theme.kind, Theme.labels, Theme.descriptions)
        .output(load_json=True)
        .where(Theme.project == project_id)
        .order_by(Theme.position)
        .order_by(Theme.id)
    )


async def _outcomes(project_id: int) -> list[dict[str, Any]]:
    return (
        await Outcome.select(Outcome.key, Outcome.labels, Outcome.descriptions)
        .output(load_json=True)
        .where(Outcome.project == project_id)
        .order_by(Outcome.position)
        .order_by(Outcome.id)
    )


def _gaps(items: list[dict[str, Any]], tag: str) -> tuple[list[str], list[str]]:
    """Keys without a label in `tag`, and keys without a description in `tag` (only items that
    have a description in some language are expected to have one)."""
    labels = [i["key"] for i in items if not pick(i["labels"], [tag]).found]
    descriptions = [
        i["key"]
        for i in items
        if any((i["descriptions"] or {}).values()) and not pick(i["descriptions"], [tag]).found
    ]
    return labels, descriptions


async def project_languages(project: dict[str, Any]) -> list[str]:
    """The languages a project's codebook should speak: its default, its sites', the UI's."""
    sites = (
        await Site.select(Site.languages)
        .output(load_json=True)
        .where(Site.project == project["id"])
    )
    ordered = [project["default_language"]]
    for site in sites:
        ordered += list(site["languages"] or [])
    ordered += list(SUPPORTED_LOCALES)
    return list(dict.fromkeys(tag for tag in ordered if tag))


async def codebook_coverage(project_ref: str, wanted: list[str] | None = None) -> CodebookCoverage:
    """Per language, the themes and outcomes without their own label, and those without a
    description of their own."""
    project = await find_project(project_ref)
    themes = await _themes(project["id"])
    outcomes = await _outcomes(project["id"])
    tags = wanted or await project_languages(project)
    coverage = []
    for tag in tags:
        missing_labels, missing_descriptions = _gaps(themes, tag)
        outcome_labels, outcome_descriptions = _gaps(outcomes, tag)
        coverage.append(
            LanguageCoverage(
                language=tag,
                name=language_name(tag),
                missing_labels=missing_labels,
                missing_descriptions=missing_descriptions,
                missing_outcome_labels=outcome_labels,
                missing_outcome_descriptions=outcome_descriptions,
                complete=not (
                    missing_labels or missing_descriptions or outcome_labels or outcome_descriptions
                ),
            )
        )
    return CodebookCoverage(
        project=project["slug"], themes=len(themes), outcomes=len(outcomes), languages=coverage
    )


async def codebook_gaps(project_refs: list[str]) -> list[str]:
    """One line per project, language and kind of text still missing (all projects when none
    are named); empty when every codebook is complete in every language its sites declare."""
    if not project_refs:
        rows = await Project.select(Project.slug).order_by(Project.slug)
        project_refs = [row["slug"] for row in rows]
    lines = []
    for ref in project_refs:
        project = await find_project(ref)
        sites = (
            await Site.select(Site.languages)
            .output(load_json=True)
            .where(Site.project == project["id"])
        )
        declared = [project["default_language"]] + [
            tag for site in sites for tag in (site["languages"] or [])
        ]
        coverage = await codebook_coverage(ref, list(dict.fromkeys(declared)))
        for entry in coverage.languages:
            for what, keys in (
                ("theme labels", entry.missing_labels),
                ("theme descriptions", entry.missing_descriptions),
                ("outcome labels", entry.missing_outcome_labels),
                ("outcome descriptions", entry.missing_outcome_descriptions),
            ):
                if keys:
                    lines.append(
                        f"{coverage.project} [{entry.language}]: {len(keys)} {what} missing: "
                        + ", ".join(keys)
                    )
    return lines


def _checked_language(tag: str) -> str:
    canonical = canonical_language(tag)
    if canonical is None:
        raise InvalidInput(
            _("The request has invalid fields."),
            [
                FieldError(
                    "lang",
                    _("“{value}” is not a valid language tag (BCP 47), e.g. pl, et, vro.").format(
                        value=tag
                    ),
                )
            ],
        )
    return canonical


async def export_codebook(project_ref: str, language: str) -> bytes:
    """A PO file of the project's codebook for translators into `language`.

    msgid is the text in the project's default language (else English, else the key); msgstr
    the translation stored for `language`, empty where it is missing. For a language with a
    macrolanguage (Võro → Estonian) the macrolanguage's text is added as a comment.
    """
    language = _checked_language(language)
    project = await find_project(project_ref)
    source_chain = fallback_chain(project["default_language"], (), project["default_language"])
    helper = MACROLANGUAGE.get(base_language(language))
    catalog = Catalog(
        locale=language,
        domain=f"codebook-{project['slug']}",
        project=f"civicfutures codebook {project['slug']}",
        msgid_bugs_address="translations@civicfutures.eu",
        language_team=f"{language} <translations@civicfutures.eu>",
        fuzzy=False,
    )
    for theme in await _themes(project["id"]):
        for part, texts in ((LABEL, theme["labels"]), (DESCRIPTION, theme["descriptions"])):
            source = pick(texts, source_chain)
            if not source.found:
                continue
            comments = [f"{theme['kind']} · {theme['key']} · {part} (source: {source.language})"]
            if helper and pick(texts, [helper]).found:
                comments.append(f"{helper}: {pick(texts, [helper]).text}")
            catalog.add(
                source.text,
                pick(texts, [language]).text,
                context=_context(theme["key"], part),
                auto_comments=comments,
            )
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, omit_header=False)
    return buffer.getvalue()


async def import_codebook(
    project_ref: str, po_bytes: bytes, language: str | None = None, actor: Actor = SYSTEM
) -> ImportSummary:
    """Store a translated codebook PO file's labels and descriptions for its language.

    Empty and fuzzy entries are skipped (nothing is deleted); keys the codebook does not have
    are reported, not guessed. Every changed theme goes through `SetupService.update_theme`.
    """
    catalog = read_po(io.BytesIO(po_bytes))
    tag = language or catalog.locale_identifier
    if not tag:
        raise InvalidInput(
            _("The request has invalid fields."),
            [FieldError("lang", _("Name the language: the file has no Language header."))],
        )
    tag = _checked_language(tag)
    project = await find_project(project_ref)
    themes = {t["key"]: t for t in await _themes(project["id"])}
    changes: dict[str, dict[str, dict[str, str]]] = {}
    unknown: list[str] = []
    counts = {LABEL: 0, DESCRIPTION: 0}
    for message in catalog:
        if not message.id or not message.context or message.fuzzy:
            continue
        key, _sep, part = message.context.rpartition("|")
        text = message.string if isinstance(message.string, str) else ""
        if part not in counts or not text.strip():
            continue
        if key not in themes:
            unknown.append(key)
            continue
        field = "labels" if part == LABEL else "descriptions"
        theme_changes = changes.setdefault(key, {})
        merged = theme_changes.setdefault(field, dict(themes[key][field] or {}))
        if merged.get(tag) != text.strip():
            merged[tag] = text.strip()
            counts[part] += 1
    setup = SetupService()
    async with write_transaction():
        for key, fields in changes.items():
            changed = {
                name: texts for name, texts in fields.items() if texts != (themes[key][name] or {})
            }
            if changed:
                await setup.update_theme(actor, project["slug"], key, s.ThemePatch(**changed))
    return ImportSummary(
        project=project["slug"],
        language=tag,
        labels=counts[LABEL],
        descriptions=counts[DESCRIPTION],
        unknown_keys=sorted(set(unknown)),
    )
