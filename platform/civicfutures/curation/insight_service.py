"""Insights: findings with their themes, outcomes and evidence excerpts, versioned for safe edits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import msgspec
from piccolo.columns import ForeignKey

from civicfutures import audit
from civicfutures.auth.actor import Actor
from civicfutures.consent import story_consent
from civicfutures.curation import schemas as c
from civicfutures.curation.access import (
    is_curator,
    readable_condition,
    reads_insight,
    writes_insight,
)
from civicfutures.curation.offsets import check_span
from civicfutures.db.tables import (
    Evidence,
    Insight,
    InsightOutcome,
    InsightTheme,
    Outcome,
    Site,
    Story,
    Theme,
)
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import (
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from civicfutures.i18n import gettext as _
from civicfutures.intake.setup_service import find_project, find_site
from civicfutures.intake.validation import Checker, nfc


def parse_if_match(header: str | None) -> int:
    """`If-Match: 3`, `"3"` or `W/"3"` → 3; absent → 428 so no edit silently overwrites another."""
    if header is None:
        raise PreconditionRequired(
            _("Send the insight's version in If-Match."),
            [FieldError("If-Match", _("Send the version you edited in the If-Match header."))],
        )
    value = header.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput(
            _("The request has invalid fields."),
            [
                FieldError(
                    "If-Match", _("If-Match must hold the insight's version, a whole number.")
                )
            ],
        )
    return int(value)


def _stale(version: int, sent: int) -> PreconditionFailed:
    return PreconditionFailed(
        _(
            "The insight was changed by someone else (now version {version}); reload it and edit again."
        ).format(version=version),
        [FieldError("If-Match", _("Version {sent} is no longer current.").format(sent=sent))],
    )


def _no_insight(insight_id: int, field: str = "id") -> NotFound:
    return NotFound(
        _("No such insight."),
        [FieldError(field, _("No insight {id}.").format(id=insight_id))],
    )


@dataclass(frozen=True)
class InsightFilters:
    """List filters; every field optional except the project."""

    project: str
    site: str | None = None
    status: str | None = None
    theme: str | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class _Links:
    """An insight's links to codebook entries (themes or outcomes), all kept in one link table."""

    table: type[InsightTheme] | type[InsightOutcome]
    entries: type[Theme] | type[Outcome]
    column: ForeignKey  # the link table's column naming the entry

    async def keys(self, insight_ids: list[int]) -> dict[int, list[str]]:
        """The linked entries' keys of each insight, in codebook order."""
        keys: dict[int, list[str]] = {i: [] for i in insight_ids}
        for item in (
            await self.table.select(self.table.insight, self.column.key.as_alias("key"))
            .where(self.table.insight.is_in(insight_ids))
            .order_by(self.column.position)
            .order_by(self.column)
        ):
            keys[item["insight"]].append(item["key"])
        return keys

    async def insights_with(self, key: str) -> list[int]:
        """The insights linked to the entry with this key."""
        linked = await self.table.select(self.table.insight).where(self.column.key == key)
        return [row["insight"] for row in linked]

    async def resolve(
        self, check: Checker, field: str, project_id: int, keys: list[str], unknown: str
    ) -> list[int]:
        """The ids of the entries named by `keys`; `unknown` (with `{key}`) for each missing one."""
        found = {
            row["key"]: row["id"]
            for row in await self.entries.select(self.entries.id, self.entries.key).where(
                (self.entries.project == project_id)
                & self.entries.key.is_in(sorted(set(keys)) or ["-"])
            )
        }
        for index, key in enumerate(keys):
            if key not in found:
                check.add(f"{field}.{index}", unknown.format(key=key))
        return list(dict.fromkeys(found[k] for k in keys if k in found))

    async def replace(self, insight_id: int, entry_ids: list[int]) -> None:
        await self.table.delete().where(self.table.insight == insight_id)
        if entry_ids:
            name = self.column._meta.name
            await self.table.insert(
                *[self.table(insight=insight_id, **{name: entry}) for entry in entry_ids]
            )


_THEMES = _Links(InsightTheme, Theme, InsightTheme.theme)
_OUTCOMES = _Links(InsightOutcome, Outcome, InsightOutcome.outcome)


@dataclass
class _Resolved:
    """Checked references of an insight write, ready to store."""

    theme_ids: list[int] | None = None
    outcome_ids: list[int] | None = None
    evidence: list[dict[str, Any]] | None = None


_COLUMNS = (Insight.all_columns(), Insight.project.slug, Insight.site.slug, Insight.author.email)


class InsightService:
    # ------------------------------------------------------------------ reading

    async def _row(self, actor: Actor, insight_id: int, field: str = "id") -> dict[str, Any]:
        row = (
            await Insight.select(*_COLUMNS)
            .output(load_json=True)
            .where(Insight.id == insight_id)
            .first()
        )
        if row is None or not reads_insight(actor, row["site"]):
            raise _no_insight(insight_id, field)
        return row

    async def _writable_row(self, actor: Actor, insight_id: int) -> dict[str, Any]:
        """The insight's row when the actor may change it; agreed ones only authors may."""
        row = await self._row(actor, insight_id)
        if not writes_insight(actor, row["site"]):
            raise Forbidden(_("You may read this insight but not change it."))
        if row["status"] == "agreed" and not is_curator(actor):
            raise Forbidden(_("Only authors can change an agreed insight."))
        return row

    async def assemble(self, rows: list[dict[str, Any]]) -> list[c.InsightOut]:
        """Insights with their themes, outcomes and evidence, in four queries for any number.

        Evidence whose storytellers no longer all allow research use is counted in
        `evidence_withdrawn` and its text left out.
        """
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        themes = await _THEMES.keys(ids)
        outcomes = await _OUTCOMES.keys(ids)
        evidence_rows = (
            await Evidence.select(
                Evidence.all_columns(), Evidence.story.site.slug, Evidence.story.language
            )
            .output(load_json=True)
            .where(Evidence.insight.is_in(ids))
            .order_by(Evidence.id)
        )
        consent = await story_consent(row["story"] for row in evidence_rows)
        evidence: dict[int, list[c.EvidenceOut]] = {i: [] for i in ids}
        withdrawn: dict[int, int] = dict.fromkeys(ids, 0)
        for item in evidence_rows:
            allowed = consent[item["story"]]
            if not allowed.research:
                withdrawn[item["insight"]] += 1
                continue
            evidence[item["insight"]].append(
                c.EvidenceOut(
                    id=item["id"],
                    story=item["story"],
                    site=item["story.site.slug"],
                    language=item["story.language"],
                    start=item["start_offset"],
                    end=item["end_offset"],
                    excerpt=item["excerpt"],
                    quotable=item["quotable"],
                    quote_consent=allowed.quote,
                    translations=dict(item["translations"] or {}),
                )
            )
        return [
            c.InsightOut(
                id=row["id"],
                version=row["version"],
                project=row["project.slug"],
                site=row["site.slug"],
                language=row["language"],
                title=dict(row["title"] or {}),
                summary=dict(row["summary"] or {}),
                status=row["status"],
                author=row["author.email"],
                themes=themes[row["id"]],
                outcomes=outcomes[row["id"]],
                evidence=evidence[row["id"]],
                evidence_withdrawn=withdrawn[row["id"]],
                created_at=row["created_at"],
                updated_at=row["updated_at"],
            )
            for row in rows
        ]

    async def get(self, actor: Actor, insight_id: int) -> c.InsightOut:
        return (await self.assemble([await self._row(actor, insight_id)]))[0]

    async def list(self, actor: Actor, filters: InsightFilters) -> list[c.InsightOut]:
        """The insights of a project the actor reads, newest change first."""
        project = await find_project(filters.project)
        query = (
            Insight.select(*_COLUMNS)
            .output(load_json=True)
            .where(Insight.project == project["id"])
            .order_by(Insight.updated_at, ascending=False)
            .order_by(Insight.id, ascending=False)
        )
        limit = readable_condition(actor, Insight.site)
        if limit is not None:
            query = query.where(limit)
        if filters.site:
            site = await Site.select(Site.id).where(Site.slug == filters.site).first()
            # Another partner's site filters to nothing, exactly like an unknown slug.
            query = query.where(Insight.site == (site["id"] if site else -1))
        if filters.status:
            query = query.where(Insight.status == filters.status)
        for links, key in ((_THEMES, filters.theme), (_OUTCOMES, filters.outcome)):
            if key:
                query = query.where(Insight.id.is_in(await links.insights_with(key) or [-1]))
        return await self.assemble(await query)

    # ------------------------------------------------------------------ writing

    async def _resolve(
        self,
        actor: Actor,
        check: Checker,
        project_id: int,
        site_id: int | None,
        themes: list[str] | None,
        outcomes: list[str] | None,
        evidence: list[c.EvidenceIn] | None,
    ) -> _Resolved:
        """Check theme and outcome keys and every excerpt; a story the actor cannot see is a 404."""
        resolved = _Resolved()
        if themes is not None:
            resolved.theme_ids = await _THEMES.resolve(
                check, "themes", project_id, themes, _("No theme “{key}” in this codebook.")
            )
        if outcomes is not None:
            resolved.outcome_ids = await _OUTCOMES.resolve(
                check,
                "outcomes",
                project_id,
                outcomes,
                _("No outcome “{key}” in this Theory of Change."),
            )
        if evidence is not None:
            resolved.evidence = await self._check_evidence(
                actor, check, project_id, site_id, evidence
            )
        return resolved

    async def _check_evidence(
        self,
        actor: Actor,
        check: Checker,
        project_id: int,
        site_id: int | None,
        evidence: list[c.EvidenceIn],
    ) -> list[dict[str, Any]]:
        """Evidence rows to insert (without their insight), or field errors in `check`."""
        story_ids = sorted({item.story for item in evidence})
        stories = {
            row["id"]: row
            for row in await Story.select(
                Story.id, Story.site, Story.body, Story.site.project
            ).where(Story.id.is_in(story_ids or [-1]))
        }
        for index, item in enumerate(evidence):
            story = stories.get(item.story)
            if story is None or not actor.sees_site(story["site"]):
                raise NotFound(
                    _("No such story."),
                    [
                        FieldError(
                            f"evidence.{index}.story", _("No story {id}.").format(id=item.story)
                        )
                    ],
                )
        consent = await story_consent(story_ids)
        rows: list[dict[str, Any]] = []
        seen: set[tuple[int, int, int]] = set()
        for index, item in enumerate(evidence):
            field = f"evidence.{index}"
            story = stories[item.story]
            if story["site.project"] != project_id:
                check.add(f"{field}.story", _("This story belongs to another project."))
                continue
            if site_id is not None and story["site"] != site_id:
                check.add(
                    f"{field}.story",
                    _("This story was told at another site than the insight's."),
                )
                continue
            if not consent[item.story].research:
                check.add(
                    f"{field}.story",
                    _(
                        "This story cannot be cited: not all of its storytellers consent to research use."
                    ),
                )
                continue
            if (item.story, item.start, item.end) in seen:
                check.add(field, _("This excerpt is cited twice."))
                continue
            seen.add((item.story, item.start, item.end))
            translations = {
                check.language(f"{field}.translations.{tag}", tag): text.strip()
                for tag, text in item.translations.items()
                if text.strip()
            }
            if check_span(check, field, story["body"], item.start, item.end):
                rows.append(
                    {
                        "story": item.story,
                        "start_offset": item.start,
                        "end_offset": item.end,
                        "excerpt": story["body"][item.start : item.end],
                        "quotable": item.quotable,
                        "translations": translations,
                    }
                )
        return rows

    async def _write_links(self, insight_id: int, resolved: _Resolved) -> None:
        if resolved.theme_ids is not None:
            await _THEMES.replace(insight_id, resolved.theme_ids)
        if resolved.outcome_ids is not None:
            await _OUTCOMES.replace(insight_id, resolved.outcome_ids)
        if resolved.evidence is not None:
            # Excerpts hidden by a withdrawal stay stored (and counted): they are the
            # storyteller's to restore, not a client's to drop by re-sending a list.
            current = await Evidence.select(Evidence.id, Evidence.story).where(
                Evidence.insight == insight_id
            )
            consent = await story_consent(row["story"] for row in current)
            visible = [row["id"] for row in current if consent[row["story"]].research]
            if visible:
                await Evidence.delete().where(Evidence.id.is_in(visible))
            if resolved.evidence:
                await Evidence.insert(
                    *[Evidence(insight=insight_id, **row) for row in resolved.evidence]
                )

    def _texts(
        self, check: Checker, title: dict[str, str], summary: dict[str, str], language: str | None
    ) -> tuple[dict[str, str], dict[str, str], str]:
        """Canonical title and summary maps, and the insight's own language (first title's if unset)."""
        titles = check.label_map("title", title)
        summaries = check.label_map("summary", summary)
        canonical = check.language("language", language) if language else None
        if not titles:
            check.add("title", _("Give the insight a title."))
            return titles, summaries, canonical or ""
        canonical = canonical or next(iter(titles))
        if canonical not in titles:
            check.add(
                f"title.{canonical}",
                _("Give the title in the insight's own language ({language}).").format(
                    language=canonical
                ),
            )
        return titles, summaries, canonical

    def _check_status(self, actor: Actor, check: Checker, status: str, evidence_count: int) -> None:
        if status == "agreed" and not is_curator(actor):
            raise Forbidden(_("Only authors can agree an insight."))
        if status == "agreed" and evidence_count == 0:
            check.add("status", _("An agreed insight needs at least one excerpt as evidence."))

    async def create(self, actor: Actor, data: c.InsightIn) -> c.InsightOut:
        data = nfc(data)
        check = Checker()
        titles, summaries, language = self._texts(check, data.title, data.summary, data.language)
        async with write_transaction():
            project = await find_project(data.project)
            site_id = None
            if data.site is not None:
                site = await find_site(actor, data.site)
                if site["project"] != project["id"]:
                    check.add("site", _("This site belongs to another project."))
                site_id = site["id"]
            if not writes_insight(actor, site_id):
                raise Forbidden(_("Partners write insights for their own sites only."))
            resolved = await self._resolve(
                actor, check, project["id"], site_id, data.themes, data.outcomes, data.evidence
            )
            self._check_status(actor, check, data.status, len(resolved.evidence or []))
            check.raise_if_any()
            now = dt.datetime.now(dt.UTC)
            row = Insight(
                project=project["id"],
                site=site_id,
                language=language,
                title=titles,
                summary=summaries,
                status=data.status,
                author=actor.user_id,
                version=1,
                created_at=now,
                updated_at=now,
            )
            await row.save()
            await self._write_links(row.id, resolved)
            out = await self.get(actor, row.id)
            await audit.record(actor, "create", "insight", out.id, after=out)
        return out

    async def update(
        self, actor: Actor, insight_id: int, data: c.InsightPatch, if_match: str | None
    ) -> c.InsightOut:
        """Apply a partial edit when `If-Match` names the current version; 412 when stale."""
        expected = parse_if_match(if_match)
        data = nfc(data)
        check = Checker()
        async with write_transaction():
            row = await self._writable_row(actor, insight_id)
            if row["version"] != expected:
                raise _stale(row["version"], expected)
            before = (await self.assemble([row]))[0]
            site_id = row["site"]
            if data.site is not msgspec.UNSET and data.site != row["site.slug"]:
                site_id = None
                if data.site is not None:
                    site = await find_site(actor, data.site)
                    if site["project"] != row["project"]:
                        check.add("site", _("This site belongs to another project."))
                    site_id = site["id"]
                if not writes_insight(actor, site_id):
                    raise Forbidden(_("Partners write insights for their own sites only."))
                if (
                    data.evidence is msgspec.UNSET
                    and site_id is not None
                    and any(e.site != data.site for e in before.evidence)
                ):
                    check.add("site", _("Some evidence comes from another site than this one."))
            titles, summaries, language = self._texts(
                check,
                before.title if data.title is msgspec.UNSET else data.title,
                before.summary if data.summary is msgspec.UNSET else data.summary,
                before.language if data.language is msgspec.UNSET else data.language,
            )
            resolved = await self._resolve(
                actor,
                check,
                row["project"],
                site_id,
                None if data.themes is msgspec.UNSET else data.themes,
                None if data.outcomes is msgspec.UNSET else data.outcomes,
                None if data.evidence is msgspec.UNSET else data.evidence,
            )
            status = row["status"] if data.status is msgspec.UNSET else data.status
            evidence_count = (
                len(before.evidence) if resolved.evidence is None else len(resolved.evidence)
            )
            self._check_status(actor, check, status, evidence_count)
            check.raise_if_any()
            updated = (
                await Insight.update(
                    {
                        Insight.site: site_id,
                        Insight.language: language,
                        Insight.title: titles,
                        Insight.summary: summaries,
                        Insight.status: status,
                        Insight.version: Insight.version + 1,
                        Insight.updated_at: dt.datetime.now(dt.UTC),
                    }
                )
                .where((Insight.id == insight_id) & (Insight.version == expected))
                .returning(Insight.id)
            )
            if not updated:
                raise _stale(expected + 1, expected)
            await self._write_links(insight_id, resolved)
            out = await self.get(actor, insight_id)
            await audit.record(actor, "update", "insight", insight_id, before=before, after=out)
        return out

    async def delete(self, actor: Actor, insight_id: int) -> None:
        """Remove an insight with its links and evidence; agreed ones only by authors."""
        async with write_transaction():
            row = await self._writable_row(actor, insight_id)
            before = (await self.assemble([row]))[0]
            await Insight.delete().where(Insight.id == insight_id)
            await audit.record(actor, "delete", "insight", insight_id, before=before)
