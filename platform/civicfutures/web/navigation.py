"""The main navigation of every signed-in page: which pages each role is offered.

`NAV_ENTRIES` is the one list of entries. An entry names the roles it is for (admins see every
entry) and a path under `/{lang}`; `{site}` and `{project}` in it are filled with the site or
project of the current page, else the first one the account works on. Researchers are offered
the sites overview, the cross-site story list, search, analysis, exports and the quote bank;
authors the overview, the story list, search, analysis, briefings, insights and the Theory of
Change; partners their sites, a new story, the import, their stories and search. A new page
joins the navigation as one line here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from litestar.connection import ASGIConnection
from litestar.middleware.session.client_side import ClientSideSessionBackend
from litestar.types import ASGIApp, Receive, Scope, Send

from civicfutures.auth.accounts import actor_for_session
from civicfutures.auth.actor import Actor
from civicfutures.db.kept import KeptByVersion
from civicfutures.db.version import data_version
from civicfutures.i18n import current_locale
from civicfutures.i18n import gettext as _
from civicfutures.i18n.negotiation import is_page_path, path_language
from civicfutures.intake.schemas import SiteOut
from civicfutures.intake.setup_service import SetupService
from civicfutures.web.auth import SESSION_ID_KEY

log = logging.getLogger("civicfutures.navigation")

STATE_KEY = "navigation"
# Set on an error answer: the page shown is not the one its address names, so none is current.
ERROR_KEY = "navigation_error"


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: Callable[[], str]
    path: str
    roles: tuple[str, ...]


NAV_ENTRIES: tuple[NavEntry, ...] = (
    # Translators: the places where partners hold workshops (towns, districts), never websites.
    NavEntry("overview", lambda: _("Sites"), "/", ("researcher", "author")),
    NavEntry("sites", lambda: _("My sites"), "/", ("partner",)),
    NavEntry("new_story", lambda: _("New story"), "/sites/{site}/stories/new", ("partner",)),
    NavEntry("import", lambda: _("Import"), "/sites/{site}/import", ("partner",)),
    NavEntry("site_stories", lambda: _("My stories"), "/sites/{site}", ("partner",)),
    NavEntry("stories", lambda: _("Stories"), "/stories", ("researcher", "author")),
    NavEntry("search", lambda: _("Search"), "/search", ("partner", "researcher", "author")),
    NavEntry("analysis", lambda: _("Analysis"), "/analysis", ("researcher", "author")),
    NavEntry("exports", lambda: _("Exports"), "/exports", ("researcher",)),
    NavEntry("quotes", lambda: _("Quotes"), "/projects/{project}/quotes", ("researcher",)),
    NavEntry(
        "agreement", lambda: _("Coder agreement"), "/projects/{project}/agreement", ("researcher",)
    ),
    NavEntry("briefings", lambda: _("Briefings"), "/briefings", ("author",)),
    # Translators: statements the team writes from the stories (also called findings); not the
    # outcomes of the Theory of Change. Use the glossary's term (locales/glossary.csv).
    NavEntry("insights", lambda: _("Insights"), "/projects/{project}/insights", ("author",)),
    NavEntry(
        "theory", lambda: _("Theory of Change"), "/projects/{project}/theory-of-change", ("author",)
    ),
    NavEntry("accounts", lambda: _("Accounts"), "/admin/users", ("admin",)),
    NavEntry("audit", lambda: _("Audit log"), "/admin/audit", ("admin",)),
)


@dataclass(frozen=True)
class NavLink:
    key: str
    label: str
    href: str
    current: bool


@dataclass(frozen=True)
class Workplace:
    """What the navigation needs to know about an account: the sites it works on."""

    actor: Actor
    sites: tuple[SiteOut, ...]


# The sites of each kind of account (its access), per data version: read once while no site
# changes, not on every page (the query was a fifth of a form page's time).
_SITES: KeptByVersion[tuple[SiteOut, ...]] = KeptByVersion(capacity=256)


async def load_workplace(actor: Actor) -> Workplace:
    version = await data_version()
    sites = _SITES.get(actor.access, version)
    if sites is None:
        sites = tuple(await SetupService().list_sites(actor))
        _SITES.put(actor.access, version, sites)
    return Workplace(actor=actor, sites=sites)


_SITE = re.compile(r"^/[^/]+/sites/([^/]+)")
_PROJECT = re.compile(r"^/[^/]+/projects/([^/]+)")


def _site(workplace: Workplace, path: str) -> str | None:
    """The current page's site where the account writes, else its first such site."""
    writable = [s.slug for s in workplace.sites if workplace.actor.writes_site(s.id)]
    found = _SITE.match(path)
    if found and found.group(1) in writable:
        return found.group(1)
    return writable[0] if writable else None


def _project(workplace: Workplace, path: str) -> str | None:
    projects = sorted({s.project for s in workplace.sites})
    found = _PROJECT.match(path)
    if found and found.group(1) in projects:
        return found.group(1)
    return projects[0] if projects else None


def navigation_links(
    workplace: Workplace, path: str, lang: str, mark_current: bool = True
) -> list[NavLink]:
    """The entries the account's roles are offered, with `{site}`/`{project}` filled in;
    the current page is the entry whose address is the longest prefix of the path."""
    fill = {"site": _site(workplace, path), "project": _project(workplace, path)}
    hrefs: list[tuple[NavEntry, str]] = []
    for entry in NAV_ENTRIES:
        if not workplace.actor.has_any(*entry.roles):
            continue
        needed = {name: value for name, value in fill.items() if "{" + name + "}" in entry.path}
        if any(value is None for value in needed.values()):
            continue
        href = f"/{lang}" + entry.path.format(**needed)
        if href not in (seen for _, seen in hrefs):
            hrefs.append((entry, href))

    # The router may hand over `/pl/` as `/pl`: compare without the trailing slash.
    here = path.rstrip("/")

    def matches(href: str) -> bool:
        href = href.rstrip("/")
        if href == f"/{lang}":
            return here == href
        return here == href or here.startswith(href + "/")

    current = (
        max((href for _, href in hrefs if matches(href)), key=len, default=None)
        if mark_current
        else None
    )
    return [NavLink(e.key, e.label(), href, href == current) for e, href in hrefs]


def navigation(connection: ASGIConnection) -> list[NavLink]:
    """The template's view: empty for anonymous visitors and pages without a workplace."""
    state = connection.scope.get("state") or {}
    workplace = state.get(STATE_KEY)
    if not isinstance(workplace, Workplace):
        return []
    path = connection.url.path
    language = path_language(path) or current_locale()
    return navigation_links(workplace, path, language, mark_current=not state.get(ERROR_KEY))


def _signed_in(scope: Scope) -> Actor | None:
    user = scope.get("user")
    return user if isinstance(user, Actor) and user.user_id is not None else None


class NavigationMiddleware:
    """Loads the signed-in account's workplace for page requests (after authentication)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        actor = _signed_in(scope)
        if scope["type"] == "http" and actor is not None and is_page_path(scope["path"]):
            scope.setdefault("state", {})[STATE_KEY] = await load_workplace(actor)
        await self.app(scope, receive, send)


def navigation_for_errors(session_backend: ClientSideSessionBackend) -> Callable:
    """An `after_exception` hook: an error page keeps the navigation of who is signed in.

    An address that matches no route never reaches the middleware (no session read, no
    account), so the hook reads the session cookie itself before the error page renders.
    """

    async def hook(exc: Exception, scope: Scope) -> None:
        if scope["type"] != "http" or not is_page_path(scope["path"]):
            return
        state = scope.setdefault("state", {})
        state[ERROR_KEY] = True
        if STATE_KEY in state:
            return
        try:
            actor = _signed_in(scope)
            if actor is None and "user" not in scope:
                session = await session_backend.load_from_connection(ASGIConnection(scope))
                session_id = session.get(SESSION_ID_KEY) if isinstance(session, dict) else None
                if isinstance(session_id, str):
                    actor = await actor_for_session(session_id)
                    if actor is not None:
                        scope["user"] = actor
            if actor is not None:
                state[STATE_KEY] = await load_workplace(actor)
        except Exception:  # the error page must render even when this fails
            log.warning("no navigation for the error page of %s", scope["path"], exc_info=True)

    return hook
