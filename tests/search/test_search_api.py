"""Full-text search of stories through GET /api/v1/stories?q=, on the engine under test."""

import pytest

from search.calls import post_story, search


def _ids(page: dict) -> list[int]:
    return [item["id"] for item in page["items"]]


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("Młodzież nie ma gdzie się spotkać", "mlodziez"),
        ("ŁÓDŹ i Gdańsk", "lodz gdansk"),
        ("Võru noored ja küla", "voru KULA"),
        ("Молодь Київ хоче говорити", "київ МОЛОДЬ"),
        ("الشَّبَابُ في المدينة", "الشباب"),
    ],
)
async def test_diacritics_and_case_are_ignored(client, admin, world, text, query):
    story = await post_story(client, admin, world, body=text, translations=[], codings=[])
    await post_story(
        client, admin, world, body="Zupełnie inna historia", translations=[], codings=[]
    )
    page = await search(client, admin, query)
    assert _ids(page) == [story["id"]] and page["total"] == 1
    assert page["items"][0]["title"] == "Autobus, którego nie ma"
    assert "<mark>" in page["items"][0]["snippet"]


async def test_translations_are_found_and_quoted_in_their_language(client, admin, world):
    story = await post_story(client, admin, world)
    page = await search(client, admin, "residents")
    assert _ids(page) == [story["id"]]
    hit = page["items"][0]
    assert hit["snippet_language"] == "en" and hit["language"] == "pl"
    assert "<mark>residents</mark>" in hit["snippet"]
    # A translation's title counts as a title.
    assert _ids(await search(client, admin, "gone")) == [story["id"]]


async def test_title_matches_rank_above_body_only_matches(client, admin, world):
    body_only = await post_story(
        client, admin, world, title="Inna", body="Rower w mieście to wolność", translations=[]
    )
    in_title = await post_story(
        client, admin, world, title="Rower", body="Jeżdżę codziennie do pracy", translations=[]
    )
    page = await search(client, admin, "rower")
    assert _ids(page) == [in_title["id"], body_only["id"]]
    assert page["items"][0]["score"] > page["items"][1]["score"]


async def test_snippets_escape_story_text(client, admin, world):
    await post_story(
        client,
        admin,
        world,
        body='<script>alert("x")</script> rower & <b>park</b>',
        translations=[],
    )
    snippet = (await search(client, admin, "rower"))["items"][0]["snippet"]
    assert "<script>" not in snippet and "<b>" not in snippet
    assert "&lt;script&gt;" in snippet and "<mark>rower</mark> &amp; &lt;b&gt;park" in snippet


async def test_filters_and_facets_count_the_matching_set(client, admin, world):
    gdansk = await post_story(client, admin, world, body="Park nad morzem", codings=[])
    coded = await post_story(client, admin, world, body="Park i plac zabaw", kind="future")
    voru = await post_story(client, admin, world, "voru", body="Park järve ääres", translations=[])
    await post_story(client, admin, world, "voru", body="Raamatukogu", translations=[])
    page = await search(client, admin, "park")
    assert sorted(_ids(page)) == sorted([gdansk["id"], coded["id"], voru["id"]])
    facets = {
        name: {f["value"]: f["count"] for f in counts} for name, counts in page["facets"].items()
    }
    assert facets["site"] == {"gdansk": 2, "voru": 1}
    assert facets["country"] == {"PL": 2, "EE": 1}
    assert facets["kind"] == {"present": 2, "future": 1}
    assert facets["language"] == {"pl": 2, "et": 1}
    assert facets["theme"] == {"youth_voice": 2}
    assert facets["status"] == {"submitted": 3}
    assert facets["workshop"] == {
        str(world["workshops"]["gdansk"]["id"]): 2,
        str(world["workshops"]["voru"]["id"]): 1,
    }
    assert _ids(await search(client, admin, "park", site="voru")) == [voru["id"]]
    assert _ids(await search(client, admin, "park", country="pl", kind="future")) == [coded["id"]]
    assert sorted(_ids(await search(client, admin, "park", theme="youth_voice"))) == sorted(
        [coded["id"], voru["id"]]
    )
    by_workshop = await search(client, admin, "park", workshop=world["workshops"]["voru"]["id"])
    assert _ids(by_workshop) == [voru["id"]] and by_workshop["total"] == 1
    assert (await search(client, admin, "park", to="2020-01-01"))["total"] == 0
    filtered = await search(client, admin, "park", site="gdansk")
    assert {f["value"]: f["count"] for f in filtered["facets"]["kind"]} == {
        "present": 1,
        "future": 1,
    }


async def test_pages_are_stable_and_complete(client, admin, world):
    made = [
        (await post_story(client, admin, world, body=f"Ławka numer {n}", translations=[]))["id"]
        for n in range(5)
    ]
    first = await search(client, admin, "lawka", limit=2)
    second = await search(client, admin, "lawka", limit=2, offset=2)
    third = await search(client, admin, "lawka", limit=2, offset=4)
    assert first["total"] == 5 and (first["limit"], second["offset"]) == (2, 2)
    assert sorted(_ids(first) + _ids(second) + _ids(third)) == sorted(made)
    assert _ids(first) == _ids(await search(client, admin, "lawka", limit=2))


async def test_an_edit_moves_the_story_in_the_index_at_once(client, admin, world):
    story = await post_story(client, admin, world, body="Stara biblioteka", translations=[])
    answer = await client.patch(
        f"/api/v1/stories/{story['id']}",
        json={
            "body": "Nowy basen",
            "translations": [
                {"language": "en", "title": "Pool", "body": "A new swimming pool", "by": "human"}
            ],
        },
        headers={**admin, "If-Match": str(story["version"])},
    )
    assert answer.status_code == 200, answer.text
    assert (await search(client, admin, "biblioteka"))["total"] == 0
    assert _ids(await search(client, admin, "basen")) == [story["id"]]
    assert _ids(await search(client, admin, "swimming")) == [story["id"]]
    answer = await client.patch(
        f"/api/v1/stories/{story['id']}",
        json={"status": "reviewed"},
        headers={**admin, "If-Match": str(answer.json()["version"])},
    )
    assert answer.status_code == 200, answer.text
    assert (await search(client, admin, "basen", status="reviewed"))["total"] == 1
    assert (await search(client, admin, "basen", status="draft"))["total"] == 0


async def test_a_refused_edit_leaves_the_index_as_it_was(client, admin, world):
    story = await post_story(client, admin, world, body="Stara biblioteka", translations=[])
    answer = await client.patch(
        f"/api/v1/stories/{story['id']}",
        json={"body": "Nowy basen", "horizon_year": 2040},
        headers={**admin, "If-Match": str(story["version"])},
    )
    assert answer.status_code == 422
    assert _ids(await search(client, admin, "biblioteka")) == [story["id"]]
    assert (await search(client, admin, "basen"))["total"] == 0


async def test_erasure_takes_the_story_out_of_the_index(client, admin, world):
    teller = world["storytellers"]["gdansk"][1]
    story = await post_story(client, admin, world, storytellers=[teller["id"]], body="Tajny ogród")
    assert _ids(await search(client, admin, "ogrod")) == [story["id"]]
    answer = await client.delete(f"/api/v1/storytellers/{teller['id']}", headers=admin)
    assert answer.status_code == 204
    assert (await search(client, admin, "ogrod"))["total"] == 0
    # A new story may take the freed id; it is found by its own words only.
    fresh = await post_story(client, admin, world, body="Zwykły skwer", translations=[])
    assert (await search(client, admin, "ogrod"))["total"] == 0
    assert _ids(await search(client, admin, "skwer")) == [fresh["id"]]


async def test_readers_find_only_research_consented_stories(client, admin, world, token_for):
    archive_only = await client.post(
        "/api/v1/storytellers",
        json={
            "site": "gdansk",
            "code": "GDANSK-ARCHIVE",
            "demographics": {"age_band": "65+"},
            "consent": {"version": "v1", "given_at": "2025-03-15", "scopes": ["archive"]},
        },
        headers=admin,
    )
    assert archive_only.status_code == 201, archive_only.text
    kept = await post_story(client, admin, world, body="Wspólny ogród")
    await post_story(
        client, admin, world, storytellers=[archive_only.json()["id"]], body="Ogród sąsiadów"
    )
    researcher = await token_for("researcher")
    page = await search(client, researcher, "ogrod")
    assert _ids(page) == [kept["id"]] and page["total"] == 1
    assert sum(f["count"] for f in page["facets"]["site"]) == 1
    assert sum(f["count"] for f in page["facets"]["theme"]) == 1
    assert (await search(client, admin, "ogrod"))["total"] == 2
    partner = await token_for("partner", "voru")
    assert (await search(client, partner, "ogrod"))["total"] == 0
    assert (await search(client, await token_for("partner", "gdansk"), "ogrod"))["total"] == 2
    # A withdrawal hides the story from everyone at once, facets included.
    await client.patch(
        f"/api/v1/storytellers/{world['storytellers']['gdansk'][0]['id']}",
        json={"consent": {"version": "v1", "given_at": "2025-03-15", "scopes": []}},
        headers=admin,
    )
    for reader in (researcher, admin):
        page = await search(client, reader, "ogrod")
        assert kept["id"] not in _ids(page)
        assert sum(f["count"] for f in page["facets"]["site"]) == page["total"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "NEAR(",
        "-",
        "OR",
        "AND NOT",
        "title:park",
        "park*",
        "'",
        "\\",
        ":",
        "a" * 900,
        "x\x00y",
        "🙂",
        "))((",
        "&|!",
        "<->",
    ],
)
async def test_hostile_queries_answer_without_error(client, admin, world, query):
    await post_story(client, admin, world, body="park OR near", translations=[])
    answer = await client.get("/api/v1/stories", params={"q": query}, headers=admin)
    assert answer.status_code == 200, answer.text
    assert isinstance(answer.json()["items"], list)


async def test_an_overlong_query_is_refused_naming_q(client, admin, world):
    answer = await client.get(
        "/api/v1/stories", params={"q": "park " * 2000}, headers={**admin, "Accept-Language": "pl"}
    )
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["q"]
