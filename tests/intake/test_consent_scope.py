"""One consent rule for every read: researchers and authors read only research-consented
storytellers and their stories; nobody reads a withdrawn storyteller's stories."""

import pytest

from builders import story_body


async def _set_scopes(client, admin, teller_id: int, scopes: list[str]) -> None:
    consent = {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": scopes}
    answer = await client.patch(
        f"/api/v1/storytellers/{teller_id}", json={"consent": consent}, headers=admin
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("role", ["researcher", "author"])
async def test_archive_only_or_withdrawn_storytellers_are_invisible_to_readers(
    client, admin, world, token_for, role
):
    consenting, archive_only = world["storytellers"]["gdansk"]
    kept = (await client.post("/api/v1/stories", json=story_body(world), headers=admin)).json()
    hidden = (
        await client.post(
            "/api/v1/stories",
            json=story_body(world, storytellers=[archive_only["id"]], title="Tylko archiwum"),
            headers=admin,
        )
    ).json()
    await _set_scopes(client, admin, archive_only["id"], ["archive"])
    reader = await token_for(role)

    listed = (await client.get("/api/v1/stories?site=gdansk", headers=reader)).json()
    assert [s["id"] for s in listed["items"]] == [kept["id"]] and listed["total"] == 1
    assert (await client.get(f"/api/v1/stories/{hidden['id']}", headers=reader)).status_code == 404
    tellers = (await client.get("/api/v1/storytellers?site=gdansk", headers=reader)).json()
    assert archive_only["id"] not in {t["id"] for t in tellers}
    answer = await client.get(f"/api/v1/storytellers/{archive_only['id']}", headers=reader)
    assert answer.status_code == 404

    # A withdrawal hides the other one too, at once.
    await _set_scopes(client, admin, consenting["id"], [])
    listed = (await client.get("/api/v1/stories?site=gdansk", headers=reader)).json()
    assert listed["items"] == [] and listed["total"] == 0
    assert (await client.get(f"/api/v1/stories/{kept['id']}", headers=reader)).status_code == 404


async def test_partners_and_admins_read_no_story_of_a_withdrawn_storyteller(client, admin, world):
    teller = world["storytellers"]["gdansk"][0]
    story = (await client.post("/api/v1/stories", json=story_body(world), headers=admin)).json()
    assert (await client.get(f"/api/v1/stories/{story['id']}", headers=admin)).status_code == 200
    await _set_scopes(client, admin, teller["id"], [])
    assert (await client.get(f"/api/v1/stories/{story['id']}", headers=admin)).status_code == 404
    # The record stays for erasure, without anything about the person.
    record = (await client.get(f"/api/v1/storytellers/{teller['id']}", headers=admin)).json()
    assert record["demographics"] == {} and record["consent"]["withdrawn_at"]
    # Nobody tells a new story for them.
    again = await client.post("/api/v1/stories", json=story_body(world), headers=admin)
    assert again.status_code in (404, 422) and "storytellers" in again.text
