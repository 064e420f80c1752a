"""Projects, sites and the codebook: what a programme is set up with before stories arrive."""

from __future__ import annotations

from typing import Any

import msgspec

from civicfutures import audit
from civicfutures.auth.actor import Actor
from civicfutures.db.tables import Project, Site, Theme
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.intake import schemas as s
from civicfutures.intake.validation import Checker, nfc


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Only administrators can change a project's set-up."))


def require_codebook_editor(actor: Actor) -> None:
    """Admins and researchers keep the codebook: they are the ones who code with it."""
    if not actor.has_any("researcher"):
        raise Forbidden(_("Only researchers and administrators can change the codebook."))


def project_out(row: dict[str, Any]) -> s.ProjectOut:
    return s.ProjectOut(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        default_language=row["default_language"],
        disclosure_threshold=row["disclosure_threshold"],
        demographics=msgspec.convert(row["demographics"] or [], list[s.DemographicField]),
        archive=row.get("archive") or "off",
    )


def site_out(row: dict[str, Any]) -> s.SiteOut:
    return s.SiteOut(
        id=row["id"],
        project=row["project.slug"],
        slug=row["slug"],
        name=row["name"],
        country=row["country"],
        languages=list(row["languages"] or []),
        reference_shares=dict(row["reference_shares"] or {}),
    )


def theme_out(row: dict[str, Any], keys_by_id: dict[int, str]) -> s.ThemeOut:
    return s.ThemeOut(
        id=row["id"],
        project=row["project.slug"],
        key=row["key"],
        kind=row["kind"],
        parent=keys_by_id.get(row["parent"]) if row["parent"] else None,
        labels=dict(row["labels"] or {}),
        descriptions=dict(row["descriptions"] or {}),
        retired=row.get("retired_at") is not None,
        merged_into=keys_by_id.get(row["merged_into"]) if row.get("merged_into") else None,
    )


_SITE_COLUMNS = (Site.all_columns(), Site.project.slug)
_THEME_COLUMNS = (Theme.all_columns(), Theme.project.slug)


def id_in(ref: str | int) -> int | None:
    """The database id a reference names (ASCII digits), else None: the reference is a slug.

    `str.isdigit()` alone also accepts "²" (which `int()` refuses), and ids past 32 bits fit
    no row: such references find nothing rather than failing in the database driver.
    """
    text = str(ref)
    if not (isinstance(ref, int) or (text.isascii() and text.isdigit())):
        return None
    number = int(text)
    return number if 0 < number <= 2_147_483_647 else 0


async def find_project(ref: str | int) -> dict[str, Any]:
    """A project by id or slug, or NotFound naming the field `project`."""
    query = Project.select().output(load_json=True)
    if (ident := id_in(ref)) is not None:
        row = await query.where(Project.id == ident).first()
    else:
        row = await query.where(Project.slug == ref).first()
    if row is None:
        raise NotFound(
            _("No such project."), [FieldError("project", _("No project “{ref}”.").format(ref=ref))]
        )
    return row


async def find_site(actor: Actor, ref: str | int, field: str = "site") -> dict[str, Any]:
    """A site the actor may see, by id or slug; another site's is as absent as a missing one."""
    query = Site.select(*_SITE_COLUMNS).output(load_json=True)
    if (ident := id_in(ref)) is not None:
        row = await query.where(Site.id == ident).first()
    else:
        row = await query.where(Site.slug == ref).first()
    if row is None or not actor.sees_site(row["id"]):
        raise NotFound(
            _("No such site."), [FieldError(field, _("No site “{ref}”.").format(ref=ref))]
        )
    return row


class SetupService:
    """Create and read projects, sites and themes."""

    # ------------------------------------------------------------------ projects

    async def create_project(self, actor: Actor, data: s.ProjectIn) -> s.ProjectOut:
        _require_admin(actor)
        data = nfc(data)
        check = Checker()
        language = check.language("default_language", data.default_language)
        demographics = []
        for index, item in enumerate(data.demographics):
            labels = check.label_map(f"demographics.{index}.labels", item.labels)
            choices = [
                {
                    "value": c.value,
                    "labels": check.label_map(f"demographics.{index}.choices.{n}.labels", c.labels),
                }
                for n, c in enumerate(item.choices)
            ]
            demographics.append(
                {"name": item.name, "labels": labels, "choices": choices, "ordered": item.ordered}
            )
        check.raise_if_any()
        async with write_transaction():
            if await Project.exists().where(Project.slug == data.slug):
                raise Conflict(
                    _("The slug is taken."),
                    [
                        FieldError(
                            "slug", _("A project “{slug}” already exists.").format(slug=data.slug)
                        )
                    ],
                )
            row = Project(
                slug=data.slug,
                name=data.name,
                default_language=language,
                disclosure_threshold=data.disclosure_threshold,
                demographics=demographics,
            )
            await row.save()
            out = project_out(await find_project(row.id))
            await audit.record(actor, "create", "project", out.id, after=out)
        return out

    async def update_project(self, actor: Actor, ref: str, data: s.ProjectPatch) -> s.ProjectOut:
        """Publish or withdraw the project's public story archive; audited."""
        _require_admin(actor)
        async with write_transaction():
            before = project_out(await find_project(ref))
            await Project.update({Project.archive: data.archive}).where(Project.id == before.id)
            out = project_out(await find_project(before.id))
            await audit.record(actor, "update", "project", out.id, before=before, after=out)
        return out

    async def get_project(self, ref: str) -> s.ProjectOut:
        return project_out(await find_project(ref))

    async def list_projects(self) -> list[s.ProjectOut]:
        rows = await Project.select().output(load_json=True).order_by(Project.id)
        return [project_out(row) for row in rows]

    async def project_names(self, slugs: list[str]) -> dict[str, str]:
        """`{slug: name}` of the given projects, in name order: pages show names, forms post
        slugs."""
        rows = await Project.select(Project.slug, Project.name).where(
            Project.slug.is_in(list(slugs) or [""])
        )
        return dict(sorted(((r["slug"], r["name"]) for r in rows), key=lambda item: item[1]))

    # ------------------------------------------------------------------ sites

    async def create_site(self, actor: Actor, data: s.SiteIn) -> s.SiteOut:
        _require_admin(actor)
        data = nfc(data)
        check = Checker()
        country = check.country("country", data.country)
        languages = [check.language(f"languages.{i}", tag) for i, tag in enumerate(data.languages)]
        check.raise_if_any()
        async with write_transaction():
            project = await find_project(data.project)
            if await Site.exists().where(Site.slug == data.slug):
                raise Conflict(
                    _("The slug is taken."),
                    [
                        FieldError(
                            "slug", _("A site “{slug}” already exists.").format(slug=data.slug)
                        )
                    ],
                )
            row = Site(
                project=project["id"],
                slug=data.slug,
                name=data.name,
                country=country,
                languages=languages,
                reference_shares=data.reference_shares,
            )
            await row.save()
            out = await self.get_site(actor, row.id)
            await audit.record(actor, "create", "site", out.id, after=out)
        return out

    async def get_site(self, actor: Actor, ref: str | int) -> s.SiteOut:
        return site_out(await find_site(actor, ref))

    async def list_sites(self, actor: Actor, project: str | None = None) -> list[s.SiteOut]:
        query = Site.select(*_SITE_COLUMNS).output(load_json=True).order_by(Site.id)
        if project:
            query = query.where(Site.project == (await find_project(project))["id"])
        if actor.site_ids is not None:
            query = query.where(Site.id.is_in(list(actor.site_ids) or [-1]))
        return [site_out(row) for row in await query]

    # ------------------------------------------------------------------ themes

    async def _theme_keys(self, project_id: int) -> dict[int, str]:
        rows = await Theme.select(Theme.id, Theme.key).where(Theme.project == project_id)
        return {row["id"]: row["key"] for row in rows}

    async def create_theme(self, actor: Actor, data: s.ThemeIn) -> s.ThemeOut:
        require_codebook_editor(actor)
        data = nfc(data)
        check = Checker()
        labels = check.label_map("labels", data.labels)
        descriptions = check.label_map("descriptions", data.descriptions)
        check.raise_if_any()
        async with write_transaction():
            project = await find_project(data.project)
            keys = await self._theme_keys(project["id"])
            ids = {key: id_ for id_, key in keys.items()}
            if data.key in ids:
                raise Conflict(
                    _("The key is taken."),
                    [
                        FieldError(
                            "key",
                            _("The codebook already has a theme “{key}”.").format(key=data.key),
                        )
                    ],
                )
            parent_id = None
            if data.parent is not None:
                if data.parent not in ids:
                    raise InvalidInput(
                        _("The request has invalid fields."),
                        [
                            FieldError(
                                "parent",
                                _("No theme “{key}” in this codebook.").format(key=data.parent),
                            )
                        ],
                    )
                parent_id = ids[data.parent]
            row = Theme(
                project=project["id"],
                key=data.key,
                kind=data.kind,
                parent=parent_id,
                labels=labels,
                descriptions=descriptions,
                position=len(keys),
            )
            await row.save()
            out = await self.get_theme(project["slug"], data.key)
            await audit.record(actor, "create", "theme", out.id, after=out)
        return out

    async def _theme_row(self, project_ref: str, key: str) -> tuple[dict[str, Any], dict[int, str]]:
        project = await find_project(project_ref)
        row = (
            await Theme.select(*_THEME_COLUMNS)
            .output(load_json=True)
            .where((Theme.project == project["id"]) & (Theme.key == key))
            .first()
        )
        if row is None:
            raise NotFound(
                _("No such theme."), [FieldError("key", _("No theme “{key}”.").format(key=key))]
            )
        return row, await self._theme_keys(project["id"])

    async def get_theme(self, project_ref: str, key: str) -> s.ThemeOut:
        row, keys = await self._theme_row(project_ref, key)
        return theme_out(row, keys)

    async def get_theme_by_id(self, theme_id: int) -> s.ThemeOut:
        row = await Theme.select(Theme.key, Theme.project).where(Theme.id == theme_id).first()
        if row is None:
            raise NotFound(_("No such theme."))
        return await self.get_theme(str(row["project"]), row["key"])

    async def list_themes(self, project_ref: str) -> list[s.ThemeOut]:
        project = await find_project(project_ref)
        rows = (
            await Theme.select(*_THEME_COLUMNS)
            .output(load_json=True)
            .where(Theme.project == project["id"])
            .order_by(Theme.position)
            .order_by(Theme.id)
        )
        keys = {row["id"]: row["key"] for row in rows}
        return [theme_out(row, keys) for row in rows]

    async def _refuse_circle(self, theme_id: int, parent_id: int, parent_key: str) -> None:
        """A theme may not be nested under itself or under one of its own sub-themes."""
        project = await Theme.select(Theme.project).where(Theme.id == theme_id).first()
        parents = {
            row["id"]: row["parent"]
            for row in await Theme.select(Theme.id, Theme.parent).where(
                Theme.project == project["project"]
            )
        }
        current: int | None = parent_id
        while current is not None:
            if current == theme_id:
                raise InvalidInput(
                    _("The request has invalid fields."),
                    [
                        FieldError(
                            "parent",
                            _(
                                "“{key}” is nested under this theme; it cannot be its parent."
                            ).format(key=parent_key),
                        )
                    ],
                )
            current = parents.get(current)

    async def update_theme(
        self, actor: Actor, project_ref: str, key: str, data: s.ThemePatch
    ) -> s.ThemeOut:
        require_codebook_editor(actor)
        data = nfc(data)
        check = Checker()
        changes: dict[Any, Any] = {}
        if data.labels is not msgspec.UNSET:
            changes[Theme.labels] = check.label_map("labels", data.labels)
        if data.descriptions is not msgspec.UNSET:
            changes[Theme.descriptions] = check.label_map("descriptions", data.descriptions)
        if data.kind is not msgspec.UNSET:
            changes[Theme.kind] = data.kind
        check.raise_if_any()
        async with write_transaction():
            row, keys = await self._theme_row(project_ref, key)
            before = theme_out(row, keys)
            if data.parent is not msgspec.UNSET:
                ids = {k: i for i, k in keys.items()}
                if data.parent is not None and (data.parent not in ids or data.parent == key):
                    raise InvalidInput(
                        _("The request has invalid fields."),
                        [
                            FieldError(
                                "parent",
                                _("No theme “{key}” in this codebook.").format(key=data.parent),
                            )
                        ],
                    )
                if data.parent is not None:
                    await self._refuse_circle(row["id"], ids[data.parent], data.parent)
                changes[Theme.parent] = ids[data.parent] if data.parent else None
            if changes:
                await Theme.update(changes).where(Theme.id == row["id"])
            out = await self.get_theme(project_ref, key)
            await audit.record(actor, "update", "theme", out.id, before=before, after=out)
        return out
