"""The story filters of a page's query string, read once for every page that lists stories.

The search page and the cross-site story list read the same names (`project`, `site`,
`country`, `kind`, `language`, `theme`, `status`, `workshop`, `from`, `to`, `page`) into the
`StoryFilters` the API uses; a value that cannot be read is a message for its field, never a
server error. `filter_labels` names the chosen or offered values in the page's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from civicfutures.auth.actor import Actor
from civicfutures.db.kept import KeptByVersion
from civicfutures.db.tables import Site, Theme, Workshop
from civicfutures.db.version import data_version
from civicfutures.forms.definitions import language_choices, status_label, story_kind_label
from civicfutures.i18n import current_locale
from civicfutures.i18n import gettext as _
from civicfutures.intake.schemas import SiteOut
from civicfutures.intake.setup_service import SetupService
from civicfutures.intake.story_service import StoryFilters

# Filters read as plain text, in the order pages show them.
TEXT_FILTERS = ("project", "site", "country", "kind", "language", "theme", "status")
FILTERS = (*TEXT_FILTERS, "workshop", "from", "to")
# Identifiers are 32-bit integer columns on both engines: a larger number names nothing.
ID_MAX = 2_147_483_647
# Page numbers are bounded so that the offset stays a small number for the database.
PAGE_NUMBER_MAX = 999_999


@dataclass(frozen=True)
class StoryQuery:
    """A query string read: the filters, the page number, the raw values to show back, and
    a message per field that could not be read."""

    filters: StoryFilters
    page: int
    raw: dict[str, str]
    problems: dict[str, str]

    def kept(self, *drop: str) -> dict[str, str]:
        """The non-empty raw values, for links that keep the filters."""
        return {k: v for k, v in self.raw.items() if v and k not in drop}


def _whole_number(text: str, largest: int) -> int | None:
    if text.isascii() and text.isdigit() and len(text) <= len(str(largest)):
        number = int(text)
        if 1 <= number <= largest:
            return number
    return None


def read_story_query(query: Any, extra: Iterable[str] = ()) -> StoryQuery:
    """The filters and page of a query string (`extra` names are kept raw, e.g. `q`)."""
    raw = {name: (query.get(name) or "").strip() for name in (*FILTERS, "page", *extra)}
    problems: dict[str, str] = {}
    dates: dict[str, dt.date | None] = {}
    for name in ("from", "to"):
        try:
            dates[name] = dt.date.fromisoformat(raw[name]) if raw[name] else None
        except ValueError:
            dates[name] = None
            problems[name] = _("Enter a date as YYYY-MM-DD.")
    workshop = None
    if raw["workshop"]:
        workshop = _whole_number(raw["workshop"], ID_MAX)
        if workshop is None:
            problems["workshop"] = _("Choose a workshop from the list.")
    number = 1
    if raw["page"]:
        found = _whole_number(raw["page"], PAGE_NUMBER_MAX)
        if found is None:
            problems["page"] = _("Enter a page number.")
        else:
            number = found
    filters = StoryFilters(
        **{name: raw[name] or None for name in TEXT_FILTERS},
        workshop=workshop,
        date_from=dates["from"],
        date_to=dates["to"],
    )
    return StoryQuery(filters, number, raw, problems)


# Names of filter values per (language, values) and data version: a search page or a list page
# asked again before any write names its facets without reading sites, themes and workshops.
_LABELS: KeptByVersion[dict[str, dict[str, str]]] = KeptByVersion(capacity=512)


async def filter_labels(lang: str, values: dict[str, Iterable[Any]]) -> dict[str, dict[str, str]]:
    """What to call each value of the `site`, `theme`, `workshop`, `kind` and `status` filters
    on a page in `lang`; values without a name (unknown ones) are left out. Read only."""
    values = {name: list(found) for name, found in values.items()}
    version = await data_version()
    key = (
        lang,
        current_locale(),
        tuple(
            sorted((name, tuple(sorted({str(v) for v in found}))) for name, found in values.items())
        ),
    )
    return await _LABELS.get_or_derive(key, version, lambda: _read_filter_labels(lang, values))


async def _read_filter_labels(
    lang: str, values: dict[str, Iterable[Any]]
) -> dict[str, dict[str, str]]:
    sites = {str(v) for v in values.get("site", ())}
    themes = {str(v) for v in values.get("theme", ())}
    workshops = {int(v) for v in values.get("workshop", ()) if str(v).isdigit()}
    labels: dict[str, dict[str, str]] = {
        "kind": {str(v): story_kind_label(str(v)) for v in values.get("kind", ())},
        "status": {str(v): status_label(str(v)) for v in values.get("status", ())},
        "site": {},
        "theme": {},
        "workshop": {},
    }
    if sites:
        for row in await Site.select(Site.slug, Site.name).where(Site.slug.is_in(sorted(sites))):
            labels["site"][row["slug"]] = row["name"]
    if themes:
        rows = (
            await Theme.select(Theme.key, Theme.labels)
            .output(load_json=True)
            .where(Theme.key.is_in(sorted(themes)))
        )
        for row in rows:
            names = row["labels"] or {}
            labels["theme"][row["key"]] = names.get(lang) or names.get("en") or row["key"]
    if workshops:
        for row in await Workshop.select(Workshop.id, Workshop.held_on, Workshop.site.name).where(
            Workshop.id.is_in(sorted(workshops))
        ):
            labels["workshop"][str(row["id"])] = f"{row['site.name']} · {row['held_on']}"
    return labels


@dataclass(frozen=True)
class FilterChoices:
    """What each filter offers an account: values and their names in the page's language."""

    options: dict[str, list[tuple[str, str]]]
    sites: dict[str, SiteOut]

    def unknown(self, raw: dict[str, str]) -> dict[str, str]:
        """A message for a chosen project or site the account does not see (or that does not
        exist: the two are the same answer)."""
        problems = {}
        for name, message in (
            ("project", _("No project “{ref}”.")),
            ("site", _("No site “{ref}”.")),
        ):
            chosen = raw.get(name, "")
            if chosen and chosen not in {value for value, _label in self.options[name]}:
                problems[name] = message.format(ref=chosen)
        return problems


async def filter_choices(actor: Actor, lang: str) -> FilterChoices:
    """The values each filter of a story list offers `actor`: the projects, sites, countries
    and languages of the sites it sees, their codebooks' themes and their workshops."""
    sites = await SetupService().list_sites(actor)
    site_ids = [site.id for site in sites] or [-1]
    projects = sorted({site.project for site in sites})
    theme_rows = (
        await Theme.select(Theme.key, Theme.labels)
        .output(load_json=True)
        .where(Theme.project.slug.is_in(projects or ["-"]))
        .order_by(Theme.project)
        .order_by(Theme.position)
        .order_by(Theme.id)
    )
    themes: dict[str, str] = {}
    for row in theme_rows:
        names = row["labels"] or {}
        themes.setdefault(row["key"], names.get(lang) or names.get("en") or row["key"])
    names = {site.id: site.name for site in sites}
    workshops = [
        (str(row["id"]), f"{names.get(row['site'], '')} · {row['held_on']}")
        for row in await Workshop.select(Workshop.id, Workshop.site, Workshop.held_on)
        .where(Workshop.site.is_in(site_ids))
        .order_by(Workshop.held_on, ascending=False)
        .order_by(Workshop.id, ascending=False)
    ]
    languages = sorted({tag for site in sites for tag in site.languages})
    options = {
        "project": [(slug, slug) for slug in projects],
        "site": [(site.slug, site.name) for site in sorted(sites, key=lambda s: s.name)],
        "country": [(code, code) for code in sorted({site.country for site in sites})],
        "kind": [(k, story_kind_label(k)) for k in ("present", "future")],
        "language": [(c.value, c.label) for c in language_choices(languages)],
        "theme": sorted(themes.items(), key=lambda item: item[1].casefold()),
        "status": [(k, status_label(k)) for k in ("draft", "submitted", "reviewed")],
        "workshop": workshops,
    }
    return FilterChoices(options, {site.slug: site for site in sites})
