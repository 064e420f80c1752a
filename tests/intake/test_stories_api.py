"""The story API through the real HTTP stack and the real database."""

import asyncio
import hashlib
import unicodedata

import pytest

from builders import story_body
from civicfutures.audit import state_hash
from civicfutures.db.tables import AuditEvent, Coding, IdempotencyKey, Story, Translation


async def test_created_story_comes_back_as_stored(client, admin, world):
    response = await client.post("/api/v1/stories", json=story_body(world), headers=admin)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["version"] == 1
    fetched = await client.get(f"/api/v1/stories/{created['id']}", headers=admin)
    assert fetched.status_code == 200
    assert fetched.headers["etag"] == '"1"'
    story = fetched.json()
    assert story["site"] == "gdansk"
    assert story["storytellers"] == [world["storytellers"]["gdansk"][0]["id"]]
    assert story["translations"] == [
        {
            "language": "en",
            "title": "The bus that is gone",
            "body": "The bus line was cut without asking residents.",
            "by": "human",
            "reviewed": False,
        }
    ]
    assert story["codings"] == [
        {"theme": "youth_voice", "coder": "coder-a", "start": None, "end": None}
    ]
    assert (
        await AuditEvent.count().where(
            (AuditEvent.entity == "story") & (AuditEvent.action == "create")
        )
        == 1
    )


async def test_created_answer_is_the_story_a_read_gives_back(client, admin, world):
    """The POST answers from what it wrote: it must equal a later GET field for field."""
    tellers = [t["id"] for t in world["storytellers"]["gdansk"]]
    body = story_body(
        world,
        storytellers=[tellers[1], tellers[0], tellers[1]],
        horizon_year=None,
        translations=[
            {"language": "uk", "title": "Автобус", "body": "Автобусну лінію закрили."},
            {"language": "en-GB", "body": "The bus line was cut.", "by": "machine"},
            {"language": "de", "title": "Der Bus", "body": "Die Linie ist weg.", "reviewed": True},
        ],
        codings=[
            {"theme": "youth_voice", "coder": "coder-b", "start": 0, "end": 5},
            {"theme": "youth_voice", "coder": "coder-a"},
        ],
    )
    response = await client.post(
        "/api/v1/stories", json=body, headers={**admin, "Idempotency-Key": "read-back"}
    )
    assert response.status_code == 201, response.text
    created = response.json()
    fetched = await client.get(f"/api/v1/stories/{created['id']}", headers=admin)
    assert fetched.json() == created
    assert created["storytellers"] == sorted(tellers)
    assert [t["language"] for t in created["translations"]] == ["de", "en-GB", "uk"]
    event = (
        await AuditEvent.select(AuditEvent.after_hash)
        .where((AuditEvent.entity == "story") & (AuditEvent.entity_id == str(created["id"])))
        .first()
    )
    assert event["after_hash"] == state_hash(fetched.json())


async def test_polish_text_sent_decomposed_is_stored_composed(client, admin, world):
    decomposed_title = unicodedata.normalize("NFD", "Żółć i gęś")
    decomposed_body = unicodedata.normalize("NFD", "Żółć mnie zalała, gdy zamknięto szkołę.")
    assert decomposed_title != "Żółć i gęś"
    response = await client.post(
        "/api/v1/stories",
        json=story_body(world, title=decomposed_title, body=decomposed_body),
        headers=admin,
    )
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Żółć i gęś"
    stored = (
        await Story.select(Story.title, Story.body).where(Story.id == response.json()["id"]).first()
    )
    assert stored["title"] == "Żółć i gęś"
    assert stored["body"] == "Żółć mnie zalała, gdy zamknięto szkołę."
    assert unicodedata.is_normalized("NFC", stored["body"])


async def test_retried_post_with_same_key_makes_one_story(client, admin, world):
    headers = {**admin, "Idempotency-Key": "workshop-7-story-3"}
    first = await client.post("/api/v1/stories", json=story_body(world), headers=headers)
    second = await client.post("/api/v1/stories", json=story_body(world), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers.get("idempotent-replayed") == "true"
    assert await Story.count() == 1
    assert await Translation.count() == 1
    assert await IdempotencyKey.count() == 1


async def test_concurrent_retries_with_same_key_make_one_story(client, admin, world):
    headers = {**admin, "Idempotency-Key": "flaky-wifi"}
    answers = await asyncio.gather(
        *[client.post("/api/v1/stories", json=story_body(world), headers=headers) for _ in range(5)]
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert await Story.count() == 1


async def test_same_key_with_a_different_body_is_refused(client, admin, world):
    headers = {**admin, "Idempotency-Key": "k-1"}
    assert (
        await client.post("/api/v1/stories", json=story_body(world), headers=headers)
    ).status_code == 201
    again = await client.post(
        "/api/v1/stories", json=story_body(world, title="Inny"), headers=headers
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await Story.count() == 1


async def test_a_failed_post_does_not_burn_its_key(client, admin, world):
    headers = {**admin, "Idempotency-Key": "fix-and-retry"}
    bad = await client.post(
        "/api/v1/stories", json=story_body(world, language="xx-notalang!"), headers=headers
    )
    assert bad.status_code in (400, 422)
    good = await client.post(
        "/api/v1/stories",
        json=story_body(world, language="xx-notalang!") | {"language": "pl"},
        headers=headers,
    )
    # The body differs from the failed one only in the fixed field; nothing was stored for the key.
    assert good.status_code == 201
    assert await Story.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "status"),
    [
        ({"colour": "blue"}, "colour", 400),  # unknown field
        ({"language": "polish!"}, "language", 422),  # not BCP 47
        ({"body": "x" * 100_001}, "body", 400),  # over 100,000 characters
        ({"kind": "someday"}, "kind", 400),  # not a story kind
        ({"workshop": 999_999}, "workshop", 404),  # a missing workshop
        ({"storytellers": [999_999]}, "storytellers.0", 422),  # a missing storyteller
        ({"codings": [{"theme": "no_such_theme"}]}, "codings.0.theme", 422),
        ({"codings": [{"theme": "youth_voice", "start": 5, "end": 2}]}, "codings.0.end", 422),
        ({"translations": [{"language": "pl", "body": "to samo"}]}, "translations.0.language", 422),
        ({"horizon_year": 2040}, "horizon_year", 422),  # a horizon for a present-day story
        ({"title": 42}, "title", 400),
    ],
)
async def test_bad_input_gets_a_4xx_naming_the_field(client, admin, world, changes, field, status):
    response = await client.post(
        "/api/v1/stories", json=story_body(world, **changes), headers=admin
    )
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == status
    assert field in [error["field"] for error in body["errors"]], body
    assert all(error["message"] for error in body["errors"])
    assert await Story.count() == 0


async def test_errors_are_localized_by_query_or_accept_language(client, admin, world):
    polish = await client.post(
        "/api/v1/stories?lang=pl", json=story_body(world, language="polish!"), headers=admin
    )
    english = await client.post(
        "/api/v1/stories", json=story_body(world, language="polish!"), headers=admin
    )
    assert polish.json()["errors"][0]["message"] != english.json()["errors"][0]["message"]
    by_header = await client.post(
        "/api/v1/stories",
        json=story_body(world, language="polish!"),
        headers={**admin, "Accept-Language": "pl-PL,pl;q=0.9,en;q=0.5"},
    )
    assert by_header.json()["errors"] == polish.json()["errors"]


async def test_request_body_over_one_mebibyte_is_413(client, admin, world):
    huge = story_body(world, body="ą" * 600_000)  # 1.2 MB of UTF-8
    response = await client.post("/api/v1/stories", json=huge, headers=admin)
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "body"
    assert await Story.count() == 0


async def test_stale_edit_gets_412_and_changes_nothing(client, admin, world):
    story = (await client.post("/api/v1/stories", json=story_body(world), headers=admin)).json()
    first = await client.patch(
        f"/api/v1/stories/{story['id']}",
        json={"title": "Pierwsza poprawka"},
        headers={**admin, "If-Match": '"1"'},
    )
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 2
    body = await client.patch(
        f"/api/v1/stories/{story['id']}",
        json={"body": "Nowa treść historii"},
        headers={**admin, "If-Match": '"2"'},
    )
    assert body.status_code == 200, body.text
    stored = await Story.select(Story.body_sha256).where(Story.id == story["id"]).first()
    assert stored["body_sha256"] == hashlib.sha256("Nowa treść historii".encode()).hexdigest()
    stale = await client.patch(
        f"/api/v1/stories/{story['id']}",
        json={"title": "Spóźniona poprawka"},
        headers={**admin, "If-Match": '"1"'},
    )
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["field"] == "If-Match"
    current = (await client.get(f"/api/v1/stories/{story['id']}", headers=admin)).json()
    assert current["title"] == "Pierwsza poprawka"
    assert current["version"] == 3


async def test_edit_without_if_match_is_428(client, admin, world):
    story = (await client.post("/api/v1/stories", json=story_body(world), headers=admin)).json()
    response = await client.patch(
        f"/api/v1/stories/{story['id']}", json={"title": "x"}, headers=admin
    )
    assert response.status_code == 428


async def test_patch_replaces_lists_and_keeps_the_rest(client, admin, world):
    story = (await client.post("/api/v1/stories", json=story_body(world), headers=admin)).json()
    response = await client.patch(
        f"/api/v1/stories/{story['id']}",
        json={
            "codings": [
                {"theme": "digital_tools", "coder": "coder-b"},
                {"theme": "youth_voice", "coder": "coder-b"},
            ],
            "status": "reviewed",
        },
        headers={**admin, "If-Match": "1"},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert [c["theme"] for c in updated["codings"]] == ["digital_tools", "youth_voice"]
    assert updated["status"] == "reviewed"
    assert updated["body"] == story["body"]
    assert updated["translations"] == story["translations"]
    assert await Coding.count() == 2


async def test_body_edit_moves_coded_excerpts_or_refuses(client, admin, world):
    body = "Na zebraniu nikt nie słuchał młodych. Potem zamknięto bibliotekę."
    start = body.index("nikt nie słuchał młodych")
    story = (
        await client.post(
            "/api/v1/stories",
            json=story_body(
                world,
                body=body,
                codings=[{"theme": "youth_voice", "start": start, "end": start + 24}],
            ),
            headers=admin,
        )
    ).json()
    moved = await client.patch(
        f"/api/v1/stories/{story['id']}",
        json={
            "body": "W marcu, na zebraniu, nikt nie słuchał młodych. Potem zamknięto bibliotekę."
        },
        headers={**admin, "If-Match": "1"},
    )
    assert moved.status_code == 200, moved.text
    coding = moved.json()["codings"][0]
    assert moved.json()["body"][coding["start"] : coding["end"]] == "nikt nie słuchał młodych"
    refused = await client.patch(
        f"/api/v1/stories/{story['id']}",
        json={"body": "Zupełnie inna historia."},
        headers={**admin, "If-Match": "2"},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body"
    assert "youth_voice" in refused.json()["errors"][0]["message"]


async def test_list_filters_paginates_and_counts(client, admin, world):
    for n in range(5):
        await client.post("/api/v1/stories", json=story_body(world, title=f"PL {n}"), headers=admin)
    for n in range(3):
        await client.post(
            "/api/v1/stories",
            json=story_body(
                world,
                "voru",
                title=f"ET {n}",
                kind="future",
                horizon_year=2050,
                body="Tulevikus otsustame koos.",
                translations=[],
                codings=[{"theme": "digital_tools"}],
            ),
            headers=admin,
        )
    page = (await client.get("/api/v1/stories?limit=2", headers=admin)).json()
    assert page["total"] == 8
    assert len(page["items"]) == 2
    seen = [item["id"] for item in page["items"]]
    while page["next_cursor"]:
        page = (
            await client.get(f"/api/v1/stories?limit=2&cursor={page['next_cursor']}", headers=admin)
        ).json()
        seen += [item["id"] for item in page["items"]]
    assert len(seen) == len(set(seen)) == 8
    assert seen == sorted(seen)

    async def total(query: str) -> int:
        response = await client.get(f"/api/v1/stories?{query}", headers=admin)
        assert response.status_code == 200, response.text
        return response.json()["total"]

    assert await total("site=voru") == 3
    assert await total("country=PL") == 5
    assert await total("country=ee") == 3
    assert await total("kind=future") == 3
    assert await total("language=pl") == 5
    assert await total("theme=digital_tools") == 3
    assert await total("theme=youth_voice&site=gdansk") == 5
    assert await total("from=2025-03-15&to=2025-03-15") == 8
    assert await total("from=2025-04-01") == 0
    assert await total("site=nowhere") == 0


async def test_bad_cursor_and_bad_filter_are_4xx(client, admin, world):
    assert (await client.get("/api/v1/stories?cursor=!!!", headers=admin)).status_code == 422
    response = await client.get("/api/v1/stories?kind=someday", headers=admin)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "kind"
    assert (await client.get("/api/v1/stories?from=yesterday", headers=admin)).status_code == 400


async def test_ids_beyond_the_column_range_are_refused_naming_the_field(client, admin, world):
    # PostgreSQL's integer column cannot hold these; the query must never reach it
    for query, field in (
        ("workshop=3948715428", "workshop"),
        ("offset=99999999999999999999", "offset"),
    ):
        response = await client.get(f"/api/v1/stories?{query}", headers=admin)
        assert response.status_code == 400, query
        assert response.json()["errors"][0]["field"] == field


async def test_unknown_story_is_404(client, admin, world):
    response = await client.get("/api/v1/stories/424242", headers=admin)
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "id"


async def test_nul_character_is_refused_naming_the_field(client, admin, world):
    response = await client.post(
        "/api/v1/stories", json=story_body(world, title="a\x00b"), headers=admin
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "title"
    assert await Story.count() == 0
