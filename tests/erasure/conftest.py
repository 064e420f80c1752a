"""A storyteller whose words reached stories, a quote, a briefing, a snapshot and an export."""

from __future__ import annotations

import pytest

from pages.conftest import sign_in  # noqa: F401

CODE = "GDANSK-ZX9"
TITLE = "Tramwaj Zefirek"
BODY = "Tramwaj Zefirek odjechał na zawsze i nikt nas nie pytał. Zostaliśmy sami na przystanku."
TRANSLATION = "The Zefirek tram left for good and nobody asked us."
STORY_KEY = "zefirek-story"
# What must not be found anywhere once the storyteller is erased.
NEEDLES = (CODE, "Zefirek", BODY[:40])


@pytest.fixture
async def teller(client, admin, world) -> dict:
    """A consenting storyteller at Gdańsk with one story of their own, quoted by an insight."""
    response = await client.post(
        "/api/v1/storytellers",
        json={
            "site": "gdansk",
            "code": CODE,
            "demographics": {"age_band": "25-64"},
            "consent": {
                "version": "v1",
                "given_at": "2025-03-15T10:00:00Z",
                "scopes": ["research", "quote"],
            },
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    storyteller = response.json()
    story_request = {
        "workshop": world["workshops"]["gdansk"]["id"],
        "storytellers": [storyteller["id"]],
        "kind": "present",
        "language": "pl",
        "title": TITLE,
        "body": BODY,
        "translations": [
            {"language": "en", "title": "Zefirek", "body": TRANSLATION, "by": "human"}
        ],
        "codings": [{"theme": "youth_voice", "coder": "coder-a"}],
    }
    story = await client.post(
        "/api/v1/stories",
        json=story_request,
        headers={**admin, "Idempotency-Key": STORY_KEY},
    )
    assert story.status_code == 201, story.text
    insight = await client.post(
        "/api/v1/insights",
        json={
            "project": "futures",
            "site": "gdansk",
            "language": "pl",
            "title": {"pl": "Transport bez mieszkańców"},
            "themes": ["youth_voice"],
            "evidence": [
                {
                    "story": story.json()["id"],
                    "start": 0,
                    "end": BODY.index(".") + 1,
                    "quotable": True,
                }
            ],
            "status": "agreed",
        },
        headers=admin,
    )
    assert insight.status_code == 201, insight.text
    return {
        "storyteller": storyteller,
        "story": story.json(),
        "story_request": story_request,
        "insight": insight.json(),
    }


async def build_briefing(client, headers, site: str = "gdansk") -> dict:
    response = await client.post(
        "/api/v1/briefings", json={"project": "futures", "site": site}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()
