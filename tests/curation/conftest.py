"""A curated world: the `world` project plus outcomes and stories in Polish, Estonian and Arabic."""

from __future__ import annotations

import pytest

from builders import story_body
from curation.stories import AR_BODY, ET_BODY, OUTCOMES, PL_BODY
from pages.conftest import csrf_token, sign_in  # noqa: F401


@pytest.fixture
async def curated(client, admin, world) -> dict:
    """Outcomes and three stories: Polish and Arabic at Gdańsk, Estonian at Võru."""
    for outcome in OUTCOMES:
        response = await client.post(
            "/api/v1/outcomes", json={"project": "futures", **outcome}, headers=admin
        )
        assert response.status_code == 201, response.text

    async def story(site: str, teller: int, language: str, body: str, translations: list) -> dict:
        payload = story_body(
            world,
            site,
            storytellers=[world["storytellers"][site][teller]["id"]],
            language=language,
            body=body,
            translations=translations,
            codings=[],
        )
        response = await client.post("/api/v1/stories", json=payload, headers=admin)
        assert response.status_code == 201, response.text
        return response.json()

    english = [
        {"language": "en", "title": "", "body": "A whole English translation.", "by": "human"}
    ]
    return {
        **world,
        "pl": await story("gdansk", 0, "pl", PL_BODY, english),
        "et": await story("voru", 0, "et", ET_BODY, []),
        "ar": await story("gdansk", 1, "ar", AR_BODY, english),
    }


@pytest.fixture
def insight_body():
    """A valid insight body with changes applied."""

    def make(**changes) -> dict:
        body = {
            "project": "futures",
            "site": "gdansk",
            "language": "en",
            "title": {"en": "Young people feel unheard", "pl": "Młodzi czują się niesłyszani"},
            "summary": {"en": "Several stories tell of proposals left unanswered."},
            "themes": ["youth_voice"],
            "outcomes": ["youth_heard"],
            "evidence": [],
            "status": "draft",
        }
        body.update(changes)
        return body

    return make


@pytest.fixture
def post_page(client):
    """Post a form with the CSRF token of the page it sits on."""

    async def post(page_path: str, action: str, fields: dict):
        page = await client.get(page_path)
        assert page.status_code == 200, page.text
        return await client.post(action, data={**fields, "_csrf_token": csrf_token(page.text)})

    return post
