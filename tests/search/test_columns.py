"""The per-process columns behind search facets: every write is seen by the next search, and
they count exactly what the single-statement search counts."""

import msgspec
import pytest

from civicfutures.auth.actor import SYSTEM, VISITOR, Actor
from civicfutures.db.version import data_version
from civicfutures.intake.story_service import StoryFilters
from civicfutures.search import service
from civicfutures.search.service import SearchService
from search.calls import facet, post_story, search


async def test_every_kind_of_write_moves_the_data_version(client, admin, world):
    before = await data_version()
    story = await post_story(client, admin, world, body="Skwer", translations=[])
    after_story = await data_version()
    answer = await client.patch(
        f"/api/v1/stories/{story['id']}",
        json={"status": "reviewed"},
        headers={**admin, "If-Match": str(story["version"])},
    )
    assert answer.status_code == 200, answer.text
    assert len({before, after_story, await data_version()}) == 3


async def test_a_new_story_is_found_and_counted_by_the_next_search(client, admin, world):
    await post_story(client, admin, world, body="Park nad morzem", translations=[])
    first = await search(client, admin, "park")
    assert first["total"] == 1 and facet(first, "site") == {"gdansk": 1}
    added = await post_story(client, admin, world, "voru", body="Park järve ääres", translations=[])
    second = await search(client, admin, "park")
    assert added["id"] in [item["id"] for item in second["items"]]
    assert second["total"] == 2 and facet(second, "site") == {"gdansk": 1, "voru": 1}
    assert facet(second, "theme") == {"youth_voice": 2}


async def test_a_withdrawal_drops_the_story_from_results_and_facets_at_once(
    client, admin, world, token_for
):
    tellers = world["storytellers"]["gdansk"]
    kept = await post_story(
        client, admin, world, body="Wspólny ogród", storytellers=[tellers[1]["id"]]
    )
    gone = await post_story(
        client, admin, world, body="Ogród sąsiadów", storytellers=[tellers[0]["id"]]
    )
    researcher = await token_for("researcher")
    for reader in (researcher, admin):
        assert (await search(client, reader, "ogrod"))["total"] == 2
    answer = await client.patch(
        f"/api/v1/storytellers/{tellers[0]['id']}",
        json={
            "consent": {
                "version": "v1",
                "given_at": "2025-03-15",
                "scopes": ["research"],
                "withdrawn_at": "2025-06-01T00:00:00Z",
            }
        },
        headers=admin,
    )
    assert answer.status_code == 200, answer.text
    for reader in (researcher, admin):
        page = await search(client, reader, "ogrod")
        assert [item["id"] for item in page["items"]] == [kept["id"]]
        assert page["total"] == 1 and facet(page, "site") == {"gdansk": 1}
        assert facet(page, "theme") == {"youth_voice": 1}
    assert gone["id"] not in [
        item["id"] for item in (await search(client, admin, "ogrod"))["items"]
    ]


async def test_a_coding_change_moves_the_theme_facet_at_once(client, admin, world):
    story = await post_story(client, admin, world, body="Ławka w parku", translations=[])
    assert facet(await search(client, admin, "lawka"), "theme") == {"youth_voice": 1}
    answer = await client.patch(
        f"/api/v1/stories/{story['id']}",
        json={"codings": []},
        headers={**admin, "If-Match": str(story["version"])},
    )
    assert answer.status_code == 200, answer.text
    page = await search(client, admin, "lawka", theme="youth_voice")
    assert page["total"] == 0
    assert facet(await search(client, admin, "lawka"), "theme") == {}


@pytest.mark.parametrize(
    "filters",
    [
        StoryFilters(),
        StoryFilters(project="futures", country="pl"),
        StoryFilters(site="voru", kind="present"),
        StoryFilters(theme="youth_voice", status="submitted"),
        StoryFilters(language="et", theme="nothing"),
    ],
)
async def test_columns_count_what_one_statement_counts(client, admin, world, filters):
    for n in range(4):
        await post_story(client, admin, world, body=f"Park {n}", kind=("present", "future")[n % 2])
        await post_story(
            client, admin, world, "voru", body=f"Park {n}", codings=[], translations=[]
        )
    partner = Actor(
        user_id=None,
        label="partner",
        roles=frozenset({"partner"}),
        site_ids=frozenset({world["sites"]["voru"]["id"]}),
        partner_site_ids=frozenset({world["sites"]["voru"]["id"]}),
    )
    search = SearchService()
    for actor in (SYSTEM, VISITOR, partner):
        for q, prefix in (("park", False), ("par", True), ("", False)):
            arguments = (actor, q, service.terms(q), filters, 5, 1)
            empty = await search.search(actor, "", filters, 5, 1)
            from_columns = await search._from_columns(*arguments, empty, prefix)
            in_sql = await search._in_sql(*arguments, empty, prefix)
            assert msgspec.to_builtins(from_columns) == msgspec.to_builtins(in_sql)


async def test_a_broad_search_ranks_title_matches_then_lists_the_newest(
    client, admin, world, monkeypatch
):
    older = await post_story(client, admin, world, title="Inna", body="Rower", translations=[])
    titled = await post_story(client, admin, world, title="Rower", body="Praca", translations=[])
    newer = await post_story(client, admin, world, title="Inna", body="Rower", translations=[])
    monkeypatch.setattr(service, "RANK_ALL", 1)
    page = await search(client, admin, "rower")
    assert [item["id"] for item in page["items"]] == [titled["id"], newer["id"], older["id"]]
    assert page["items"][0]["score"] > 0 and page["items"][1]["score"] == 0
    assert page["total"] == 3
