"""Projects, sites, themes, workshops and storytellers through the API."""

import pytest

from builders import story_body
from civicfutures.db.tables import Coding, Story, StoryStoryteller, Storyteller, Translation


async def test_project_site_and_theme_read_back(client, admin, world):
    project = (await client.get("/api/v1/projects/futures", headers=admin)).json()
    assert project["disclosure_threshold"] == 2
    assert project["demographics"][0]["name"] == "age_band"
    by_id = (await client.get(f"/api/v1/projects/{project['id']}", headers=admin)).json()
    assert by_id == project
    site = (await client.get("/api/v1/sites/voru", headers=admin)).json()
    assert site == {**world["sites"]["voru"]}
    assert site["country"] == "EE" and site["languages"] == ["et", "vro"]
    themes = (await client.get("/api/v1/themes?project=futures", headers=admin)).json()
    assert [t["key"] for t in themes] == ["youth_voice", "digital_tools"]
    assert themes[0]["labels"]["vro"] == "Nuuri helü"


@pytest.mark.parametrize(
    ("path", "body", "field", "status"),
    [
        (
            "/api/v1/sites",
            {"project": "futures", "slug": "x", "name": "X", "country": "XX", "languages": ["pl"]},
            "country",
            422,
        ),
        (
            "/api/v1/sites",
            {
                "project": "futures",
                "slug": "x",
                "name": "X",
                "country": "PL",
                "languages": ["p0lish"],
            },
            "languages.0",
            422,
        ),
        (
            "/api/v1/sites",
            {"project": "nope", "slug": "x", "name": "X", "country": "PL", "languages": ["pl"]},
            "project",
            404,
        ),
        (
            "/api/v1/sites",
            {
                "project": "futures",
                "slug": "gdansk",
                "name": "X",
                "country": "PL",
                "languages": ["pl"],
            },
            "slug",
            409,
        ),
        (
            "/api/v1/sites",
            {
                "project": "futures",
                "slug": "Bad Slug",
                "name": "X",
                "country": "PL",
                "languages": ["pl"],
            },
            "slug",
            400,
        ),
        ("/api/v1/themes", {"project": "futures", "key": "k", "kind": "feeling"}, "kind", 400),
        (
            "/api/v1/themes",
            {"project": "futures", "key": "k", "kind": "vision", "parent": "nope"},
            "parent",
            422,
        ),
        (
            "/api/v1/themes",
            {"project": "futures", "key": "k", "kind": "vision", "labels": {"xx-!!": "a"}},
            "labels.xx-!!",
            422,
        ),
        (
            "/api/v1/projects",
            {"slug": "p", "name": "P", "default_language": "english"},
            "default_language",
            422,
        ),
        (
            "/api/v1/workshops",
            {"site": "gdansk", "date": "2025-02-30", "kind": "storytelling", "language": "pl"},
            "date",
            400,
        ),
        (
            "/api/v1/storytellers",
            {
                "site": "gdansk",
                "code": "G-9",
                "demographics": {"age_band": "teen"},
                "consent": {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": []},
            },
            "demographics.age_band",
            422,
        ),
        (
            "/api/v1/storytellers",
            {
                "site": "gdansk",
                "code": "G-9",
                "name": "Anna",
                "consent": {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": []},
            },
            "name",
            400,
        ),
        (
            "/api/v1/storytellers",
            {
                "site": "gdansk",
                "code": "GDANSK-1",
                "consent": {
                    "version": "v1",
                    "given_at": "2025-03-15T10:00:00Z",
                    "scopes": ["research"],
                },
            },
            "code",
            409,
        ),
    ],
)
async def test_setup_errors_name_their_field(client, admin, world, path, body, field, status):
    response = await client.post(path, json=body, headers=admin)
    assert response.status_code == status, response.text
    assert field in [e["field"] for e in response.json()["errors"]], response.json()


async def test_theme_labels_are_updated_and_audited(client, admin, world):
    response = await client.patch(
        "/api/v1/themes/futures/digital_tools",
        json={
            "labels": {
                "en": "Digital tools",
                "it": "Strumenti digitali",
                "vro": "Digitaalsõq riistaq",
            },
            "parent": "youth_voice",
        },
        headers=admin,
    )
    assert response.status_code == 200, response.text
    theme = response.json()
    assert theme["labels"] == {
        "en": "Digital tools",
        "it": "Strumenti digitali",
        "vro": "Digitaalsõq riistaq",
    }
    assert theme["parent"] == "youth_voice"
    audit = (await client.get("/api/v1/audit?entity=theme", headers=admin)).json()["items"]
    assert audit[0]["action"] == "update" and audit[0]["before_hash"] != audit[0]["after_hash"]


async def test_workshop_and_storyteller_lists_and_edits(client, admin, world):
    workshops = (await client.get("/api/v1/workshops?site=voru", headers=admin)).json()
    assert [w["site"] for w in workshops] == ["voru"]
    edited = await client.patch(
        f"/api/v1/workshops/{workshops[0]['id']}", json={"title": "Tuleviku töötuba"}, headers=admin
    )
    assert edited.json()["title"] == "Tuleviku töötuba"
    tellers = (await client.get("/api/v1/storytellers?site=gdansk", headers=admin)).json()
    assert [t["code"] for t in tellers] == ["GDANSK-1", "GDANSK-2"]
    assert tellers[0]["consent"]["scopes"] == ["quote", "research"]


async def test_consent_withdrawal_is_stamped(client, admin, world):
    teller = world["storytellers"]["gdansk"][0]
    response = await client.patch(
        f"/api/v1/storytellers/{teller['id']}",
        json={
            "consent": {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": ["archive"]}
        },
        headers=admin,
    )
    assert response.status_code == 200, response.text
    consent = response.json()["consent"]
    assert consent["scopes"] == ["archive"]
    assert consent["withdrawn_at"] is not None


async def test_erasure_removes_solo_stories_and_keeps_group_stories(client, admin, world):
    alone, other = world["storytellers"]["gdansk"]
    solo = (await client.post("/api/v1/stories", json=story_body(world), headers=admin)).json()
    group = (
        await client.post(
            "/api/v1/stories",
            json=story_body(world, storytellers=[alone["id"], other["id"]], title="Razem"),
            headers=admin,
        )
    ).json()
    response = await client.delete(f"/api/v1/storytellers/{alone['id']}", headers=admin)
    assert response.status_code == 204
    assert not await Storyteller.exists().where(Storyteller.id == alone["id"])
    assert not await Story.exists().where(Story.id == solo["id"])
    assert not await Translation.exists().where(Translation.story == solo["id"])
    assert not await Coding.exists().where(Coding.story == solo["id"])
    kept = (await client.get(f"/api/v1/stories/{group['id']}", headers=admin)).json()
    assert kept["storytellers"] == [other["id"]]
    assert await StoryStoryteller.count().where(StoryStoryteller.storyteller == alone["id"]) == 0
    again = await client.delete(f"/api/v1/storytellers/{alone['id']}", headers=admin)
    assert again.status_code == 404
    erased = (
        await client.get(
            "/api/v1/audit?entity=storyteller&entity_id=" + str(alone["id"]), headers=admin
        )
    ).json()
    assert erased["items"][0]["action"] == "erase"
    assert erased["items"][0]["detail"] == {"stories_removed": 1, "group_stories_kept": 1}


async def test_storyteller_of_another_site_cannot_tell_a_story_here(client, admin, world):
    foreign = world["storytellers"]["voru"][0]["id"]
    response = await client.post(
        "/api/v1/stories", json=story_body(world, storytellers=[foreign]), headers=admin
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "storytellers.0"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2022-03-01", "2022-03-01T00:00:00Z"),
        ("2022-03-01T09:30:00Z", "2022-03-01T09:30:00Z"),
        ("2022-03-01T10:30:00+01:00", "2022-03-01T09:30:00Z"),
    ],
)
async def test_consent_given_on_a_paper_form_date(client, admin, world, given, stored):
    answer = await client.post(
        "/api/v1/storytellers",
        json={
            "site": "gdansk",
            "code": "PAPER-1",
            "consent": {"version": "v1", "given_at": given, "scopes": ["research"]},
        },
        headers=admin,
    )
    assert answer.status_code == 201, answer.text
    read = await client.get(f"/api/v1/storytellers/{answer.json()['id']}", headers=admin)
    assert read.json()["consent"]["given_at"].replace("+00:00", "Z") == stored


@pytest.mark.parametrize("given", ["2022-02-30", "soon", "2022-03-01T25:00:00Z", ""])
async def test_an_impossible_consent_date_is_refused_naming_the_field(client, admin, world, given):
    answer = await client.post(
        "/api/v1/storytellers",
        json={
            "site": "gdansk",
            "code": "PAPER-2",
            "consent": {"version": "v1", "given_at": given, "scopes": ["research"]},
        },
        headers={**admin, "Accept-Language": "pl"},
    )
    assert answer.status_code == 400, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["consent.given_at"]
    assert answer.json()["errors"][0]["message"] == "To nie jest prawidłowa data ani godzina."
    assert (await client.get("/api/v1/storytellers?site=gdansk", headers=admin)).json()[2:] == []
