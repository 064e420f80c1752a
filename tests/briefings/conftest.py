"""Demo briefings built once per session: a Polish local one (Gdańsk) and an English cross-site one.

The demo project gets two agreed insights first, so quotes and the Theory-of-Change mapping
have content: one at Gdańsk quoting a Polish story, titled like a spreadsheet formula, and a
cross-site one quoting an Estonian story with a curated English translation that starts with
a dash. Each briefing is built twice (the second time into another directory, through the
whole pipeline again) so tests can compare the bytes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from briefings.demo import DASH_TRANSLATION, FORMULA_TITLE, PROJECT
from pages.conftest import sign_in  # noqa: F401

_BUILT: dict[str, dict[str, Path]] = {}


async def _first_story(site: str, language: str) -> dict:
    from civicfutures.db.tables import Story

    return (
        await Story.select(Story.id, Story.body)
        .where((Story.site.slug == site) & (Story.language == language))
        .order_by(Story.id)
        .first()
    )


def _first_sentence(body: str) -> int:
    return body.index(".") + 1


async def curate_demo(client, headers: dict[str, str]) -> dict:
    """Two agreed insights with quotable evidence, mapped to a Theory-of-Change outcome."""
    pl_story = await _first_story("gdansk", "pl")
    et_story = await _first_story("voru", "et")
    insights = [
        {
            "project": PROJECT,
            "site": "gdansk",
            "language": "pl",
            "title": {"pl": FORMULA_TITLE, "en": "Young people are heard too late"},
            "summary": {
                "pl": "Młodzi ludzie angażują się, ale nikt im nie odpowiada.",
                "en": "Young people engage, but nobody answers them.",
            },
            "themes": ["youth_disengagement"],
            "outcomes": ["more_inclusive_participation"],
            "evidence": [
                {
                    "story": pl_story["id"],
                    "start": 0,
                    "end": _first_sentence(pl_story["body"]),
                    "quotable": True,
                }
            ],
            "status": "agreed",
        },
        {
            "project": PROJECT,
            "site": None,
            "language": "en",
            "title": {"en": "Rural places feel decided about from afar"},
            "summary": {"en": "Closures are announced without asking the people they affect."},
            "themes": [],
            "outcomes": ["more_inclusive_participation"],
            "evidence": [
                {
                    "story": et_story["id"],
                    "start": 0,
                    "end": _first_sentence(et_story["body"]),
                    "quotable": True,
                    "translations": {"en": DASH_TRANSLATION},
                }
            ],
            "status": "agreed",
        },
    ]
    created = []
    for body in insights:
        response = await client.post("/api/v1/insights", json=body, headers=headers)
        assert response.status_code == 201, response.text
        created.append(response.json())
    return {"insights": created, "pl_story": pl_story, "et_story": et_story}


@pytest.fixture
async def demo_briefings(client, admin) -> dict[str, dict[str, Path]]:
    """`{"pl": {"dir", "again"}, "en": {...}}`: each demo briefing and its rebuild."""
    # Built once for the session, and again when a test in between withdrew them (consent
    # withdrawn deletes every briefing drawing on the storyteller).
    if not _BUILT or any(
        not (built / "manifest.json").exists()
        for pair in _BUILT.values()
        for built in pair.values()
    ):
        from civicfutures.auth.actor import SYSTEM
        from civicfutures.briefings.params import BriefingIn
        from civicfutures.briefings.service import BriefingService
        from civicfutures.demo import load_demo

        await load_demo()
        await curate_demo(client, admin)
        service = BriefingService()
        rebuilt = Path(service.exports_dir) / "rebuilt"
        shutil.rmtree(rebuilt, ignore_errors=True)
        requests = {
            "pl": BriefingIn(project=PROJECT, site="gdansk"),
            "en": BriefingIn(project=PROJECT, language="en"),
        }
        for key, data in requests.items():
            first = await service.build_into(SYSTEM, data)
            again = await service.build_into(SYSTEM, data, rebuilt / key)
            _BUILT[key] = {"dir": first, "again": again}
    return _BUILT


async def post_briefing_form(client, lang: str = "en", **fields: str):
    """Open the briefings page and post its build form: project `futures`, every other field
    empty unless given (`from_` for the `from` field)."""
    from pages.conftest import csrf_token

    page = await client.get(f"/{lang}/briefings")
    data = {
        "project": "futures",
        "site": "",
        "language": "",
        "from": "",
        "to": "",
        "suppression": "",
    }
    data.update({key.rstrip("_"): value for key, value in fields.items()})
    return await client.post(
        f"/{lang}/briefings", data={**data, "_csrf_token": csrf_token(page.text)}
    )
