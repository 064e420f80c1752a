"""Localized form definitions: what the workshop, storyteller and story forms ask, in one place.

The JSON API (`GET /api/v1/forms/{form}`) returns these definitions and the HTML pages render
from the very same ones. Field names are the JSON API's field paths (`consent.scopes`,
`translations.0.body`), so an error a service reports lands next to its field on the page.
Constraints are read from the API's msgspec schemas, never restated by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any, Literal

import msgspec
import msgspec.inspect as mi

from civicfutures.auth.actor import Actor
from civicfutures.db.kept import KeptByVersion
from civicfutures.db.tables import Theme, Workshop
from civicfutures.db.version import data_version
from civicfutures.errors import FieldError, NotFound
from civicfutures.i18n import current_locale
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_date, format_list, language_name
from civicfutures.i18n.labels import LabelContext
from civicfutures.i18n.languages import autonym, text_direction
from civicfutures.i18n.runtime import catalog_language
from civicfutures.intake import schemas as s
from civicfutures.intake.people_service import StorytellerService, WorkshopService
from civicfutures.intake.setup_service import SetupService, find_project, find_site

FormName = Literal["workshop", "storyteller", "story"]
FORMS: tuple[str, ...] = ("workshop", "storyteller", "story")
FieldType = Literal["text", "textarea", "number", "date", "select", "radio", "checkboxes", "hidden"]

# Languages offered for stories besides the sites' own: the UI languages and languages
# that storytellers with a migration background often write in.
STORY_LANGUAGES: tuple[str, ...] = (
    "en",
    "pl",
    "et",
    "vro",
    "it",
    "uk",
    "ar",
    "ru",
    "de",
    "fr",
    "es",
    "ro",
    "tr",
    "fa",
)
WORKSHOP_KINDS: tuple[str, ...] = ("storytelling", "future_thinking", "knowledge_exchange")
THEME_KINDS: tuple[str, ...] = ("challenge", "vision", "enabler", "other")
CONSENT_SCOPES: tuple[str, ...] = ("research", "archive", "quote")


class Choice(msgspec.Struct, kw_only=True, omit_defaults=True):
    value: str
    label: str
    # The language the label is written in, when it is not the requested one (a fallback).
    label_language: str | None = None
    description: str | None = None
    description_language: str | None = None
    group: str | None = None


class Constraints(msgspec.Struct, kw_only=True, omit_defaults=True):
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    min_items: int | None = None
    max_items: int | None = None


class FieldDef(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str
    type: FieldType
    label: str
    help: str = ""
    required: bool = False
    default: str | list[str] | None = None
    choices: list[Choice] = []
    # Choice groups (themes by kind), in display order: [{value, label}].
    groups: list[Choice] = []
    constraints: Constraints = msgspec.field(default_factory=Constraints)
    # Where a client can list the choices of a reference field (workshops, storytellers).
    source: str | None = None
    # The text of the empty choice of an optional select ("not recorded").
    placeholder: str | None = None


class Section(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str
    legend: str
    help: str = ""
    optional: bool = False
    fields: list[FieldDef]


class FormDefinition(msgspec.Struct, kw_only=True):
    form: str
    language: str
    ui_language: str
    direction: str
    project: str
    site: str | None
    title: str
    intro: str
    submit: str
    method: str
    action: str
    sections: list[Section]

    def fields(self) -> list[FieldDef]:
        return [field for section in self.sections for field in section.fields]

    def field(self, name: str) -> FieldDef | None:
        return next((f for f in self.fields() if f.name == name), None)


# ------------------------------------------------------------------ constraints from schemas


@cache
def schema_path(struct: type[msgspec.Struct], path: str) -> tuple[mi.Field, mi.Type]:
    """The msgspec field at a dotted path (`consent.version`, `translations.0.title`).

    Cached: the schemas do not change while the process runs, and inspecting one costs
    about a millisecond (every form page asks for a dozen fields).
    """
    info: mi.Type = mi.type_info(struct)
    found: mi.Field | None = None
    for part in path.split("."):
        if part.isdigit():
            continue
        info = unwrap_optional(info)
        if isinstance(info, mi.ListType):
            info = unwrap_optional(info.item_type)
        if not isinstance(info, mi.StructType):
            raise KeyError(path)
        found = next(f for f in info.fields if f.name == part)
        info = found.type
    if found is None:
        raise KeyError(path)
    return found, info


def unwrap_optional(info: mi.Type) -> mi.Type:
    if isinstance(info, mi.UnionType):
        for member in info.types:
            if not isinstance(member, mi.NoneType):
                return member
    return info


def _constraints(info: mi.Type) -> Constraints:
    info = unwrap_optional(info)
    if isinstance(info, mi.StrType):
        return Constraints(
            min_length=info.min_length, max_length=info.max_length, pattern=info.pattern
        )
    if isinstance(info, mi.IntType):
        return Constraints(minimum=info.ge, maximum=info.le)
    if isinstance(info, mi.ListType):
        return Constraints(min_items=info.min_length, max_items=info.max_length)
    return Constraints()


def schema_field(
    struct: type[msgspec.Struct],
    name: str,
    type_: FieldType,
    label: str,
    help_: str = "",
    *,
    required: bool | None = None,
    **extra: Any,
) -> FieldDef:
    """A field whose constraints (and required-ness) come from the API schema."""
    found, info = schema_path(struct, name)
    return FieldDef(
        name=name,
        type=type_,
        label=label,
        help=help_,
        required=found.required if required is None else required,
        constraints=_constraints(info),
        **extra,
    )


# ------------------------------------------------------------------ choices


def language_choices(tags: list[str]) -> list[Choice]:
    """Languages named in the page's language, with their own name alongside: `ukraiński (українська)`."""
    choices = []
    for tag in dict.fromkeys(tags):
        name, own = language_name(tag), autonym(tag)
        label = name if own.casefold() == name.casefold() else f"{name} ({own})"
        choices.append(Choice(value=tag, label=label))
    return choices


def _humanize(code: str) -> str:
    return code.replace("_", " ").replace("-", " ").strip().capitalize()


def workshop_kind_label(kind: str) -> str:
    labels = {
        "storytelling": _("Storytelling"),
        "future_thinking": _("Future thinking"),
        "knowledge_exchange": _("Knowledge exchange"),
    }
    return labels.get(kind, _humanize(kind))


def theme_kind_label(kind: str) -> str:
    labels = {
        "challenge": _("Challenges today"),
        "vision": _("Visions of the future"),
        "enabler": _("What would help"),
        "other": _("Other themes"),
    }
    return labels.get(kind, _humanize(kind))


def story_kind_label(kind: str) -> str:
    return {"present": _("Present-day experience"), "future": _("Vision of the future")}.get(
        kind, _humanize(kind)
    )


def status_label(status: str) -> str:
    return {"draft": _("Draft"), "submitted": _("Submitted"), "reviewed": _("Reviewed")}.get(
        status, _humanize(status)
    )


def scope_label(scope: str) -> tuple[str, str]:
    return {
        "research": (_("Research"), _("The story may be analysed by the project's researchers.")),
        "archive": (
            _("Archive"),
            _("The story may be kept in the project's archive after it ends."),
        ),
        "quote": (
            _("Quotation"),
            _("Short excerpts may be quoted, without the code, in briefings."),
        ),
    }[scope]


def _label_choice(
    value: str, texts: dict[str, str] | None, labels: LabelContext, **extra: Any
) -> Choice:
    found = labels.label(texts, _humanize(value))
    return Choice(
        value=value,
        label=found.text,
        label_language=labels.foreign(found),
        **extra,
    )


# The codebook as choices per (project, label languages, interface language) and data version:
# the story page asks for it twice a request and a site's stories page once. Shared: read only.
_THEME_CHOICES: KeptByVersion[tuple[list[Choice], list[Choice]]] = KeptByVersion(capacity=256)


async def theme_choices(project_id: int, labels: LabelContext) -> tuple[list[Choice], list[Choice]]:
    """The codebook as choices grouped by kind, labels and descriptions in the page's language."""
    version = await data_version()
    key = (project_id, labels, current_locale())
    kept = _THEME_CHOICES.get(key, version)
    if kept is None:
        kept = await _read_theme_choices(project_id, labels)
        _THEME_CHOICES.put(key, version, kept)
    return kept


async def _read_theme_choices(
    project_id: int, labels: LabelContext
) -> tuple[list[Choice], list[Choice]]:
    rows = (
        await Theme.select(Theme.key, Theme.kind, Theme.labels, Theme.descriptions)
        .output(load_json=True)
        .where(Theme.project == project_id)
        .order_by(Theme.position)
        .order_by(Theme.id)
    )
    choices = []
    for row in rows:
        description = labels.description(row["descriptions"])
        choice = _label_choice(row["key"], row["labels"], labels, group=row["kind"])
        if description.found:
            choice.description = description.text
            choice.description_language = labels.foreign(description)
        choices.append(choice)
    present = [kind for kind in THEME_KINDS if any(c.group == kind for c in choices)]
    present += sorted({c.group for c in choices if c.group and c.group not in THEME_KINDS})
    groups = [Choice(value=kind, label=theme_kind_label(kind)) for kind in present]
    return choices, groups


# ------------------------------------------------------------------ the forms


# The definitions built in this process, per data version. Building one reads the project,
# the site, its workshops and storytellers and the codebook: a third of a form page's time
# when it was done on every request. Every write to those tables bumps the data version, so
# a new theme is in the next definition served, in every process. A story form is a few
# hundred choices (tens of kB); the key holds the site, languages and kind of account, so a
# busy server keeps one per (site, language, kind of account) in use.
DEFINITIONS: KeptByVersion[FormDefinition] = KeptByVersion(capacity=512)


class FormService:
    """Builds the localized definition of a form for a project (and optionally one site)."""

    async def definition(
        self,
        actor: Actor,
        form: str,
        project: str | None = None,
        site: str | None = None,
        language: str | None = None,
        translation_slots: int = 1,
    ) -> FormDefinition:
        """The definition, built once per data version for the same question in this process.

        Shared between requests: callers read it and never change it. The key holds all a
        definition depends on besides the data: the reader's access (which sites, workshops
        and storytellers it lists), the languages of its labels and of its interface text, and
        today (the default date of a workshop and of consent).
        """
        version = await data_version()
        key = (
            form,
            project,
            site,
            language,
            current_locale(),
            translation_slots,
            dt.date.today(),
            actor.access,
        )
        kept = DEFINITIONS.get(key, version)
        if kept is not None:
            return kept
        built = await self._build(actor, form, project, site, language, translation_slots)
        DEFINITIONS.put(key, version, built)
        return built

    async def _build(
        self,
        actor: Actor,
        form: str,
        project: str | None,
        site: str | None,
        language: str | None,
        translation_slots: int,
    ) -> FormDefinition:
        if form not in FORMS:
            raise NotFound(
                _("No such form."),
                [
                    FieldError(
                        "form", _("Choose one of: {forms}.").format(forms=format_list(FORMS, "or"))
                    )
                ],
            )
        site_row = await find_site(actor, site) if site else None
        if project is None and site_row is None:
            raise NotFound(
                _("No such project."), [FieldError("project", _("Name a project or a site."))]
            )
        project_row = await find_project(site_row["project"] if site_row else project)  # type: ignore[arg-type]
        if site_row and project and project not in (project_row["slug"], str(project_row["id"])):
            raise NotFound(
                _("No such site."), [FieldError("site", _("No site “{ref}”.").format(ref=site))]
            )
        tag = language or current_locale()
        labels = LabelContext(
            tag=tag,
            site_languages=tuple(site_row["languages"] if site_row else ()),
            project_default=project_row["default_language"],
        )
        builders: dict[str, Callable[..., Any]] = {
            "workshop": self._workshop,
            "storyteller": self._storyteller,
            "story": self._story,
        }
        sections, title, intro, submit, action = await builders[form](
            actor, project_row, site_row, labels, translation_slots=translation_slots
        )
        return FormDefinition(
            form=form,
            language=tag,
            ui_language=catalog_language(tag),
            direction=text_direction(tag),
            project=project_row["slug"],
            site=site_row["slug"] if site_row else None,
            title=title,
            intro=intro,
            submit=submit,
            method="POST",
            action=action,
            sections=sections,
        )

    async def _site_field(
        self, actor: Actor, project_row: dict[str, Any], site_row: dict[str, Any] | None
    ) -> FieldDef:
        """The site: fixed when the form is opened for one, else a choice among writable sites."""
        if site_row is not None:
            return FieldDef(
                name="site", type="hidden", label=_("Site"), required=True, default=site_row["slug"]
            )
        sites = await SetupService().list_sites(actor, project_row["slug"])
        return FieldDef(
            name="site",
            type="select",
            label=_("Site"),
            required=True,
            choices=[
                Choice(value=site.slug, label=site.name)
                for site in sites
                if actor.writes_site(site.id)
            ],
            source=f"/api/v1/sites?project={project_row['slug']}",
        )

    def _languages(
        self, site_row: dict[str, Any] | None, extra: list[str] | None = None
    ) -> list[str]:
        return [*(site_row["languages"] if site_row else []), *(extra or []), *STORY_LANGUAGES]

    async def _workshop(
        self,
        actor: Actor,
        project_row: dict[str, Any],
        site_row: dict[str, Any] | None,
        labels: LabelContext,
        **_options: Any,
    ) -> tuple[list[Section], str, str, str, str]:
        kinds = list(WORKSHOP_KINDS)
        if site_row is not None:
            used = (
                await Workshop.select(Workshop.kind)
                .where(Workshop.site == site_row["id"])
                .distinct()
            )
            kinds += sorted({row["kind"] for row in used} - set(kinds))
        languages = self._languages(site_row)
        fields = [
            await self._site_field(actor, project_row, site_row),
            schema_field(
                s.WorkshopIn,
                "date",
                "date",
                _("Date of the workshop"),
                default=dt.date.today().isoformat(),
            ),
            schema_field(
                s.WorkshopIn,
                "kind",
                "select",
                _("Kind of workshop"),
                choices=[Choice(value=kind, label=workshop_kind_label(kind)) for kind in kinds],
                default=kinds[0],
            ),
            schema_field(
                s.WorkshopIn,
                "language",
                "select",
                _("Language of the workshop"),
                choices=language_choices(languages),
                default=languages[0],
            ),
            schema_field(
                s.WorkshopIn,
                "title",
                "text",
                _("Title"),
                _("A short name partners will recognise, e.g. the venue."),
            ),
            schema_field(
                s.WorkshopIn,
                "note",
                "textarea",
                _("Facilitators' note"),
                _(
                    "How it went, who came, anything that helps read the stories. No names of participants."
                ),
            ),
        ]
        # Translators: the citizen futures session where stories are told (not a repair shop).
        section = Section(name="workshop", legend=_("Workshop"), fields=fields)
        return (
            [section],
            _("Record a workshop"),
            _("One record per workshop; stories are then entered for it."),
            _("Save the workshop"),
            "/api/v1/workshops",
        )

    async def _storyteller(
        self,
        actor: Actor,
        project_row: dict[str, Any],
        site_row: dict[str, Any] | None,
        labels: LabelContext,
        **_options: Any,
    ) -> tuple[list[Section], str, str, str, str]:
        identity = [
            await self._site_field(actor, project_row, site_row),
            schema_field(
                s.StorytellerIn,
                "code",
                "text",
                _("Pseudonymous code"),
                _("A code such as GDN-014, never a name. It must be unique in the project."),
            ),
        ]
        demographics = []
        for item in project_row["demographics"] or []:
            label = labels.label(item.get("labels"), _humanize(item["name"]))
            demographics.append(
                FieldDef(
                    name=f"demographics.{item['name']}",
                    type="select",
                    label=label.text,
                    help=_("Leave empty if it was not asked."),
                    placeholder=_("Not recorded"),
                    choices=[
                        _label_choice(c["value"], c.get("labels"), labels)
                        for c in item.get("choices", [])
                    ],
                    constraints=Constraints(max_length=64),
                )
            )
        consent = [
            schema_field(
                s.StorytellerIn,
                "consent.version",
                "text",
                _("Version of the consent form"),
                _("As printed on the signed form, e.g. 2025-1."),
                default="",
            ),
            schema_field(
                s.StorytellerIn,
                "consent.given_at",
                "date",
                _("Date consent was given"),
                default=dt.date.today().isoformat(),
            ),
            FieldDef(
                name="consent.scopes",
                type="checkboxes",
                label=_("The storyteller agreed to"),
                help=_("Tick only what the storyteller agreed to on the signed form."),
                choices=[
                    Choice(
                        value=scope, label=scope_label(scope)[0], description=scope_label(scope)[1]
                    )
                    for scope in CONSENT_SCOPES
                ],
                default=["research"],
                constraints=_constraints(schema_path(s.ConsentIn, "scopes")[1]),
            ),
        ]
        # Translators: the person who tells the story and gives consent; not the facilitator.
        sections = [Section(name="storyteller", legend=_("Storyteller"), fields=identity)]
        if demographics:
            sections.append(
                Section(
                    name="demographics",
                    legend=_("About the storyteller"),
                    help=_("Every question may be left unanswered."),
                    optional=True,
                    fields=demographics,
                )
            )
        # Translators: the storyteller's recorded permission, per use (research, archive, quotes).
        sections.append(Section(name="consent", legend=_("Consent"), fields=consent))
        return (
            sections,
            _("Register a storyteller"),
            _("Storytellers are known by a code only: no names, e-mails or addresses."),
            _("Save the storyteller"),
            "/api/v1/storytellers",
        )

    async def _story(
        self,
        actor: Actor,
        project_row: dict[str, Any],
        site_row: dict[str, Any] | None,
        labels: LabelContext,
        translation_slots: int = 1,
        **_ignored: Any,
    ) -> tuple[list[Section], str, str, str, str]:
        workshop_field = schema_field(
            s.StoryIn, "workshop", "select", _("Workshop"), source="/api/v1/workshops"
        )
        teller_field = schema_field(
            s.StoryIn,
            "storytellers",
            "checkboxes",
            _("Told by"),
            _("Tick every storyteller of a group story."),
            source="/api/v1/storytellers",
        )
        if site_row is not None:
            workshops = await WorkshopService().list(actor, site_row["slug"])
            workshop_field.choices = [
                Choice(
                    value=str(w.id),
                    label=" · ".join(
                        part
                        for part in (format_date(w.date), w.title, workshop_kind_label(w.kind))
                        if part
                    ),
                )
                for w in reversed(workshops)
            ]
            workshop_field.source = f"/api/v1/workshops?site={site_row['slug']}"
            tellers = await StorytellerService().list(actor, site_row["slug"])
            teller_field.choices = [
                Choice(value=str(t.id), label=t.code)
                for t in tellers
                if t.consent.withdrawn_at is None
            ]
            teller_field.source = f"/api/v1/storytellers?site={site_row['slug']}"
        languages = self._languages(site_row, [project_row["default_language"]])
        themes, groups = await theme_choices(project_row["id"], labels)
        context = Section(
            name="context", legend=_("Where and by whom"), fields=[workshop_field, teller_field]
        )
        story = Section(
            name="story",
            legend=_("The story"),
            fields=[
                schema_field(
                    s.StoryIn,
                    "kind",
                    "radio",
                    _("Kind of story"),
                    choices=[
                        Choice(value=kind, label=story_kind_label(kind))
                        for kind in ("present", "future")
                    ],
                    default="present",
                ),
                schema_field(
                    s.StoryIn,
                    "horizon_year",
                    "number",
                    _("Horizon year"),
                    _("For a vision of the future only: the year it imagines, e.g. 2050."),
                ),
                schema_field(
                    s.StoryIn,
                    "language",
                    "select",
                    _("Language of the story"),
                    _("The language the storyteller used; the text is kept exactly as told."),
                    choices=language_choices(languages),
                    default=languages[0],
                ),
                schema_field(s.StoryIn, "title", "text", _("Title")),
                schema_field(s.StoryIn, "body", "textarea", _("The story as told")),
                schema_field(
                    s.StoryIn,
                    "status",
                    "radio",
                    _("Status"),
                    choices=[
                        Choice(value=v, label=status_label(v)) for v in ("submitted", "draft")
                    ],
                    default="submitted",
                    required=True,
                ),
            ],
        )
        translation_fields = []
        for slot in range(max(1, translation_slots)):
            translation_fields += [
                schema_field(
                    s.StoryIn,
                    f"translations.{slot}.language",
                    "select",
                    _("Language of the translation"),
                    choices=language_choices(["en", *languages]),
                    default="en",
                    required=False,
                ),
                schema_field(
                    s.StoryIn, f"translations.{slot}.title", "text", _("Translated title")
                ),
                schema_field(
                    s.StoryIn,
                    f"translations.{slot}.body",
                    "textarea",
                    _("Translation"),
                    required=False,
                ),
            ]
        translation = Section(
            name="translation",
            legend=_("Translation (optional)"),
            help=_(
                "Add a translation, e.g. into English, if you have one. Leave it empty otherwise."
            ),
            optional=True,
            fields=translation_fields,
        )
        coding = Section(
            name="themes",
            legend=_("Themes"),
            help=_("Tick the themes of the project's codebook that the story speaks about."),
            optional=True,
            fields=[
                FieldDef(
                    name="codings",
                    type="checkboxes",
                    label=_("Themes of the story"),
                    choices=themes,
                    groups=groups,
                    constraints=_constraints(schema_path(s.StoryIn, "codings")[1]),
                    source=f"/api/v1/themes?project={project_row['slug']}",
                )
            ],
        )
        return (
            [context, story, translation, coding],
            _("Enter a story"),
            _(
                "Enter the story in the language it was told. Nothing is saved until every field is right."
            ),
            _("Save the story"),
            "/api/v1/stories",
        )
