"""The archive's shelf of stories, and signing in through the form where a page must look the
same signed in."""

from __future__ import annotations

import pytest

from builders import story_body
from pages.conftest import sign_in  # noqa: F401

SCOPES = ["research", "quote", "archive"]


async def set_consent(
    client, admin, teller: int, scopes: list[str], withdrawn: bool = False
) -> None:
    consent = {"version": "v2", "given_at": "2025-03-15", "scopes": scopes}
    if withdrawn:
        consent["withdrawn_at"] = "2025-06-01T00:00:00Z"
    answer = await client.patch(
        f"/api/v1/storytellers/{teller}", json={"consent": consent}, headers=admin
    )
    assert answer.status_code == 200, answer.text


async def add_story(client, admin, world, **changes) -> int:
    answer = await client.post("/api/v1/stories", json=story_body(world, **changes), headers=admin)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def publish_archive(client, admin, state: str = "published") -> None:
    answer = await client.patch("/api/v1/projects/futures", json={"archive": state}, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json()["archive"] == state


async def fill_shelf(client, admin, world) -> dict:
    """Gdańsk stories: one public, one of two tellers (only one consenting to the archive),
    a draft and a submitted one; the first teller consents to the archive."""
    first, second = (t["id"] for t in world["storytellers"]["gdansk"])
    await set_consent(client, admin, first, SCOPES)
    public = await add_story(
        client,
        admin,
        world,
        status="reviewed",
        title="Młodzieżowa rada miasta",
        body="Młodzieżowa rada spotyka się w bibliotece. Żółć mnie zalała, gdy ją zamknięto.",
        codings=[{"theme": "youth_voice", "coder": "coder-a"}],
    )
    group = await add_story(
        client,
        admin,
        world,
        status="reviewed",
        storytellers=[first, second],
        title="Wspólna opowieść",
        body="Opowiadamy razem o przystanku tramwajowym.",
    )
    draft = await add_story(
        client, admin, world, status="draft", title="Szkic", body="Szkic opowieści."
    )
    submitted = await add_story(client, admin, world, title="Zgłoszona", body="Zgłoszona opowieść.")
    return {
        "public": public,
        "group": group,
        "draft": draft,
        "submitted": submitted,
        "first": first,
        "second": second,
    }


@pytest.fixture
async def shelf(client, admin, world) -> dict:
    return await fill_shelf(client, admin, world)
