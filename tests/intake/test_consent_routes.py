"""Every read route of the app, JSON and HTML, walked by every role with a storyteller in each
consent state: what a role may not read never appears in any answer, whatever the route.

Each story carries a marker word in its title and body and each storyteller a distinctive code;
the walk collects every answer (files unpacked: XLSX and QDPX are zips, Parquet is read back)
and looks for the markers a role must not meet. A GET route with a path parameter this walk
cannot fill fails the test, so a new read route is walked from the day it is added.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

import polars as pl
import pytest

from builders import story_body
from recordings.media import wav_bytes

PASSWORD = "amber-quay-lantern-7291"
GENERATED = re.compile(r"^/schema(/|$)|^/static(/|$)")
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")

# Consent states, each with its own storyteller code and story marker.
STATES = {
    "research": (["research", "quote"], "GD-RESEARCH", "ZQRESEARCH"),
    "archive": (["archive"], "GD-ARCHIVEONLY", "ZQARCHIVEONLY"),
    "quote": (["quote"], "GD-QUOTEONLY", "ZQQUOTEONLY"),
    "withdrawn": (["research", "quote"], "GD-WITHDRAWN", "ZQWITHDRAWN"),
    "erased": (["research", "quote"], "GD-ERASED", "ZQERASED"),
}
MIXED = "ZQMIXED"  # told by a research-consented and an archive-only storyteller together

UNREADABLE = {
    # Researchers and authors: research consent only, every storyteller of a story.
    "researcher": {
        "ZQARCHIVEONLY",
        "ZQQUOTEONLY",
        "ZQWITHDRAWN",
        "ZQERASED",
        MIXED,
        "GD-ARCHIVEONLY",
        "GD-QUOTEONLY",
        "GD-WITHDRAWN",
        "GD-ERASED",
    },
    # Partners of the site and admins keep the consent records, never a withdrawn person's words.
    "partner_own": {"ZQWITHDRAWN", "ZQERASED", "GD-ERASED"},
    "admin": {"ZQWITHDRAWN", "ZQERASED", "GD-ERASED"},
    # Another site's partner reads nothing of gdansk.
    "partner_other": {
        *(marker for _scopes, _code, marker in STATES.values()),
        *(code for _scopes, code, _marker in STATES.values()),
        MIXED,
    },
}
UNREADABLE["author"] = UNREADABLE["researcher"]

# What each role must meet somewhere: proof that the walk reads what it scans.
READABLE = {
    "researcher": {"ZQRESEARCH", "GD-RESEARCH"},
    "author": {"ZQRESEARCH"},
    "partner_own": {"ZQRESEARCH", "ZQARCHIVEONLY", "ZQQUOTEONLY", MIXED, "GD-WITHDRAWN"},
    "admin": {"ZQRESEARCH", "ZQARCHIVEONLY", MIXED},
    "partner_other": set(),
}

# Query strings the list routes need to answer at all.
QUERIES = {
    "/api/v1/stories": ["", "?site=gdansk&limit=200", "?q=opowiesc&limit=100"],
    "/{lang:str}/search": ["?q=opowiesc", "?q=autobusie&site=gdansk"],
    "/{lang:str}/stories": ["", "?site=gdansk", "?project=futures&status=reviewed&page=1"],
    "/{lang:str}/stories/download/{file_format:str}": ["", "?site=gdansk&theme=youth_voice"],
    "/api/v1/storytellers": ["", "?site=gdansk"],
    "/api/v1/themes": ["?project=futures"],
    "/api/v1/outcomes": ["?project=futures"],
    "/api/v1/insights": ["?project=futures"],
    "/api/v1/quotes": ["?project=futures"],
    "/api/v1/theory-of-change": ["?project=futures"],
    "/api/v1/themes/missing-labels": ["?project=futures"],
    "/api/v1/subject-access": ["?project=futures&code=GD-RESEARCH"],
    "/api/v1/imports/template": ["?project=futures&site=gdansk&format=csv"],
    "/api/v1/forms/{form:str}": ["?lang=pl&project=futures"],
    "/language/{lang:str}": ["?next=/en/"],
    "/{lang:str}/analysis/{kind:str}": ["?project=futures"],
    "/{lang:str}/analysis/{kind:str}/{file:str}": ["?project=futures"],
    "/{lang:str}/admin/audit": ["", "?entity=storyteller", "?action=erase", "?action=update"],
}
# Routes whose path parameters name objects this walk does not make (no story text reaches
# them here: outcomes and insights are empty in this world), with the reason.
NOT_WALKED = {
    "/api/v1/outcomes/{project:str}/{key:str}": "no outcome in this world",
    "/api/v1/insights/{insight_id:int}": "no insight in this world",
    "/{lang:str}/insights/{insight_id:int}": "no insight in this world",
    "/{lang:str}/insights/{insight_id:int}/edit": "no insight in this world",
    "/{lang:str}/insights/{insight_id:int}/evidence": "no insight in this world",
}


@dataclass
class World:
    stories: dict[str, int] = field(default_factory=dict)
    tellers: dict[str, int] = field(default_factory=dict)
    workshop: int = 0
    briefing: str = ""
    briefing_files: list[str] = field(default_factory=list)
    job: str = ""
    exports: list[str] = field(default_factory=lambda: ["export-none"])


async def _build(client, world, admin) -> World:
    built = World(workshop=world["workshops"]["gdansk"]["id"])

    async def teller(code: str, scopes: list[str]) -> int:
        answer = await client.post(
            "/api/v1/storytellers",
            json={
                "site": "gdansk",
                "code": code,
                "demographics": {"age_band": "65+"},
                "consent": {"version": "v1", "given_at": "2025-03-15", "scopes": scopes},
            },
            headers=admin,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    async def story(marker: str, tellers: list[int]) -> int:
        body = story_body(
            world,
            storytellers=tellers,
            title=f"{marker} tytuł",
            body=f"Opowieść {marker} o autobusie.",
            translations=[
                {
                    "language": "en",
                    "title": f"{marker} title",
                    "body": f"{marker} story",
                    "by": "human",
                }
            ],
        )
        answer = await client.post("/api/v1/stories", json=body, headers=admin)
        assert answer.status_code == 201, answer.text
        story_id = answer.json()["id"]
        await client.patch(
            f"/api/v1/stories/{story_id}", json={"status": "reviewed"}, headers=admin
        )
        # A recording whose subtitles carry the marker: media routes are walked with content.
        recording = await client.post(
            f"/api/v1/stories/{story_id}/recording", content=wav_bytes(0.1), headers=admin
        )
        assert recording.status_code == 201, recording.text
        vtt = f"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{marker} napisy\n".encode()
        subtitles = await client.put(
            f"/api/v1/stories/{story_id}/subtitles/pl",
            content=vtt,
            headers={**admin, "Content-Type": "text/vtt"},
        )
        assert subtitles.status_code == 200, subtitles.text
        return story_id

    for state, (scopes, code, marker) in STATES.items():
        # Withdrawal and erasure come after the story was told with consent.
        built.tellers[state] = await teller(code, scopes)
        built.stories[state] = await story(marker, [built.tellers[state]])
    built.stories["mixed"] = await story(
        MIXED, [built.tellers["research"], built.tellers["archive"]]
    )
    withdrawn = await client.patch(
        f"/api/v1/storytellers/{built.tellers['withdrawn']}",
        json={"consent": {"version": "v1", "given_at": "2025-03-15", "scopes": []}},
        headers=admin,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    erased = await client.delete(f"/api/v1/storytellers/{built.tellers['erased']}", headers=admin)
    assert erased.status_code == 204, erased.text

    briefing = await client.post(
        "/api/v1/briefings", json={"project": "futures", "site": "gdansk"}, headers=admin
    )
    assert briefing.status_code == 201, briefing.text
    built.briefing = briefing.json()["id"]
    built.briefing_files = [f["name"] for f in briefing.json()["files"]]
    assert built.briefing_files, briefing.text
    from civicfutures.jobs.tables import Job

    built.job = (await Job.select(Job.id).where(Job.subject == built.briefing).first())["id"]
    return built


def _kinds(path: str) -> list[str]:
    if path.startswith("/{lang:str}/analysis/"):
        from civicfutures.analysis.suite import KINDS

        return list(KINDS)
    if path.startswith("/api/v1/analysis/"):
        from civicfutures.analysis.suite import KINDS

        return [f"{kind}?project=futures" for kind in KINDS]
    if path.startswith("/api/v1/exports/"):
        from civicfutures.exports.registry import EXPORTS

        return [
            f"{kind}?project=futures&format={fmt}&include_codes=true"
            for kind, formats in EXPORTS.items()
            for fmt in formats
        ]
    raise AssertionError(f"no values for {{kind}} in {path}")


def _values(name: str, path: str, built: World) -> list[str]:
    """Every value the walk gives one path parameter of one route."""
    fixed = {
        "lang": ["en"],
        "project": ["futures"],
        "site": ["gdansk"],
        "workshop_id": [str(built.workshop)],
        "story_id": [str(i) for i in built.stories.values()],
        "storyteller_id": [str(i) for i in built.tellers.values()],
        "briefing_id": [built.briefing],
        "name": built.briefing_files,
        "form": ["story", "storyteller", "workshop"],
        "file_format": ["csv", "xlsx"],
        "fmt": ["qdc", "csv"],
        "diagram_format": ["svg", "dot", "mermaid"],
        "key": ["youth_voice"],
        "file": ["download.csv", "download.xlsx", "download.parquet"],
        "export_id": built.exports,
        "language": ["pl", "en"],
        "job_id": [built.job],
    }
    if name == "ref":
        return ["futures"] if "/projects/" in path else ["gdansk"]
    if name == "kind":
        return _kinds(path)
    if name not in fixed:
        raise AssertionError(f"the consent walk cannot fill {{{name}}} in {path}: add it")
    return fixed[name]


def _urls(path: str, built: World) -> list[str]:
    urls = [path]
    for match in PARAM.finditer(path):
        values = _values(match.group(1), path, built)
        urls = [url.replace(match.group(0), value, 1) for url in urls for value in values]
    queries = QUERIES.get(path, [""])
    return [url + query if "?" not in url else url for url in urls for query in queries]


def _get_routes(app) -> list[str]:
    paths = set()
    for route in app.routes:
        if GENERATED.match(route.path):
            continue
        for handler in getattr(route, "route_handlers", []):
            if "GET" in handler.http_methods:
                paths.add(route.path)
    return sorted(paths)


def _text(content: bytes, media_type: str) -> str:
    """The answer as text a marker can be found in: zips unpacked, Parquet read back."""
    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    if content[:4] == b"PAR1":
        return str(pl.read_parquet(io.BytesIO(content)).rows())
    return content.decode("utf-8", "replace")


async def _kept_exports(client) -> list[str]:
    """Exports built on the exports page by the signed-in account, one of each kind (stories
    with codes asked for, in two formats): the walk downloads them back."""
    from civicfutures.exports.registry import EXPORTS

    page = await client.get("/en/exports")
    if page.status_code != 200:
        return ["export-none"]
    token = re.search(r'name="_csrf_token" value="([^"]*)"', page.text).group(1)
    for kind, fmt in [("stories", "csv"), ("stories", "xlsx"), *((k, "") for k in EXPORTS)]:
        answer = await client.post(
            "/en/exports",
            data={
                "project": "futures",
                "kind": kind,
                "format": fmt,
                "include_codes": "1",
                "_csrf_token": token,
            },
        )
        assert answer.status_code == 303, answer.text
    found = re.findall(r'<tr id="export-(export-\w+)"', (await client.get("/en/exports")).text)
    assert len(found) == len(EXPORTS) + 2
    return found


async def _sign_in(client, email: str) -> None:
    from civicfutures.db.tables import LoginThrottle

    await LoginThrottle.delete(force=True)
    client.cookies.clear()
    await client.get("/en/login")
    answer = await client.post(
        "/en/login",
        data={
            "email": email,
            "password": PASSWORD,
            "_csrf_token": client.cookies.get("civicfutures_csrf", ""),
        },
    )
    assert answer.status_code == 303, answer.text


ROLE_USERS = {
    "partner_own": ("partner", ("gdansk",)),
    "partner_other": ("partner", ("voru",)),
    "researcher": ("researcher", ()),
    "author": ("author", ()),
    "admin": ("admin", ()),
}


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
async def test_no_read_route_shows_what_consent_withholds(client, app, world, admin, role):
    from civicfutures.auth.accounts import create_token, create_user

    built = await _build(client, world, admin)
    kind, sites = ROLE_USERS[role]
    email = f"walk-{role}@test.civicfutures.eu"
    await create_user(email, kind, sites, password=PASSWORD)
    bearer = {"Authorization": f"Bearer {await create_token(email)}"}
    await _sign_in(client, email)
    built.exports = await _kept_exports(client)

    leaks: list[str] = []
    met: set[str] = set()
    walked = 0
    for path in _get_routes(app):
        if path in NOT_WALKED:
            continue
        page = not path.startswith("/api/")
        for url in _urls(path, built):
            answer = await client.get(url, headers={} if page else bearer)
            walked += 1
            assert answer.status_code < 500, f"{url}: {answer.status_code} {answer.text[:200]}"
            text = _text(answer.content, answer.headers.get("content-type", ""))
            for marker in UNREADABLE[role]:
                if marker in text:
                    leaks.append(f"{marker} in {url} ({answer.status_code})")
            met |= {marker for marker in READABLE[role] if marker in text}
    client.cookies.clear()

    assert walked > 100
    assert not leaks, "\n".join(leaks)
    assert met == READABLE[role], f"never met: {READABLE[role] - met}"
