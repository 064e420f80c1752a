"""The public story archive: published projects and the stories anyone may read in them.

Every story read here goes through the consent rule as the `VISITOR` actor
(`consent.readable_stories`): reviewed stories whose every storyteller holds `archive` consent
now. Every read here is fresh; the pages keep what they rendered only for the archive version
it was rendered at (`archive.cache`), so a withdrawal, an unpublished story or an erasure
shows at once in every process. What leaves this module is only what a visitor may see: never a storyteller,
demographics, coders or offsets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from civicfutures.auth.actor import VISITOR
from civicfutures.consent import readable_stories
from civicfutures.db.tables import Coding, Project, Site, Story, Theme, Translation
from civicfutures.errors import FieldError, Gone, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.i18n.labels import LabelContext
from civicfutures.intake.story_service import StoryFilters
from civicfutures.search.schemas import SearchPage
from civicfutures.search.service import SearchService

PUBLISHED = "published"
FEED_SIZE = 50
# Stories listed in the sitemaps (each once per page language, 50,000 addresses a sitemap).
SITEMAP_STORIES = 100_000


@dataclass(frozen=True)
class PublicProject:
    id: int
    slug: str
    name: str
    default_language: str


@dataclass(frozen=True)
class PublicFilters:
    """What a visitor may narrow an archive by."""

    site: str | None = None
    country: str | None = None
    theme: str | None = None
    kind: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class PublicTranslation:
    language: str
    title: str
    body: str
    by: str
    reviewed: bool


@dataclass(frozen=True)
class PublicTheme:
    key: str
    label: str
    # The language of the label when it is not the interface's own (after a fallback).
    language: str | None


@dataclass(frozen=True)
class PublicStory:
    id: int
    project: str
    title: str
    body: str
    language: str
    kind: str
    horizon_year: int | None
    site: str
    site_name: str
    country: str
    workshop_date: dt.date
    workshop_kind: str
    updated_at: dt.datetime
    translations: list[PublicTranslation] = field(default_factory=list)
    themes: list[PublicTheme] = field(default_factory=list)


@dataclass(frozen=True)
class SitemapEntry:
    project: str
    story: int | None
    updated_at: dt.datetime | None


def _no_project(slug: str) -> NotFound:
    return NotFound(
        _("No such story archive."),
        [FieldError("project", _("No published story archive “{ref}”.").format(ref=slug))],
    )


def story_gone(story_id: int) -> Gone:
    """The 410 of a story that is not (or no longer) public."""
    return Gone(
        _("This story is no longer in the archive."),
        [
            FieldError(
                "id",
                _(
                    "Story {id} is not public: its storytellers withdrew their consent, or it "
                    "was taken out of the archive."
                ).format(id=story_id),
            )
        ],
    )


def _project(row: dict) -> PublicProject:
    return PublicProject(row["id"], row["slug"], row["name"], row["default_language"])


_STORY_COLUMNS = (
    Story.id,
    Story.title,
    Story.body,
    Story.language,
    Story.kind,
    Story.horizon_year,
    Story.updated_at,
    Story.site.slug,
    Story.site.name,
    Story.site.country,
    Story.workshop.held_on,
    Story.workshop.kind,
)


class ArchiveService:
    async def published(self) -> list[PublicProject]:
        """The projects whose archive anyone may read, by name."""
        rows = (
            await Project.select(Project.id, Project.slug, Project.name, Project.default_language)
            .where(Project.archive == PUBLISHED)
            .order_by(Project.name)
        )
        return [_project(row) for row in rows]

    async def project(self, slug: str) -> PublicProject:
        """A published project, else 404: an unpublished archive is as absent as a missing one."""
        row = (
            await Project.select(Project.id, Project.slug, Project.name, Project.default_language)
            .where((Project.slug == slug) & (Project.archive == PUBLISHED))
            .first()
        )
        if row is None:
            raise _no_project(slug)
        return _project(row)

    async def search(
        self, project: PublicProject, q: str, filters: PublicFilters, limit: int, offset: int
    ) -> SearchPage:
        """The archive's stories matching `q` (all of them, newest first, when `q` is empty),
        through the same index and facets as the signed-in search; each word of `q` also
        finds the words it begins, whatever their diacritics."""
        return await SearchService().search(
            VISITOR,
            q,
            StoryFilters(
                project=project.slug,
                site=filters.site,
                country=filters.country,
                theme=filters.theme,
                kind=filters.kind,
                language=filters.language,
            ),
            limit,
            offset,
            browse=True,
            prefix=True,
        )

    async def story(self, project: PublicProject, story_id: int, lang: str) -> PublicStory:
        """One public story with its translations and themes (labels in `lang`), else 410."""
        stories = await self._stories(project, [Story.id == story_id], lang, limit=1)
        if not stories:
            raise story_gone(story_id)
        return stories[0]

    async def recent(
        self, project: PublicProject, lang: str, site: str | None = None, theme: str | None = None
    ) -> list[PublicStory]:
        """The newest changed public stories of the project, of one site or theme if given."""
        conditions = []
        if site:
            conditions.append(Story.site.slug == site)
        if theme:
            conditions.append(
                Story.id.is_in(
                    Coding.select(Coding.story).where(
                        (Coding.theme.key == theme) & (Coding.theme.project == project.id)
                    )
                )
            )
        return await self._stories(project, conditions, lang, limit=FEED_SIZE)

    async def sitemap(self) -> list[SitemapEntry]:
        """Every published archive's list page and public story pages."""
        projects = await self.published()
        entries = [SitemapEntry(p.slug, None, None) for p in projects]
        if not projects:
            return entries
        slugs = {p.id: p.slug for p in projects}
        rows = (
            await Story.select(Story.id, Story.updated_at, Story.site.project)
            .where(readable_stories(VISITOR), Story.site.project.is_in(sorted(slugs)))
            .order_by(Story.id)
            .limit(SITEMAP_STORIES)
        )
        entries += [
            SitemapEntry(slugs[row["site.project"]], row["id"], row["updated_at"]) for row in rows
        ]
        return entries

    async def _stories(
        self, project: PublicProject, conditions: list, lang: str, limit: int
    ) -> list[PublicStory]:
        query = (
            Story.select(*_STORY_COLUMNS)
            .where(readable_stories(VISITOR), Story.site.project == project.id)
            .order_by(Story.updated_at, ascending=False)
            .order_by(Story.id, ascending=False)
            .limit(limit)
        )
        for condition in conditions:
            query = query.where(condition)
        rows = await query
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        translations: dict[int, list[PublicTranslation]] = {i: [] for i in ids}
        for item in (
            await Translation.select(
                Translation.story,
                Translation.language,
                Translation.title,
                Translation.body,
                Translation.origin,
                Translation.reviewed,
            )
            .where(Translation.story.is_in(ids))
            .order_by(Translation.language)
        ):
            translations[item["story"]].append(
                PublicTranslation(
                    item["language"], item["title"], item["body"], item["origin"], item["reviewed"]
                )
            )
        themes = await self._themes(project, ids, lang)
        return [
            PublicStory(
                id=row["id"],
                project=project.slug,
                title=row["title"],
                body=row["body"],
                language=row["language"],
                kind=row["kind"],
                horizon_year=row["horizon_year"],
                site=row["site.slug"],
                site_name=row["site.name"],
                country=row["site.country"],
                workshop_date=row["workshop.held_on"],
                workshop_kind=row["workshop.kind"],
                updated_at=row["updated_at"],
                translations=translations[row["id"]],
                themes=themes.get(row["id"], []),
            )
            for row in rows
        ]

    async def _themes(
        self, project: PublicProject, ids: list[int], lang: str
    ) -> dict[int, list[PublicTheme]]:
        """The themes coded on each story, once each, in codebook order, named in `lang`."""
        rows = (
            await Coding.select(
                Coding.story, Coding.theme.key, Coding.theme.labels, Coding.theme.position
            )
            .output(load_json=True)
            .where(Coding.story.is_in(ids))
            .order_by(Coding.theme.position)
            .order_by(Coding.theme.id)
        )
        context = LabelContext(tag=lang, project_default=project.default_language)
        found: dict[int, dict[str, PublicTheme]] = {}
        for row in rows:
            label = context.label(row["theme.labels"], row["theme.key"])
            found.setdefault(row["story"], {}).setdefault(
                row["theme.key"],
                PublicTheme(row["theme.key"], label.text, context.foreign(label)),
            )
        return {story: list(themes.values()) for story, themes in found.items()}

    async def theme_labels(self, project: PublicProject, lang: str) -> dict[str, str]:
        """Every theme of the project named in `lang` (for the filters)."""
        context = LabelContext(tag=lang, project_default=project.default_language)
        rows = (
            await Theme.select(Theme.key, Theme.labels)
            .output(load_json=True)
            .where(Theme.project == project.id)
        )
        return {row["key"]: context.label(row["labels"], row["key"]).text for row in rows}

    async def site_names(self, project: PublicProject) -> dict[str, str]:
        rows = await Site.select(Site.slug, Site.name).where(Site.project == project.id)
        return {row["slug"]: row["name"] for row in rows}
