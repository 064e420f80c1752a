"""Every route of the app, called by every role, on an object of the caller's site and of another.

How the table works
-------------------
`ROUTES` maps `(METHOD, path)` exactly as the app registers it (e.g.
`("GET", "/api/v1/stories/{story_id:int}")`) to a `Rule(access, make)`:

- `access` is one of the `Access` policies below: who succeeds, who gets 401/403/404/303.
- `make(ctx)` is an async function returning a `Call(path, json=None, form=None, ok=200)` for an
  object of the site `gdansk` (fresh objects per call: writes may consume them). `ctx` offers
  `ctx.world` (the `world` fixture), `await ctx.story()`, `await ctx.storyteller()`,
  `await ctx.workshop()`, each creating a new gdansk object through the services.

Roles: anonymous; `partner_own` (partner of gdansk); `partner_other` (partner of voru, for
whom gdansk's objects must not exist: 404); `researcher`; `author`; `admin`.
A route missing from the table, or a row for a route that no longer exists, fails the test.
Pages are called with a session (signed in through the login form) and CSRF token; API routes
with bearer tokens.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from builders import story_body
from civicfutures.auth.actor import SYSTEM
from civicfutures.intake import schemas as s

ROLES = ("anonymous", "partner_own", "partner_other", "researcher", "author", "admin")


@dataclass(frozen=True)
class Access:
    """Expected outcome per role: "ok" means the call's success status."""

    name: str
    outcomes: dict[str, int | str]


PUBLIC = Access("public", dict.fromkeys(ROLES, "ok"))
SIGNED_IN = Access("signed-in", {"anonymous": 401, **dict.fromkeys(ROLES[1:], "ok")})
SITE_READ = Access(
    "site-read",
    {
        "anonymous": 401,
        "partner_own": "ok",
        "partner_other": 404,
        "researcher": "ok",
        "author": "ok",
        "admin": "ok",
    },
)
SITE_WRITE = Access(
    "site-write",
    {
        "anonymous": 401,
        "partner_own": "ok",
        "partner_other": 404,
        "researcher": 403,
        "author": 403,
        "admin": "ok",
    },
)
ADMIN = Access("admin", {"anonymous": 401, **dict.fromkeys(ROLES[1:-1], 403), "admin": "ok"})
ADMIN_WRITE = ADMIN
PAGE_PUBLIC = Access("page-public", dict.fromkeys(ROLES, "ok"))
PAGE_SIGNED_IN = Access("page-signed-in", {"anonymous": 303, **dict.fromkeys(ROLES[1:], "ok")})
PAGE_SITE_READ = Access(
    "page-site-read",
    {
        "anonymous": 303,
        "partner_own": "ok",
        "partner_other": 404,
        "researcher": "ok",
        "author": "ok",
        "admin": "ok",
    },
)
PAGE_SITE_WRITE = Access(
    "page-site-write",
    {
        "anonymous": 303,
        "partner_own": "ok",
        "partner_other": 404,
        "researcher": 403,
        "author": 403,
        "admin": "ok",
    },
)
# Analysis tables span sites: researchers, authors and admins only; partners are refused.
ANALYSTS = Access(
    "analysts",
    {
        "anonymous": 401,
        "partner_own": 403,
        "partner_other": 403,
        "researcher": "ok",
        "author": "ok",
        "admin": "ok",
    },
)
PAGE_ANALYSTS = Access(
    "page-analysts",
    {
        "anonymous": 303,
        "partner_own": 403,
        "partner_other": 403,
        "researcher": "ok",
        "author": "ok",
        "admin": "ok",
    },
)
# Exports pages: researchers and admins only.
PAGE_EXPORTERS = Access(
    "page-exporters",
    {
        "anonymous": 303,
        "partner_own": 403,
        "partner_other": 403,
        "researcher": "ok",
        "author": 403,
        "admin": "ok",
    },
)
PAGE_ADMIN = Access(
    "page-admin", {"anonymous": 303, **dict.fromkeys(ROLES[1:-1], 403), "admin": "ok"}
)
# The codebook is kept by researchers and admins.
CODEBOOK = Access("codebook", {**ADMIN.outcomes, "researcher": "ok"})
PAGE_CODEBOOK = Access("page-codebook", {**PAGE_ADMIN.outcomes, "researcher": "ok"})


@dataclass
class Call:
    path: str
    json: Any = None
    form: dict[str, str] | None = None
    ok: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None


@dataclass
class Ctx:
    world: dict
    counter: int = 0

    def next(self) -> int:
        self.counter += 1
        return self.counter

    async def workshop(self) -> int:
        from civicfutures.intake.people_service import WorkshopService

        out = await WorkshopService().create(
            SYSTEM,
            s.WorkshopIn(
                site="gdansk", date=dt.date(2025, 5, 1), kind="storytelling", language="pl"
            ),
        )
        return out.id

    async def storyteller(self) -> int:
        from civicfutures.intake.people_service import StorytellerService

        out = await StorytellerService().create(
            SYSTEM,
            s.StorytellerIn(
                site="gdansk",
                code=f"RR-{self.next()}",
                consent=s.ConsentIn(
                    version="v1",
                    given_at=dt.datetime(2025, 3, 15, 10, tzinfo=dt.UTC),
                    scopes=["research", "quote"],
                ),
            ),
        )
        return out.id

    async def story(self) -> int:
        from civicfutures.intake.story_service import StoryService

        body = story_body(self.world)
        body["translations"] = [s.TranslationIn(**t) for t in body["translations"]]
        body["codings"] = [s.CodingIn(**c) for c in body["codings"]]
        return (await StoryService().create(SYSTEM, s.StoryIn(**body))).id

    async def user(self) -> int:
        from civicfutures.auth.accounts import create_user

        return await create_user(f"rr{self.next()}@example.org", "researcher", password="x" * 12)

    async def membership(self) -> int:
        from civicfutures.db.tables import Membership

        user_id = await self.user()
        return (await Membership.select(Membership.id).where(Membership.user == user_id).first())[
            "id"
        ]

    async def token(self) -> int:
        from civicfutures.auth.accounts import create_token
        from civicfutures.db.tables import ApiToken, User

        user_id = await self.user()
        email = (await User.select(User.email).where(User.id == user_id).first())["email"]
        await create_token(email)
        return (await ApiToken.select(ApiToken.id).where(ApiToken.user == user_id).first())["id"]


Maker = Callable[[Ctx], Awaitable[Call]]


@dataclass(frozen=True)
class Rule:
    access: Access
    make: Maker


def call(path: str, **kwargs: Any) -> Maker:
    async def make(ctx: Ctx) -> Call:
        return Call(path=path, **kwargs)

    return make


async def _new_story_patch(ctx: Ctx) -> Call:
    return Call(
        f"/api/v1/stories/{await ctx.story()}",
        json={"title": "Nowy tytuł"},
        headers={"If-Match": "1"},
    )


async def _get_story(ctx: Ctx) -> Call:
    return Call(f"/api/v1/stories/{await ctx.story()}")


async def _get_storyteller(ctx: Ctx) -> Call:
    return Call(f"/api/v1/storytellers/{await ctx.storyteller()}")


async def _patch_storyteller(ctx: Ctx) -> Call:
    return Call(
        f"/api/v1/storytellers/{await ctx.storyteller()}",
        json={"demographics": {"age_band": "65+"}},
    )


async def _erase_storyteller(ctx: Ctx) -> Call:
    return Call(f"/api/v1/storytellers/{await ctx.storyteller()}", ok=204)


async def _get_workshop(ctx: Ctx) -> Call:
    return Call(f"/api/v1/workshops/{await ctx.workshop()}")


async def _patch_workshop(ctx: Ctx) -> Call:
    return Call(f"/api/v1/workshops/{await ctx.workshop()}", json={"title": "Warsztat"})


async def _post_story(ctx: Ctx) -> Call:
    return Call("/api/v1/stories", json=story_body(ctx.world), ok=201)


async def _post_workshop(ctx: Ctx) -> Call:
    return Call(
        "/api/v1/workshops",
        json={"site": "gdansk", "date": "2025-06-01", "kind": "future_thinking", "language": "pl"},
        ok=201,
    )


async def _post_storyteller(ctx: Ctx) -> Call:
    body = {
        "site": "gdansk",
        "code": f"NEW-{ctx.next()}",
        "consent": {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": ["research"]},
    }
    return Call("/api/v1/storytellers", json=body, ok=201)


async def _post_site(ctx: Ctx) -> Call:
    n = ctx.next()
    return Call(
        "/api/v1/sites",
        json={
            "project": "futures",
            "slug": f"site-{n}",
            "name": "S",
            "country": "PL",
            "languages": ["pl"],
        },
        ok=201,
    )


async def _post_theme(ctx: Ctx) -> Call:
    return Call(
        "/api/v1/themes",
        json={"project": "futures", "key": f"t{ctx.next()}", "kind": "other"},
        ok=201,
    )


async def _post_project(ctx: Ctx) -> Call:
    return Call("/api/v1/projects", json={"slug": f"p-{ctx.next()}", "name": "P"}, ok=201)


async def _patch_project(ctx: Ctx) -> Call:
    return Call("/api/v1/projects/futures", json={"archive": "published"})


async def _published_archive() -> None:
    from civicfutures.db.tables import Project

    await Project.update({Project.archive: "published"}).where(Project.slug == "futures")


async def _archive_path(ctx: Ctx, path: str = "", **kwargs: Any) -> Call:
    await _published_archive()
    return Call(path, **kwargs)


async def _public_story(ctx: Ctx) -> int:
    """A reviewed story whose only storyteller consents to the archive, in a published one."""
    from civicfutures.db.tables import Story, StoryStoryteller, Storyteller

    await _published_archive()
    story_id = await ctx.story()
    await Story.update({Story.status: "reviewed"}).where(Story.id == story_id)
    tellers = StoryStoryteller.select(StoryStoryteller.storyteller).where(
        StoryStoryteller.story == story_id
    )
    await Storyteller.update({Storyteller.consent_scopes: ["research", "archive"]}).where(
        Storyteller.id.is_in(tellers)
    )
    return story_id


async def _archive_story(ctx: Ctx) -> Call:
    return Call(f"/en/archive/futures/stories/{await _public_story(ctx)}")


async def _archive_share(ctx: Ctx) -> Call:
    return Call(f"/archive/futures/stories/{await _public_story(ctx)}", ok=302)


async def _recorded_story(ctx: Ctx) -> int:
    """A public story with a recording and Ukrainian subtitles."""
    from civicfutures.recordings.service import RecordingService
    from recordings.media import UKRAINIAN_VTT, wav_bytes

    story_id = await _public_story(ctx)

    async def chunks():
        yield wav_bytes(0.1)

    await RecordingService().upload_recording(SYSTEM, story_id, chunks())
    await RecordingService().put_subtitles(SYSTEM, story_id, "uk", UKRAINIAN_VTT)
    return story_id


async def _archive_recording(ctx: Ctx) -> Call:
    return Call(f"/archive/futures/stories/{await _recorded_story(ctx)}/recording")


async def _archive_subtitles(ctx: Ctx) -> Call:
    return Call(f"/archive/futures/stories/{await _recorded_story(ctx)}/subtitles/uk")


async def _upload_recording(ctx: Ctx) -> Call:
    from recordings.media import wav_bytes

    return Call(f"/api/v1/stories/{await ctx.story()}/recording", content=wav_bytes(0.1), ok=201)


async def _put_subtitles(ctx: Ctx) -> Call:
    from recordings.media import UKRAINIAN_VTT

    return Call(f"/api/v1/stories/{await ctx.story()}/subtitles/uk", content=UKRAINIAN_VTT)


async def _story_media(ctx: Ctx) -> Call:
    return Call(f"/api/v1/stories/{await ctx.story()}/media")


async def _page_recording(ctx: Ctx) -> Call:
    # No file chosen: the form comes back with its error (422) to those who may upload.
    return Call(f"/en/stories/{await ctx.story()}/recording", form={}, ok=422)


async def _page_subtitles(ctx: Ctx) -> Call:
    return Call(f"/en/stories/{await ctx.story()}/subtitles", form={"language": "uk"}, ok=422)


async def _archive_list(ctx: Ctx) -> Call:
    return await _archive_path(ctx, "/en/archive/futures?q=autobus")


async def _archive_feed(ctx: Ctx) -> Call:
    return await _archive_path(ctx, "/archive/futures/feed.atom")


async def _login_form(ctx: Ctx) -> Call:
    # Wrong password on purpose: the route itself is public and answers 401 with the form.
    return Call("/en/login", form={"email": "nobody@example.org", "password": "x"}, ok=401)


async def _admin_new_user(ctx: Ctx) -> Call:
    form = {
        "email": f"made{ctx.next()}@example.org",
        "password": "x" * 12,
        "role": "researcher",
        "site": "*",
    }
    return Call("/en/admin/users", form=form, ok=303)


async def _admin_toggle(ctx: Ctx) -> Call:
    return Call(f"/en/admin/users/{await ctx.user()}/active", form={"active": "0"}, ok=303)


async def _admin_set_password(ctx: Ctx) -> Call:
    form = {"password": f"a new long passphrase {ctx.next()}"}
    return Call(f"/en/admin/users/{await ctx.user()}/password", form=form, ok=303)


async def _admin_grant(ctx: Ctx) -> Call:
    return Call(
        f"/en/admin/users/{await ctx.user()}/roles", form={"role": "author", "site": "*"}, ok=303
    )


async def _admin_remove_role(ctx: Ctx) -> Call:
    return Call(f"/en/admin/memberships/{await ctx.membership()}/delete", form={}, ok=303)


async def _admin_revoke_token(ctx: Ctx) -> Call:
    return Call(f"/en/admin/tokens/{await ctx.token()}/revoke", form={}, ok=303)


async def _admin_new_token(ctx: Ctx) -> Call:
    form = {"user": str(await ctx.user()), "name": "script", "expires_days": "7"}
    return Call("/en/admin/tokens", form=form, ok=200)


async def _account_revoke_others_token(ctx: Ctx) -> Call:
    # Another account's token: on "your account" it does not exist, for admins too.
    return Call(f"/en/account/tokens/{await ctx.token()}/revoke", form={})


# The account page's revoke route acts only on the caller's own tokens.
PAGE_OWN_ONLY = Access("page-own-only", {"anonymous": 303, **dict.fromkeys(ROLES[1:], 404)})


# ---------------------------------------------------------------- curation (outcomes, insights)

CURATE = Access(
    "curate", {"anonymous": 401, **dict.fromkeys(ROLES[1:4], 403), "author": "ok", "admin": "ok"}
)
INSIGHT_WRITE = Access(
    "insight-write",
    {
        "anonymous": 401,
        "partner_own": "ok",
        "partner_other": 404,
        "researcher": 403,
        "author": "ok",
        "admin": "ok",
    },
)


async def _outcome(ctx: Ctx) -> str:
    from civicfutures.curation.outcome_service import OutcomeService
    from civicfutures.curation.schemas import OutcomeIn

    key = f"outcome{ctx.next()}"
    await OutcomeService().create(SYSTEM, OutcomeIn(project="futures", key=key, labels={"en": "O"}))
    return key


async def _insight(ctx: Ctx) -> int:
    """A draft insight of gdansk citing the first word of a new gdansk story."""
    from civicfutures.curation.insight_service import InsightService
    from civicfutures.curation.schemas import EvidenceIn, InsightIn

    story = await ctx.story()
    data = InsightIn(
        project="futures",
        site="gdansk",
        title={"pl": "Wniosek"},
        evidence=[EvidenceIn(story=story, start=0, end=5, quotable=True)],
    )
    return (await InsightService().create(SYSTEM, data)).id


async def _post_outcome(ctx: Ctx) -> Call:
    body = {"project": "futures", "key": f"new{ctx.next()}", "labels": {"en": "N"}}
    return Call("/api/v1/outcomes", json=body, ok=201)


async def _get_outcome(ctx: Ctx) -> Call:
    return Call(f"/api/v1/outcomes/futures/{await _outcome(ctx)}")


async def _patch_outcome(ctx: Ctx) -> Call:
    return Call(f"/api/v1/outcomes/futures/{await _outcome(ctx)}", json={"labels": {"pl": "W"}})


async def _post_insight(ctx: Ctx) -> Call:
    story = await ctx.story()
    body = {
        "project": "futures",
        "site": "gdansk",
        "title": {"pl": "Nowy wniosek"},
        "evidence": [{"story": story, "start": 0, "end": 5}],
    }
    return Call("/api/v1/insights", json=body, ok=201)


async def _get_insight(ctx: Ctx) -> Call:
    return Call(f"/api/v1/insights/{await _insight(ctx)}")


async def _patch_insight(ctx: Ctx) -> Call:
    return Call(
        f"/api/v1/insights/{await _insight(ctx)}",
        json={"summary": {"pl": "Krótko."}},
        headers={"If-Match": "1"},
    )


async def _delete_insight(ctx: Ctx) -> Call:
    return Call(f"/api/v1/insights/{await _insight(ctx)}", ok=204)


PAGE_INSIGHT_WRITE = Access(
    "page-insight-write",
    {
        "anonymous": 303,
        "partner_own": "ok",
        "partner_other": 404,
        "researcher": 403,
        "author": "ok",
        "admin": "ok",
    },
)
# The form re-renders (422) naming the unknown site, exactly as for a site that does not exist.
PAGE_INSIGHT_CREATE = Access(
    "page-insight-create", {**PAGE_INSIGHT_WRITE.outcomes, "partner_other": 422}
)
PAGE_INSIGHT_FORM = Access(
    "page-insight-form", {**PAGE_INSIGHT_WRITE.outcomes, "partner_other": "ok"}
)


async def _insight_page(ctx: Ctx, suffix: str = "", **kwargs: Any) -> Call:
    return Call(f"/en/insights/{await _insight(ctx)}{suffix}", **kwargs)


async def _insight_edit_form(ctx: Ctx) -> Call:
    form = {
        "version": "1",
        "site": "gdansk",
        "language": "pl",
        "title": "Zmiana",
        "status": "draft",
    }
    return await _insight_page(ctx, "/edit", form=form, ok=303)


async def _insight_evidence_form(ctx: Ctx) -> Call:
    form = {
        "version": "1",
        "story": str(await ctx.story()),
        "excerpt": "autobusową",
        "occurrence": "1",
    }
    return await _insight_page(ctx, "/evidence", form=form, ok=303)


async def _insight_evidence_remove(ctx: Ctx) -> Call:
    from civicfutures.curation.insight_service import InsightService

    insight = await InsightService().get(SYSTEM, await _insight(ctx))
    path = f"/en/insights/{insight.id}/evidence/{insight.evidence[0].id}/delete"
    return Call(path, form={"version": "1"}, ok=303)


PAGE_CURATE = Access(
    "page-curate",
    {"anonymous": 303, **dict.fromkeys(ROLES[1:4], 403), "author": "ok", "admin": "ok"},
)


async def _quote_translation(ctx: Ctx) -> dict[str, Any]:
    from civicfutures.curation.insight_service import InsightService

    insight = await InsightService().get(SYSTEM, await _insight(ctx))
    cited = insight.evidence[0]
    return {"story": cited.story, "start": cited.start, "end": cited.end, "language": "en"}


async def _put_quote_translation(ctx: Ctx) -> Call:
    body = {"project": "futures", **await _quote_translation(ctx), "text": "Words"}
    return Call("/api/v1/quotes/translation", json=body)


async def _quote_translation_form(ctx: Ctx) -> Call:
    form = {k: str(v) for k, v in (await _quote_translation(ctx)).items()}
    return Call("/en/projects/futures/quotes/translation", form={**form, "text": "Words"}, ok=303)


async def _insight_create_form(ctx: Ctx) -> Call:
    form = {"site": "gdansk", "language": "pl", "title": "Nowy", "status": "draft"}
    return Call("/en/projects/futures/insights/new", form=form, ok=303)


CURATION_ROUTES: dict[tuple[str, str], Rule] = {
    ("POST", "/api/v1/outcomes"): Rule(CURATE, _post_outcome),
    ("GET", "/api/v1/outcomes"): Rule(SIGNED_IN, call("/api/v1/outcomes?project=futures")),
    ("GET", "/api/v1/outcomes/{project:str}/{key:str}"): Rule(SIGNED_IN, _get_outcome),
    ("PATCH", "/api/v1/outcomes/{project:str}/{key:str}"): Rule(CURATE, _patch_outcome),
    ("POST", "/api/v1/insights"): Rule(INSIGHT_WRITE, _post_insight),
    ("GET", "/api/v1/insights"): Rule(SIGNED_IN, call("/api/v1/insights?project=futures")),
    ("GET", "/api/v1/insights/{insight_id:int}"): Rule(SITE_READ, _get_insight),
    ("PATCH", "/api/v1/insights/{insight_id:int}"): Rule(INSIGHT_WRITE, _patch_insight),
    ("DELETE", "/api/v1/insights/{insight_id:int}"): Rule(INSIGHT_WRITE, _delete_insight),
    ("GET", "/api/v1/quotes"): Rule(SIGNED_IN, call("/api/v1/quotes?project=futures")),
    ("PUT", "/api/v1/quotes/translation"): Rule(CURATE, _put_quote_translation),
    ("GET", "/api/v1/theory-of-change"): Rule(
        SIGNED_IN, call("/api/v1/theory-of-change?project=futures&format=dot")
    ),
    ("GET", "/{lang:str}/projects/{project:str}/insights"): Rule(
        PAGE_SIGNED_IN, call("/en/projects/futures/insights")
    ),
    ("GET", "/{lang:str}/projects/{project:str}/insights/new"): Rule(
        PAGE_INSIGHT_FORM, call("/en/projects/futures/insights/new")
    ),
    ("POST", "/{lang:str}/projects/{project:str}/insights/new"): Rule(
        PAGE_INSIGHT_CREATE, _insight_create_form
    ),
    ("GET", "/{lang:str}/projects/{project:str}/quotes"): Rule(
        PAGE_SIGNED_IN, call("/en/projects/futures/quotes")
    ),
    ("POST", "/{lang:str}/projects/{project:str}/quotes/translation"): Rule(
        PAGE_CURATE, _quote_translation_form
    ),
    ("GET", "/{lang:str}/projects/{project:str}/theory-of-change"): Rule(
        PAGE_SIGNED_IN, call("/en/projects/futures/theory-of-change")
    ),
    ("GET", "/{lang:str}/projects/{project:str}/theory-of-change/{diagram_format:str}"): Rule(
        PAGE_SIGNED_IN, call("/en/projects/futures/theory-of-change/dot")
    ),
    ("GET", "/{lang:str}/insights/{insight_id:int}"): Rule(PAGE_SITE_READ, _insight_page),
    ("GET", "/{lang:str}/insights/{insight_id:int}/edit"): Rule(
        PAGE_INSIGHT_WRITE, lambda ctx: _insight_page(ctx, "/edit")
    ),
    ("POST", "/{lang:str}/insights/{insight_id:int}/edit"): Rule(
        PAGE_INSIGHT_WRITE, _insight_edit_form
    ),
    ("GET", "/{lang:str}/insights/{insight_id:int}/evidence"): Rule(
        PAGE_INSIGHT_WRITE, lambda ctx: _insight_page(ctx, "/evidence")
    ),
    ("POST", "/{lang:str}/insights/{insight_id:int}/evidence"): Rule(
        PAGE_INSIGHT_WRITE, _insight_evidence_form
    ),
    ("POST", "/{lang:str}/insights/{insight_id:int}/evidence/{evidence_id:int}/delete"): Rule(
        PAGE_INSIGHT_WRITE, _insight_evidence_remove
    ),
}


def _page_story_fields(ctx: Ctx, **changes: Any) -> dict[str, Any]:
    fields = {
        "workshop": str(ctx.world["workshops"]["gdansk"]["id"]),
        "storytellers": [str(ctx.world["storytellers"]["gdansk"][0]["id"])],
        "kind": "present",
        "horizon_year": "",
        "language": "pl",
        "title": "Przystanek",
        "body": "Zlikwidowali przystanek koło szkoły. Nikt nas nie zapytał.",
        "status": "submitted",
        "codings": ["youth_voice"],
    }
    fields.update(changes)
    return fields


async def _page_new_story(ctx: Ctx) -> Call:
    return Call("/en/sites/gdansk/stories/new", form=_page_story_fields(ctx), ok=303)


async def _page_new_storyteller(ctx: Ctx) -> Call:
    form = {
        "site": "gdansk",
        "code": f"PG-{ctx.next()}",
        "consent.version": "v1",
        "consent.given_at": "2025-03-15",
        "consent.scopes": ["research"],
    }
    return Call("/en/sites/gdansk/storytellers/new", form=form, ok=303)


async def _page_new_workshop(ctx: Ctx) -> Call:
    form = {
        "site": "gdansk",
        "date": "2025-05-20",
        "kind": "storytelling",
        "language": "pl",
        "title": "",
        "note": "",
    }
    return Call("/en/sites/gdansk/workshops/new", form=form, ok=303)


async def _page_story(ctx: Ctx) -> Call:
    return Call(f"/en/stories/{await ctx.story()}")


async def _page_edit_story(ctx: Ctx) -> Call:
    return Call(f"/en/stories/{await ctx.story()}/edit")


async def _page_save_story(ctx: Ctx) -> Call:
    story = await ctx.story()
    return Call(
        f"/en/stories/{story}/edit",
        form=_page_story_fields(ctx, title="Poprawiony", version="1"),
        ok=303,
    )


async def _kept_export(ctx: Ctx) -> Call:
    """An export kept for the account about to call: the makers run once per role, in `ROLES`
    order, and each role's account is the newest user named after the role (`callers`)."""
    from civicfutures.auth.accounts import actor_for_user
    from civicfutures.db.tables import User
    from civicfutures.exports.request import ExportRequest
    from civicfutures.exports.service import ExportService

    calls = getattr(ctx, "export_calls", 0)
    ctx.export_calls = calls + 1  # type: ignore[attr-defined]
    role = ROLES[calls % len(ROLES)]
    if role not in ("researcher", "admin"):
        return Call("/en/exports/export-none")
    user = (
        await User.select(User.id)
        .where(User.email.like(f"{role}%@test.civicfutures.eu"))
        .order_by(User.id, ascending=False)
        .first()
    )
    actor = await actor_for_user(user["id"])
    kept = await ExportService().keep(actor, ExportRequest(kind="qdc", project="futures"))
    return Call(f"/en/exports/{kept.id}")


ROUTES: dict[tuple[str, str], Rule] = {
    ("GET", "/health"): Rule(PUBLIC, call("/health")),
    ("GET", "/health/live"): Rule(PUBLIC, call("/health/live")),
    ("GET", "/health/ready"): Rule(PUBLIC, call("/health/ready")),
    # Open to this machine (the test client's address is 127.0.0.1) whatever the account.
    ("GET", "/metrics"): Rule(PUBLIC, call("/metrics")),
    # intake: set-up
    ("POST", "/api/v1/projects"): Rule(ADMIN_WRITE, _post_project),
    ("GET", "/api/v1/projects"): Rule(SIGNED_IN, call("/api/v1/projects")),
    ("GET", "/api/v1/projects/{ref:str}"): Rule(SIGNED_IN, call("/api/v1/projects/futures")),
    ("PATCH", "/api/v1/projects/{ref:str}"): Rule(ADMIN_WRITE, _patch_project),
    ("POST", "/api/v1/sites"): Rule(ADMIN_WRITE, _post_site),
    ("GET", "/api/v1/sites"): Rule(SIGNED_IN, call("/api/v1/sites")),
    ("GET", "/api/v1/sites/{ref:str}"): Rule(SITE_READ, call("/api/v1/sites/gdansk")),
    ("POST", "/api/v1/themes"): Rule(CODEBOOK, _post_theme),
    ("GET", "/api/v1/themes"): Rule(SIGNED_IN, call("/api/v1/themes?project=futures")),
    ("GET", "/api/v1/themes/{project:str}/{key:str}"): Rule(
        SIGNED_IN, call("/api/v1/themes/futures/youth_voice")
    ),
    ("PATCH", "/api/v1/themes/{project:str}/{key:str}"): Rule(
        CODEBOOK, call("/api/v1/themes/futures/youth_voice", json={"labels": {"en": "Youth"}})
    ),
    # intake: people and stories
    ("POST", "/api/v1/workshops"): Rule(SITE_WRITE, _post_workshop),
    ("GET", "/api/v1/workshops"): Rule(SIGNED_IN, call("/api/v1/workshops")),
    ("GET", "/api/v1/workshops/{workshop_id:int}"): Rule(SITE_READ, _get_workshop),
    ("PATCH", "/api/v1/workshops/{workshop_id:int}"): Rule(SITE_WRITE, _patch_workshop),
    ("POST", "/api/v1/storytellers"): Rule(SITE_WRITE, _post_storyteller),
    ("GET", "/api/v1/storytellers"): Rule(SIGNED_IN, call("/api/v1/storytellers")),
    ("GET", "/api/v1/storytellers/{storyteller_id:int}"): Rule(SITE_READ, _get_storyteller),
    ("PATCH", "/api/v1/storytellers/{storyteller_id:int}"): Rule(SITE_WRITE, _patch_storyteller),
    ("DELETE", "/api/v1/storytellers/{storyteller_id:int}"): Rule(SITE_WRITE, _erase_storyteller),
    ("POST", "/api/v1/stories"): Rule(SITE_WRITE, _post_story),
    ("GET", "/api/v1/stories"): Rule(SIGNED_IN, call("/api/v1/stories")),
    ("GET", "/api/v1/stories/{story_id:int}"): Rule(SITE_READ, _get_story),
    ("PATCH", "/api/v1/stories/{story_id:int}"): Rule(SITE_WRITE, _new_story_patch),
    ("POST", "/api/v1/stories/{story_id:int}/recording"): Rule(SITE_WRITE, _upload_recording),
    ("PUT", "/api/v1/stories/{story_id:int}/subtitles/{lang:str}"): Rule(
        SITE_WRITE, _put_subtitles
    ),
    ("GET", "/api/v1/stories/{story_id:int}/media"): Rule(SITE_WRITE, _story_media),
    ("POST", "/{lang:str}/stories/{story_id:int}/recording"): Rule(
        PAGE_SITE_WRITE, _page_recording
    ),
    ("POST", "/{lang:str}/stories/{story_id:int}/subtitles"): Rule(
        PAGE_SITE_WRITE, _page_subtitles
    ),
    ("GET", "/archive/{project:str}/stories/{story_id:int}/recording"): Rule(
        PUBLIC, _archive_recording
    ),
    ("GET", "/archive/{project:str}/stories/{story_id:int}/subtitles/{language:str}"): Rule(
        PUBLIC, _archive_subtitles
    ),
    # analysis
    ("GET", "/api/v1/analysis/{kind:str}"): Rule(
        ANALYSTS, call("/api/v1/analysis/prevalence?project=futures&by=site")
    ),
    ("POST", "/api/v1/projects/{project:str}/snapshots"): Rule(
        ANALYSTS, call("/api/v1/projects/futures/snapshots", ok=202)
    ),
    # administration
    ("GET", "/api/v1/audit"): Rule(ADMIN, call("/api/v1/audit")),
    ("GET", "/api/v1/subject-access"): Rule(
        ADMIN, call("/api/v1/subject-access?project=futures&code=GDANSK-1")
    ),
    # administration pages
    ("GET", "/{lang:str}/admin/users"): Rule(PAGE_ADMIN, call("/en/admin/users")),
    ("POST", "/{lang:str}/admin/users"): Rule(PAGE_ADMIN, _admin_new_user),
    ("POST", "/{lang:str}/admin/users/{user_id:int}/active"): Rule(PAGE_ADMIN, _admin_toggle),
    ("POST", "/{lang:str}/admin/users/{user_id:int}/roles"): Rule(PAGE_ADMIN, _admin_grant),
    ("GET", "/{lang:str}/account/password"): Rule(PAGE_SIGNED_IN, call("/en/account/password")),
    # A wrong current password on purpose: the caller's own password stays as the table expects.
    ("POST", "/{lang:str}/account/password"): Rule(
        PAGE_SIGNED_IN,
        call(
            "/en/account/password",
            form={"current_password": "not it at all", "password": "a new long passphrase"},
            ok=422,
        ),
    ),
    ("POST", "/{lang:str}/admin/users/{user_id:int}/password"): Rule(
        PAGE_ADMIN, _admin_set_password
    ),
    ("POST", "/{lang:str}/admin/memberships/{membership_id:int}/delete"): Rule(
        PAGE_ADMIN, _admin_remove_role
    ),
    ("POST", "/{lang:str}/admin/tokens/{token_id:int}/revoke"): Rule(
        PAGE_ADMIN, _admin_revoke_token
    ),
    ("GET", "/{lang:str}/admin/audit"): Rule(
        PAGE_ADMIN, call("/en/admin/audit?entity=user&action=create&from=2020-01-01&page=1")
    ),
    ("GET", "/{lang:str}/admin/tokens"): Rule(PAGE_ADMIN, call("/en/admin/tokens")),
    ("POST", "/{lang:str}/admin/tokens"): Rule(PAGE_ADMIN, _admin_new_token),
    ("GET", "/{lang:str}/account"): Rule(PAGE_SIGNED_IN, call("/en/account")),
    ("POST", "/{lang:str}/account/tokens"): Rule(
        PAGE_SIGNED_IN,
        call("/en/account/tokens", form={"name": "notebook", "expires_days": "30"}),
    ),
    ("POST", "/{lang:str}/account/tokens/{token_id:int}/revoke"): Rule(
        PAGE_OWN_ONLY, _account_revoke_others_token
    ),
    # researcher exports
    ("GET", "/api/v1/exports/{kind:str}"): Rule(
        SITE_READ, call("/api/v1/exports/qdc?project=futures&sites=gdansk")
    ),
    # partner pages and form definitions
    ("GET", "/"): Rule(PAGE_PUBLIC, call("/", ok=302)),
    ("GET", "/language/{lang:str}"): Rule(PAGE_PUBLIC, call("/language/pl?next=/en/", ok=303)),
    ("GET", "/{lang:str}"): Rule(PAGE_PUBLIC, call("/en")),
    # the public story archive: anyone, signed in or not
    ("GET", "/{lang:str}/archive/{project:str}"): Rule(PAGE_PUBLIC, _archive_list),
    ("GET", "/{lang:str}/archive/{project:str}/stories/{story_id:int}"): Rule(
        PAGE_PUBLIC, _archive_story
    ),
    ("GET", "/archive/{project:str}/stories/{story_id:int}"): Rule(PAGE_PUBLIC, _archive_share),
    ("GET", "/archive/{project:str}/feed.atom"): Rule(PAGE_PUBLIC, _archive_feed),
    ("GET", "/sitemap.xml"): Rule(PAGE_PUBLIC, call("/sitemap.xml")),
    ("GET", "/{lang:str}/projects/{project:str}/codebook"): Rule(
        PAGE_SIGNED_IN, call("/en/projects/futures/codebook")
    ),
    ("GET", "/{lang:str}/sites/{site:str}"): Rule(PAGE_SITE_READ, call("/en/sites/gdansk")),
    ("GET", "/{lang:str}/sites/{site:str}/stories/new"): Rule(
        PAGE_SITE_WRITE, call("/en/sites/gdansk/stories/new")
    ),
    ("POST", "/{lang:str}/sites/{site:str}/stories/new"): Rule(PAGE_SITE_WRITE, _page_new_story),
    ("GET", "/{lang:str}/sites/{site:str}/storytellers/new"): Rule(
        PAGE_SITE_WRITE, call("/en/sites/gdansk/storytellers/new")
    ),
    ("POST", "/{lang:str}/sites/{site:str}/storytellers/new"): Rule(
        PAGE_SITE_WRITE, _page_new_storyteller
    ),
    ("GET", "/{lang:str}/sites/{site:str}/workshops/new"): Rule(
        PAGE_SITE_WRITE, call("/en/sites/gdansk/workshops/new")
    ),
    ("POST", "/{lang:str}/sites/{site:str}/workshops/new"): Rule(
        PAGE_SITE_WRITE, _page_new_workshop
    ),
    ("GET", "/{lang:str}/stories/{story_id:int}"): Rule(PAGE_SITE_READ, _page_story),
    ("GET", "/{lang:str}/stories/{story_id:int}/edit"): Rule(PAGE_SITE_WRITE, _page_edit_story),
    ("POST", "/{lang:str}/stories/{story_id:int}/edit"): Rule(PAGE_SITE_WRITE, _page_save_story),
    ("GET", "/api/v1/forms/{form:str}"): Rule(
        SIGNED_IN, call("/api/v1/forms/story?lang=pl&project=futures")
    ),
    ("GET", "/api/v1/themes/missing-labels"): Rule(
        SIGNED_IN, call("/api/v1/themes/missing-labels?project=futures")
    ),
    # sign-in
    ("GET", "/{lang:str}/analysis"): Rule(PAGE_ANALYSTS, call("/en/analysis")),
    ("GET", "/{lang:str}/analysis/{kind:str}"): Rule(
        PAGE_ANALYSTS, call("/en/analysis/prevalence?project=futures")
    ),
    ("GET", "/{lang:str}/analysis/{kind:str}/{file:str}"): Rule(
        PAGE_ANALYSTS, call("/en/analysis/comparison/download.csv?project=futures")
    ),
    ("GET", "/{lang:str}/search"): Rule(PAGE_SIGNED_IN, call("/en/search?q=autobus")),
    # the cross-site story list and its downloads: every reader, each within their scope
    ("GET", "/{lang:str}/stories"): Rule(PAGE_SIGNED_IN, call("/en/stories?project=futures")),
    ("GET", "/{lang:str}/stories/download/{file_format:str}"): Rule(
        PAGE_SIGNED_IN, call("/en/stories/download/xlsx?kind=present")
    ),
    # the exports page
    ("GET", "/{lang:str}/exports"): Rule(PAGE_EXPORTERS, call("/en/exports")),
    ("POST", "/{lang:str}/exports"): Rule(
        PAGE_EXPORTERS, call("/en/exports", form={"project": "futures", "kind": "qdc"}, ok=303)
    ),
    ("GET", "/{lang:str}/exports/{export_id:str}"): Rule(PAGE_EXPORTERS, _kept_export),
    ("GET", "/{lang:str}/login"): Rule(PAGE_PUBLIC, call("/en/login")),
    ("POST", "/{lang:str}/login"): Rule(PAGE_PUBLIC, _login_form),
    ("POST", "/{lang:str}/logout"): Rule(PAGE_PUBLIC, call("/en/logout", form={}, ok=303)),
}
ROUTES.update(CURATION_ROUTES)

# Spreadsheet import. The uploads carry no file here (the harness sends JSON or a plain form):
# the caller passes the guards and the site check, then the missing file is reported (422).
IMPORT_ROUTES: dict[tuple[str, str], Rule] = {
    ("POST", "/api/v1/imports"): Rule(
        SITE_WRITE, call("/api/v1/imports?project=futures&site=gdansk&dry_run=true", ok=422)
    ),
    ("GET", "/api/v1/imports/template"): Rule(
        SITE_WRITE, call("/api/v1/imports/template?project=futures&site=gdansk&format=csv")
    ),
    ("GET", "/{lang:str}/sites/{site:str}/import"): Rule(
        PAGE_SITE_WRITE, call("/en/sites/gdansk/import")
    ),
    ("POST", "/{lang:str}/sites/{site:str}/import"): Rule(
        PAGE_SITE_WRITE, call("/en/sites/gdansk/import", form={"action": "check"}, ok=422)
    ),
    # Without a kept file: past the guards and the site check, the fingerprint is refused.
    ("POST", "/{lang:str}/sites/{site:str}/import/checked"): Rule(
        PAGE_SITE_WRITE, call("/en/sites/gdansk/import/checked", form={"sha256": "0" * 64}, ok=404)
    ),
    ("GET", "/{lang:str}/sites/{site:str}/import/template/{file_format:str}"): Rule(
        PAGE_SITE_WRITE, call("/en/sites/gdansk/import/template/xlsx")
    ),
}
ROUTES.update(IMPORT_ROUTES)

# Briefings: authors and admins build any, partners local ones of their own sites only.
BRIEFING_BUILD = Access("briefing-build", {**SITE_WRITE.outcomes, "author": "ok"})
PAGE_BRIEFING_BUILD = Access("page-briefing-build", {**PAGE_SITE_WRITE.outcomes, "author": "ok"})


async def _briefing(ctx: Ctx) -> str:
    """A local briefing of gdansk, built once per test (reading it is what is checked)."""
    if not getattr(ctx, "briefing", None):
        from civicfutures.briefings.params import BriefingIn
        from civicfutures.briefings.service import BriefingService

        built = await BriefingService().request(
            SYSTEM, BriefingIn(project="futures", site="gdansk")
        )
        ctx.briefing = built.id  # type: ignore[attr-defined]
    return ctx.briefing  # type: ignore[attr-defined]


async def _briefing_path(ctx: Ctx, prefix: str, suffix: str = "") -> Call:
    return Call(f"{prefix}/briefings/{await _briefing(ctx)}{suffix}")


BRIEFING_ROUTES: dict[tuple[str, str], Rule] = {
    ("POST", "/api/v1/briefings"): Rule(
        BRIEFING_BUILD,
        call("/api/v1/briefings", json={"project": "futures", "site": "gdansk"}, ok=201),
    ),
    ("GET", "/api/v1/briefings"): Rule(SIGNED_IN, call("/api/v1/briefings")),
    ("GET", "/api/v1/briefings/{briefing_id:str}"): Rule(
        SITE_READ, lambda ctx: _briefing_path(ctx, "/api/v1")
    ),
    ("GET", "/api/v1/briefings/{briefing_id:str}/files/{name:path}"): Rule(
        SITE_READ, lambda ctx: _briefing_path(ctx, "/api/v1", "/files/briefing.md")
    ),
    ("GET", "/{lang:str}/briefings"): Rule(PAGE_SIGNED_IN, call("/en/briefings")),
    ("POST", "/{lang:str}/briefings"): Rule(
        PAGE_BRIEFING_BUILD,
        call("/en/briefings", form={"project": "futures", "site": "gdansk"}, ok=303),
    ),
    ("GET", "/{lang:str}/briefings/{briefing_id:str}"): Rule(
        PAGE_SITE_READ, lambda ctx: _briefing_path(ctx, "/en")
    ),
    ("GET", "/{lang:str}/briefings/{briefing_id:str}/files/{name:path}"): Rule(
        PAGE_SITE_READ, lambda ctx: _briefing_path(ctx, "/en", "/files/briefing.html")
    ),
    ("GET", "/{lang:str}/briefings/{briefing_id:str}/progress"): Rule(
        PAGE_SITE_READ, lambda ctx: _briefing_path(ctx, "/en", "/progress")
    ),
}
ROUTES.update(BRIEFING_ROUTES)

# Jobs: read by the account that requested them and by admins; a job about a site only by
# those who see the site. Anyone else is told there is no such job.
JOB_READ = Access(
    "job-read",
    {
        "anonymous": 401,
        "partner_own": "ok",
        "partner_other": 404,
        "researcher": 404,
        "author": 404,
        "admin": "ok",
    },
)


async def _partner_job(ctx: Ctx, path: str = "/api/v1/jobs/{}") -> Call:
    """A job requested by the gdansk partner, about gdansk."""
    from civicfutures.db.tables import Membership, Site
    from civicfutures.jobs.runner import now
    from civicfutures.jobs.tables import Job

    partner = await (
        Membership.select(Membership.user, Membership.site)
        .where((Membership.role == "partner") & (Membership.site.slug == "gdansk"))
        .first()
    )
    site = await Site.select(Site.id).where(Site.slug == "gdansk").first()
    job_id = f"{ctx.next():024x}"
    await Job.insert(
        Job(
            id=job_id,
            kind="briefing",
            requested_by=partner["user"],
            site=site["id"],
            status="done",
            progress=1.0,
            result={},
            created_at=now(),
        )
    )
    return Call(path.format(job_id))


ROUTES[("GET", "/api/v1/jobs/{job_id:str}")] = Rule(JOB_READ, _partner_job)
# The same job's state for the pages' script, with the page session.
PAGE_JOB_READ = Access("page-job-read", {**JOB_READ.outcomes, "anonymous": 303})
ROUTES[("GET", "/{lang:str}/jobs/{job_id:str}/state")] = Rule(
    PAGE_JOB_READ, lambda ctx: _partner_job(ctx, "/en/jobs/{}/state")
)


async def _partner_export(ctx: Ctx) -> Call:
    """An export written by a job for the gdansk partner, in the store."""
    import tempfile
    from pathlib import Path

    from civicfutures.db.tables import Membership
    from civicfutures.exports import stored
    from civicfutures.jobs.runner import now
    from civicfutures.jobs.tables import Job
    from civicfutures.storage.objects import get_storage

    partner = await (
        Membership.select(Membership.user)
        .where((Membership.role == "partner") & (Membership.site.slug == "gdansk"))
        .first()
    )
    job_id = f"{ctx.next():024x}"
    await Job.insert(
        Job(
            id=job_id,
            kind="export",
            requested_by=partner["user"],
            status="done",
            progress=1.0,
            result={},
            created_at=now(),
        )
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "futures-en-stories.csv"
        path.write_bytes(b"story_id\n")
        await stored.store(
            get_storage(), job_id, partner["user"], path, path.name, "text/csv", "", {}, []
        )
    return Call(f"/api/v1/exports/files/{job_id}")


ROUTES[("GET", "/api/v1/exports/files/{job_id:str}")] = Rule(JOB_READ, _partner_export)

# The exports page's view of an export job, and its file: exporters only, and of those the
# account that asked (here another researcher: 404) and admins.
PAGE_EXPORT_JOB = Access(
    "page-export-job",
    {**PAGE_EXPORTERS.outcomes, "researcher": 404},
)


async def _researcher_export(ctx: Ctx, suffix: str = "") -> Call:
    """An export written by a job for another researcher, in the store."""
    import tempfile
    from pathlib import Path

    from civicfutures.exports import stored
    from civicfutures.jobs.runner import now
    from civicfutures.jobs.tables import Job
    from civicfutures.storage.objects import get_storage

    owner = await ctx.user()
    job_id = f"{ctx.next():024x}"
    await Job.insert(
        Job(
            id=job_id,
            kind="export",
            requested_by=owner,
            status="done",
            progress=1.0,
            result={"filename": "futures-en-stories.csv", "notes": {}},
            created_at=now(),
        )
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "futures-en-stories.csv"
        path.write_bytes(b"story_id\n")
        await stored.store(get_storage(), job_id, owner, path, path.name, "text/csv", "", {}, [])
    return Call(f"/en/exports/jobs/{job_id}{suffix}")


ROUTES[("GET", "/{lang:str}/exports/jobs/{job_id:str}")] = Rule(PAGE_EXPORT_JOB, _researcher_export)
ROUTES[("GET", "/{lang:str}/exports/jobs/{job_id:str}/file")] = Rule(
    PAGE_EXPORT_JOB, lambda ctx: _researcher_export(ctx, "/file")
)

# Coding: researchers, partners of the story's site and admins code; a coding made by someone
# else (here the system) may be changed or removed by admins only.
CODE = Access("code", {**SITE_WRITE.outcomes, "researcher": "ok"})
PAGE_CODE = Access("page-code", {**PAGE_SITE_WRITE.outcomes, "researcher": "ok"})
OTHERS_CODING = Access("others-coding", {**SITE_WRITE.outcomes, "partner_own": 403})
PAGE_OTHERS_CODING = Access("page-others-coding", {**PAGE_SITE_WRITE.outcomes, "partner_own": 403})


async def _others_coding(ctx: Ctx) -> tuple[int, int]:
    from civicfutures.coding.schemas import CodingCreate
    from civicfutures.coding.service import CodingService

    story = await ctx.story()
    made = await CodingService().create(SYSTEM, story, CodingCreate(theme="digital_tools"))
    return story, made.id


async def _api_code(ctx: Ctx) -> Call:
    story = await ctx.story()
    return Call(
        f"/api/v1/stories/{story}/codings",
        json={"theme": "digital_tools", "start": 0, "end": 5},
        ok=201,
    )


async def _api_change_coding(ctx: Ctx) -> Call:
    _story, coding = await _others_coding(ctx)
    return Call(f"/api/v1/codings/{coding}", json={"theme": "youth_voice"})


async def _api_delete_coding(ctx: Ctx) -> Call:
    _story, coding = await _others_coding(ctx)
    return Call(f"/api/v1/codings/{coding}", ok=204)


async def _page_code(ctx: Ctx) -> Call:
    story = await ctx.story()
    return Call(
        f"/en/stories/{story}/codings", form={"theme": "digital_tools", "phrase": "Linię"}, ok=303
    )


async def _page_change_coding(ctx: Ctx) -> Call:
    story, coding = await _others_coding(ctx)
    return Call(
        f"/en/stories/{story}/codings/{coding}/change", form={"theme": "youth_voice"}, ok=303
    )


async def _page_delete_coding(ctx: Ctx) -> Call:
    story, coding = await _others_coding(ctx)
    return Call(f"/en/stories/{story}/codings/{coding}/delete", form={}, ok=303)


async def _page_done(ctx: Ctx) -> Call:
    return Call(f"/en/stories/{await ctx.story()}/codings/done", form={"done": "1"}, ok=303)


async def _api_done(ctx: Ctx) -> Call:
    return Call(f"/api/v1/stories/{await ctx.story()}/coding-done", json={"done": True})


async def _api_list_codings(ctx: Ctx) -> Call:
    return Call(f"/api/v1/stories/{await ctx.story()}/codings")


CODING_ROUTES: dict[tuple[str, str], Rule] = {
    ("POST", "/api/v1/stories/{story_id:int}/codings"): Rule(CODE, _api_code),
    ("GET", "/api/v1/stories/{story_id:int}/codings"): Rule(SITE_READ, _api_list_codings),
    ("POST", "/api/v1/stories/{story_id:int}/coding-done"): Rule(CODE, _api_done),
    ("PATCH", "/api/v1/codings/{coding_id:int}"): Rule(OTHERS_CODING, _api_change_coding),
    ("DELETE", "/api/v1/codings/{coding_id:int}"): Rule(OTHERS_CODING, _api_delete_coding),
    ("POST", "/{lang:str}/stories/{story_id:int}/codings"): Rule(PAGE_CODE, _page_code),
    ("POST", "/{lang:str}/stories/{story_id:int}/codings/{coding_id:int}/change"): Rule(
        PAGE_OTHERS_CODING, _page_change_coding
    ),
    ("POST", "/{lang:str}/stories/{story_id:int}/codings/{coding_id:int}/delete"): Rule(
        PAGE_OTHERS_CODING, _page_delete_coding
    ),
    ("POST", "/{lang:str}/stories/{story_id:int}/codings/done"): Rule(PAGE_CODE, _page_done),
    ("GET", "/{lang:str}/projects/{project:str}/codings"): Rule(
        PAGE_SIGNED_IN, call("/en/projects/futures/codings")
    ),
    ("POST", "/{lang:str}/projects/{project:str}/codings/settings"): Rule(
        PAGE_ADMIN,
        call("/en/projects/futures/codings/settings", form={"blind_coding": "1"}, ok=303),
    ),
}
ROUTES.update(CODING_ROUTES)

# Agreement and memos: whoever may code reads the agreement of the sites they reach and
# reconciles; theme memos are researchers' and admins'; a memo or agreed coding made by
# someone else (here the system) is changed or removed by admins only (memos) or by whoever
# may reconcile the story (agreed codings).
CODERS_READ = Access(
    "coders-read",
    {
        "anonymous": 401,
        "partner_own": "ok",
        "partner_other": "ok",
        "researcher": "ok",
        "author": 403,
        "admin": "ok",
    },
)
PAGE_CODERS_READ = Access("page-coders-read", {**CODERS_READ.outcomes, "anonymous": 303})
PAGE_THEME_MEMO = Access(
    "page-theme-memo", {**PAGE_CODERS_READ.outcomes, "partner_own": 403, "partner_other": 403}
)
PAGE_OTHERS_THEME_MEMO = Access(
    "page-others-theme-memo",
    {**PAGE_THEME_MEMO.outcomes, "partner_own": 404, "partner_other": 404, "researcher": 403},
)


async def _story_path(ctx: Ctx, template: str) -> Call:
    return Call(template.format(await ctx.story()))


async def _story_call(ctx: Ctx, template: str, **call_args: Any) -> Call:
    return Call(template.format(await ctx.story()), **call_args)


async def _agreed(ctx: Ctx) -> tuple[int, int]:
    from civicfutures.coding.agreed import AgreedCodingService
    from civicfutures.coding.schemas import AgreedCreate

    story = await ctx.story()
    made = await AgreedCodingService().create(SYSTEM, story, AgreedCreate(theme="digital_tools"))
    return story, made.id


async def _memo(ctx: Ctx, theme: bool = False) -> tuple[int, int]:
    from civicfutures.coding.memos import MemoService
    from civicfutures.coding.schemas import MemoCreate

    if theme:
        data = MemoCreate(text="On the theme.", theme="youth_voice", project="futures")
        return 0, (await MemoService().create(SYSTEM, data)).id
    story = await ctx.story()
    return story, (await MemoService().create(SYSTEM, MemoCreate(text="On it.", story=story))).id


async def _api_agree(ctx: Ctx) -> Call:
    story = await ctx.story()
    return Call(f"/api/v1/stories/{story}/agreed-codings", json={"theme": "youth_voice"}, ok=201)


async def _api_unagree(ctx: Ctx) -> Call:
    _story, agreed = await _agreed(ctx)
    return Call(f"/api/v1/agreed-codings/{agreed}", ok=204)


async def _page_agree(ctx: Ctx) -> Call:
    story = await ctx.story()
    return Call(f"/en/stories/{story}/agreed", form={"theme": "youth_voice"}, ok=303)


async def _page_unagree(ctx: Ctx) -> Call:
    story, agreed = await _agreed(ctx)
    return Call(f"/en/stories/{story}/agreed/{agreed}/delete", form={}, ok=303)


async def _api_memo(ctx: Ctx) -> Call:
    story = await ctx.story()
    return Call("/api/v1/memos", json={"story": story, "text": "Why the bus?"}, ok=201)


async def _api_change_memo(ctx: Ctx) -> Call:
    _story, memo = await _memo(ctx)
    return Call(f"/api/v1/memos/{memo}", json={"text": "Changed."})


async def _api_delete_memo(ctx: Ctx) -> Call:
    _story, memo = await _memo(ctx)
    return Call(f"/api/v1/memos/{memo}", ok=204)


async def _page_memo(ctx: Ctx) -> Call:
    story = await ctx.story()
    return Call(f"/en/stories/{story}/memos", form={"about": "", "text": "Why?"}, ok=303)


async def _page_change_memo(ctx: Ctx) -> Call:
    story, memo = await _memo(ctx)
    return Call(f"/en/stories/{story}/memos/{memo}/change", form={"text": "Changed."}, ok=303)


async def _page_delete_memo(ctx: Ctx) -> Call:
    story, memo = await _memo(ctx)
    return Call(f"/en/stories/{story}/memos/{memo}/delete", form={}, ok=303)


async def _page_change_theme_memo(ctx: Ctx) -> Call:
    _none, memo = await _memo(ctx, theme=True)
    return Call(
        f"/en/projects/futures/agreement/memos/{memo}/change", form={"text": "Changed."}, ok=303
    )


async def _page_delete_theme_memo(ctx: Ctx) -> Call:
    _none, memo = await _memo(ctx, theme=True)
    return Call(f"/en/projects/futures/agreement/memos/{memo}/delete", form={}, ok=303)


AGREEMENT_ROUTES: dict[tuple[str, str], Rule] = {
    ("GET", "/api/v1/projects/{project:str}/agreement"): Rule(
        CODERS_READ, call("/api/v1/projects/futures/agreement")
    ),
    ("POST", "/api/v1/stories/{story_id:int}/agreed-codings"): Rule(CODE, _api_agree),
    ("GET", "/api/v1/stories/{story_id:int}/agreed-codings"): Rule(
        CODE, lambda ctx: _story_path(ctx, "/api/v1/stories/{}/agreed-codings")
    ),
    ("DELETE", "/api/v1/agreed-codings/{agreed_id:int}"): Rule(CODE, _api_unagree),
    ("POST", "/api/v1/memos"): Rule(CODE, _api_memo),
    ("GET", "/api/v1/stories/{story_id:int}/memos"): Rule(
        CODE, lambda ctx: _story_path(ctx, "/api/v1/stories/{}/memos")
    ),
    ("GET", "/api/v1/projects/{project:str}/memos"): Rule(
        CODERS_READ, call("/api/v1/projects/futures/memos")
    ),
    ("PATCH", "/api/v1/memos/{memo_id:int}"): Rule(OTHERS_CODING, _api_change_memo),
    ("DELETE", "/api/v1/memos/{memo_id:int}"): Rule(OTHERS_CODING, _api_delete_memo),
    ("GET", "/{lang:str}/projects/{project:str}/agreement"): Rule(
        PAGE_CODERS_READ, call("/en/projects/futures/agreement")
    ),
    ("POST", "/{lang:str}/projects/{project:str}/agreement/memos"): Rule(
        PAGE_THEME_MEMO,
        call(
            "/en/projects/futures/agreement/memos",
            form={"theme": "youth_voice", "text": "Age?"},
            ok=303,
        ),
    ),
    ("POST", "/{lang:str}/projects/{project:str}/agreement/memos/{memo_id:int}/change"): Rule(
        PAGE_OTHERS_THEME_MEMO, _page_change_theme_memo
    ),
    ("POST", "/{lang:str}/projects/{project:str}/agreement/memos/{memo_id:int}/delete"): Rule(
        PAGE_OTHERS_THEME_MEMO, _page_delete_theme_memo
    ),
    ("POST", "/{lang:str}/stories/{story_id:int}/agreed"): Rule(PAGE_CODE, _page_agree),
    ("POST", "/{lang:str}/stories/{story_id:int}/agreed/{agreed_id:int}/delete"): Rule(
        PAGE_CODE, _page_unagree
    ),
    ("POST", "/{lang:str}/stories/{story_id:int}/memos"): Rule(PAGE_CODE, _page_memo),
    ("POST", "/{lang:str}/stories/{story_id:int}/memos/{memo_id:int}/change"): Rule(
        PAGE_OTHERS_CODING, _page_change_memo
    ),
    ("POST", "/{lang:str}/stories/{story_id:int}/memos/{memo_id:int}/delete"): Rule(
        PAGE_OTHERS_CODING, _page_delete_memo
    ),
}
ROUTES.update(AGREEMENT_ROUTES)

# Suggested themes: whoever may code the story reads and rejects them; the held-out figures
# are read like the agreement.
SUGGESTION_ROUTES: dict[tuple[str, str], Rule] = {
    ("GET", "/api/v1/stories/{story_id:int}/suggestions"): Rule(
        CODE, lambda ctx: _story_path(ctx, "/api/v1/stories/{}/suggestions")
    ),
    ("POST", "/api/v1/stories/{story_id:int}/suggestions/rejections"): Rule(
        CODE,
        lambda ctx: _story_call(
            ctx,
            "/api/v1/stories/{}/suggestions/rejections",
            json={"theme": "youth_voice"},
            ok=204,
        ),
    ),
    ("GET", "/api/v1/projects/{project:str}/suggestions/quality"): Rule(
        CODERS_READ, call("/api/v1/projects/futures/suggestions/quality")
    ),
    ("POST", "/{lang:str}/stories/{story_id:int}/suggestions/reject"): Rule(
        PAGE_CODE,
        lambda ctx: _story_call(
            ctx, "/en/stories/{}/suggestions/reject", form={"theme": "youth_voice"}, ok=303
        ),
    ),
}
ROUTES.update(SUGGESTION_ROUTES)


async def _fresh_theme(ctx: Ctx) -> str:
    from civicfutures.intake.setup_service import SetupService

    key = f"fresh{ctx.next()}"
    await SetupService().create_theme(
        SYSTEM, s.ThemeIn(project="futures", key=key, kind="other", labels={"en": key})
    )
    return key


async def _api_merge(ctx: Ctx) -> Call:
    source, into = await _fresh_theme(ctx), await _fresh_theme(ctx)
    return Call("/api/v1/projects/futures/codebook/merge", json={"source": source, "into": into})


async def _api_split(ctx: Ctx) -> Call:
    key = await _fresh_theme(ctx)
    return Call(
        "/api/v1/projects/futures/codebook/split",
        json={"theme": key, "into": [{"key": f"{key}_part"}]},
        ok=201,
    )


async def _api_retire(ctx: Ctx) -> Call:
    key = await _fresh_theme(ctx)
    return Call(f"/api/v1/projects/futures/codebook/themes/{key}/retire", json={"retired": True})


async def _page_add_theme(ctx: Ctx) -> Call:
    return Call(
        "/en/projects/futures/codebook/themes",
        form={"key": f"page{ctx.next()}", "label": "Page", "kind": "other"},
        ok=303,
    )


async def _page_merge(ctx: Ctx) -> Call:
    source, into = await _fresh_theme(ctx), await _fresh_theme(ctx)
    return Call(
        "/en/projects/futures/codebook/merge", form={"source": source, "into": into}, ok=303
    )


async def _page_save_theme(ctx: Ctx) -> Call:
    key = await _fresh_theme(ctx)
    return Call(
        f"/en/projects/futures/codebook/themes/{key}",
        form={"label.en": "Renamed", "parent": "youth_voice", "kind": "vision"},
        ok=303,
    )


async def _page_retire(ctx: Ctx) -> Call:
    key = await _fresh_theme(ctx)
    return Call(f"/en/projects/futures/codebook/themes/{key}/retire", form={"retired": "1"}, ok=303)


async def _page_split(ctx: Ctx) -> Call:
    key = await _fresh_theme(ctx)
    return Call(
        f"/en/projects/futures/codebook/themes/{key}/split",
        form={"new_key": f"{key}_part", "new_label": "Part"},
        ok=303,
    )


CODEBOOK_ROUTES: dict[tuple[str, str], Rule] = {
    ("GET", "/api/v1/projects/{project:str}/codebook"): Rule(
        SIGNED_IN, call("/api/v1/projects/futures/codebook?format=csv")
    ),
    # A JSON body is no codebook file: editors get the file's 422, everyone else is refused.
    ("POST", "/api/v1/projects/{project:str}/codebook"): Rule(
        CODEBOOK, call("/api/v1/projects/futures/codebook?format=csv", json={"x": 1}, ok=422)
    ),
    ("POST", "/api/v1/projects/{project:str}/codebook/merge"): Rule(CODEBOOK, _api_merge),
    ("POST", "/api/v1/projects/{project:str}/codebook/split"): Rule(CODEBOOK, _api_split),
    ("POST", "/api/v1/projects/{project:str}/codebook/themes/{key:str}/retire"): Rule(
        CODEBOOK, _api_retire
    ),
    ("POST", "/{lang:str}/projects/{project:str}/codebook/themes"): Rule(
        PAGE_CODEBOOK, _page_add_theme
    ),
    ("POST", "/{lang:str}/projects/{project:str}/codebook/merge"): Rule(PAGE_CODEBOOK, _page_merge),
    # No file chosen: editors get the form back with the error.
    ("POST", "/{lang:str}/projects/{project:str}/codebook/import"): Rule(
        PAGE_CODEBOOK, call("/en/projects/futures/codebook/import", form={}, ok=422)
    ),
    ("GET", "/{lang:str}/projects/{project:str}/codebook/download/{fmt:str}"): Rule(
        PAGE_SIGNED_IN, call("/en/projects/futures/codebook/download/qdc")
    ),
    ("GET", "/{lang:str}/projects/{project:str}/codebook/themes/{key:str}"): Rule(
        PAGE_SIGNED_IN, call("/en/projects/futures/codebook/themes/youth_voice")
    ),
    ("POST", "/{lang:str}/projects/{project:str}/codebook/themes/{key:str}"): Rule(
        PAGE_CODEBOOK, _page_save_theme
    ),
    ("POST", "/{lang:str}/projects/{project:str}/codebook/themes/{key:str}/retire"): Rule(
        PAGE_CODEBOOK, _page_retire
    ),
    ("POST", "/{lang:str}/projects/{project:str}/codebook/themes/{key:str}/split"): Rule(
        PAGE_CODEBOOK, _page_split
    ),
}
ROUTES.update(CODEBOOK_ROUTES)

# Routes Litestar adds for the OpenAPI document and its viewers: public by design.
GENERATED = re.compile(r"^/schema(/|$)|^/static(/|$)")


def app_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if GENERATED.match(route.path):
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method in {"HEAD", "OPTIONS"}:
                    continue
                found.add((method, route.path))
    return found


def test_every_route_is_in_the_table(app):
    routes = app_routes(app)
    missing = sorted(routes - ROUTES.keys())
    stale = sorted(ROUTES.keys() - routes)
    assert not missing, f"routes without an access rule: {missing}"
    assert not stale, f"rules for routes that no longer exist: {stale}"


def test_every_route_declares_a_guard(app):
    unguarded = []
    for route in app.routes:
        if GENERATED.match(route.path):
            continue
        for handler in getattr(route, "route_handlers", []):
            # Litestar adds an OPTIONS handler per path for CORS pre-flight; it runs no code of ours.
            if handler.http_methods <= {"OPTIONS", "HEAD"}:
                continue
            if not handler.resolve_guards():
                unguarded.append((route.path, sorted(handler.http_methods)))
    assert not unguarded, f"routes without a guard: {unguarded}"


@pytest.fixture
async def callers(client, token_for) -> dict[str, dict[str, str]]:
    return {
        "anonymous": {},
        "partner_own": await token_for("partner", "gdansk"),
        "partner_other": await token_for("partner", "voru"),
        "researcher": await token_for("researcher"),
        "author": await token_for("author"),
        "admin": await token_for("admin"),
    }


async def _sign_in_page_session(client, headers: dict[str, str]) -> None:
    """Turn a bearer caller into a page session through the login form."""
    from civicfutures.auth.accounts import token_digest
    from civicfutures.db.tables import ApiToken, User

    client.cookies.clear()
    if not headers:
        return
    token = headers["Authorization"].split()[1]
    row = (
        await ApiToken.select(ApiToken.user.email)
        .where(ApiToken.token_hash == token_digest(token))
        .first()
    )
    # The login route's own case fails on purpose once per role, all from one address: start
    # each role's sign-in without that address's back-off.
    from civicfutures.db.tables import LoginThrottle

    await LoginThrottle.delete(force=True)
    await client.get("/en/login")
    response = await client.post(
        "/en/login",
        data={
            "email": row["user.email"],
            "password": "correct horse battery",
            "_csrf_token": client.cookies.get("civicfutures_csrf", ""),
        },
    )
    assert response.status_code == 303, response.text
    assert await User.count() >= 1


async def _send(client, method: str, call_: Call, headers: dict[str, str], page: bool):
    if page:
        csrf = client.cookies.get("civicfutures_csrf", "")
        if method != "GET" and not csrf:
            await client.get("/en/login")
            csrf = client.cookies.get("civicfutures_csrf", "")
        data = None if call_.form is None else {**call_.form, "_csrf_token": csrf}
        return await client.request(
            method, call_.path, data=data, headers=call_.headers, follow_redirects=False
        )
    if call_.content is not None:
        return await client.request(
            method, call_.path, content=call_.content, headers={**headers, **call_.headers}
        )
    return await client.request(
        method, call_.path, json=call_.json, headers={**headers, **call_.headers}
    )


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES), ids=lambda value: value)
async def test_route_answers_each_role_as_its_table_says(client, app, world, callers, method, path):
    rule = ROUTES[(method, path)]
    page = rule.access.name.startswith("page")
    ctx = Ctx(world=world)
    failures = []
    for role in ROLES:
        expected = rule.access.outcomes[role]
        call_ = await rule.make(ctx)
        if page:
            await _sign_in_page_session(client, callers[role])
        response = await _send(client, method, call_, callers[role], page)
        status = call_.ok if expected == "ok" else expected
        if response.status_code != status:
            failures.append(
                f"{role}: expected {status}, got {response.status_code} {response.text[:160]}"
            )
        if status == 303 and expected != "ok":
            assert "/login" in response.headers.get("location", ""), response.headers
    client.cookies.clear()
    assert not failures, f"{method} {path}\n" + "\n".join(failures)
