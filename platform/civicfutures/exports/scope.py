"""Who may export what: the project and sites in scope, and whether storyteller codes are shown.

Code visibility (pseudonymous storyteller codes), decided here and nowhere else:
- `admin` and `researcher` get codes only when they ask (`include_codes=true`): codes let a
  researcher link a story to the consent records kept by a site, which DESIGN §6 allows for
  pseudonymous data, but a file without them is safer to pass around, so it is the default;
- `partner` and `author` never get codes in an export, even when they ask.
Every export names the columns it withheld in its notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from civicfutures.auth.actor import Actor
from civicfutures.coding.visibility import reaches_every_site
from civicfutures.db.tables import Project, Site
from civicfutures.errors import FieldError, NotFound
from civicfutures.i18n import gettext as _

CODE_ROLES = ("researcher",)  # admin always passes `Actor.has_any`


@dataclass(frozen=True)
class ExportScope:
    """The resolved request: one project, the sites the export covers, the label language."""

    project: dict[str, Any]
    sites: list[dict[str, Any]]
    lang: str
    codes: bool
    codes_requested: bool
    # Memos on themes travel only to those who read them (`coding.memos.reaches_every_site`).
    theme_memos: bool = False

    @property
    def site_ids(self) -> list[int]:
        return [site["id"] for site in self.sites]

    @property
    def languages(self) -> list[str]:
        """The project's languages: its default, then every site's, in order, without repeats."""
        seen: list[str] = []
        for tag in [
            self.project["default_language"],
            *(t for s in self.sites for t in s["languages"]),
        ]:
            if tag and tag not in seen:
                seen.append(tag)
        return seen


def may_see_codes(actor: Actor) -> bool:
    return actor.has_any(*CODE_ROLES)


def _no_project(ref: str) -> NotFound:
    return NotFound(
        _("No such project."), [FieldError("project", _("No project “{ref}”.").format(ref=ref))]
    )


async def resolve_scope(
    actor: Actor,
    project_ref: str,
    site_refs: tuple[str, ...],
    lang: str | None,
    include_codes: bool,
) -> ExportScope:
    """The project and visible sites; an invisible site is a 404 exactly like a missing one."""
    project = (
        await Project.select().output(load_json=True).where(Project.slug == project_ref).first()
    )
    if project is None:
        raise _no_project(project_ref)
    rows = (
        await Site.select(Site.id, Site.slug, Site.name, Site.country, Site.languages)
        .output(load_json=True)
        .where(Site.project == project["id"])
        .order_by(Site.id)
    )
    visible = [row for row in rows if actor.sees_site(row["id"])]
    if actor.site_ids is not None and not visible:
        # A partner without a site in this project may not learn that the project exists.
        raise _no_project(project_ref)
    if site_refs:
        by_slug = {row["slug"]: row for row in visible}
        missing = [ref for ref in site_refs if ref not in by_slug]
        if missing:
            raise NotFound(
                _("No such site."),
                [FieldError("sites", _("No site “{ref}”.").format(ref=ref)) for ref in missing],
            )
        visible = [by_slug[ref] for ref in site_refs]
        visible.sort(key=lambda row: row["id"])
    return ExportScope(
        project=project,
        sites=visible,
        lang=lang or project["default_language"] or "en",
        codes=include_codes and may_see_codes(actor),
        codes_requested=include_codes,
        theme_memos=reaches_every_site(actor),
    )
