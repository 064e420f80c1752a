"""Broad searches (more matches than are ranked): every readable match is counted, as plain SQL
counts it, and the index tables hold one row per story whatever writes came before."""

import pytest

from civicfutures.db.sql import fetch
from civicfutures.search import index, service
from civicfutures.search.text import snippet
from search.calls import facet, post_story, search

WORD = "hulajnoga"


async def _archive_only_teller(client, admin) -> int:
    answer = await client.post(
        "/api/v1/storytellers",
        json={
            "site": "gdansk",
            "code": "GDANSK-BROAD-ARCHIVE",
            "demographics": {"age_band": "65+"},
            "consent": {"version": "v1", "given_at": "2025-03-15", "scopes": ["archive"]},
        },
        headers=admin,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def _plain_counts(column: str, hidden_teller: int | None) -> dict[str, int]:
    """Per value of a story column, the stories holding the word that the teller did not tell."""
    rows = await fetch(
        f"SELECT story.{column} AS value, COUNT(*) AS n FROM story "
        "WHERE LOWER(story.body) LIKE $1 AND NOT EXISTS (SELECT 1 FROM story_storyteller "
        "WHERE story_storyteller.story = story.id AND story_storyteller.storyteller = $2) "
        f"GROUP BY story.{column}",
        f"%{WORD}%",
        hidden_teller if hidden_teller is not None else -1,
    )
    return {str(row["value"]): int(row["n"]) for row in rows}


async def test_a_broad_search_counts_every_readable_match_as_plain_sql_does(
    client, admin, world, token_for, monkeypatch
):
    hidden = await _archive_only_teller(client, admin)
    for n in range(5):
        await post_story(
            client, admin, world, body=f"Nowa {WORD} {n}", kind=("present", "future")[n % 2]
        )
    for n in range(3):
        await post_story(client, admin, world, "voru", body=f"Uus {WORD} {n}", translations=[])
    for n in range(2):
        await post_story(client, admin, world, storytellers=[hidden], body=f"Stara {WORD} {n}")
    # Nine matches are more than are ranked: the broad path lists and counts them.
    monkeypatch.setattr(service, "RANK_ALL", 2)
    researcher = await token_for("researcher")
    page = await search(client, researcher, WORD, limit=3)
    kinds = await _plain_counts("kind", hidden)
    assert page["total"] == sum(kinds.values()) == 8
    assert facet(page, "kind") == kinds
    assert facet(page, "language") == await _plain_counts("language", hidden)
    assert facet(page, "status") == await _plain_counts("status", hidden)
    assert sum(facet(page, "site").values()) == 8
    # The admin reads the archive-only stories too, and counts them.
    everything = await search(client, admin, WORD)
    assert everything["total"] == sum((await _plain_counts("kind", None)).values()) == 10
    # Every readable match is listed once across the pages, and no other.
    listed: list[int] = []
    for offset in range(0, 9, 3):
        listed += [
            item["id"]
            for item in (await search(client, researcher, WORD, limit=3, offset=offset))["items"]
        ]
    readable = await fetch(
        "SELECT id FROM story WHERE LOWER(body) LIKE $1 AND NOT EXISTS (SELECT 1 FROM "
        "story_storyteller WHERE story_storyteller.story = story.id "
        "AND story_storyteller.storyteller = $2)",
        f"%{WORD}%",
        hidden,
    )
    assert sorted(listed) == sorted(int(row["id"]) for row in readable)


async def _index_rows(story_id: int) -> dict[str, int]:
    """Per table of the engine's index, the rows of one story."""
    counts = {}
    for table in index.tables():
        key = "rowid" if table == "story_search" and index.is_sqlite() else "story"
        row = await fetch(f"SELECT COUNT(*) AS n FROM {table} WHERE {key} = $1", story_id)
        counts[table] = int(row[0]["n"])
    return counts


async def test_every_index_table_keeps_one_row_per_story_through_edits(client, admin, world):
    story = await post_story(client, admin, world, body="Stara biblioteka", translations=[])
    assert set((await _index_rows(story["id"])).values()) == {1}
    answer = await client.patch(
        f"/api/v1/stories/{story['id']}",
        json={"body": "Nowy basen"},
        headers={**admin, "If-Match": str(story["version"])},
    )
    assert answer.status_code == 200, answer.text
    assert set((await _index_rows(story["id"])).values()) == {1}
    # The listing of matches and the ranking agree on the new words.
    found = await search(client, admin, "basen")
    assert [item["id"] for item in found["items"]] == [story["id"]]
    assert (await search(client, admin, "biblioteka"))["total"] == 0


@pytest.mark.parametrize(
    ("text", "words", "marked"),
    [
        ("Park przy szkole", ["szkole"], "szkole"),
        ("Die Straße zum Fluss", ["strasse"], "Straße"),
        ("Młodzież z Łodzi", ["lodzi"], "Łodzi"),
        ("Cafe\u0301 na rogu, dalej park", ["park"], "park"),
    ],
)
def test_a_snippet_marks_the_original_word_whatever_the_folding(text, words, marked):
    assert f"<mark>{marked}</mark>" in snippet(text, words)


async def test_the_quoted_text_is_judged_by_all_its_words(client, admin, world):
    # The original holds the word after twenty others; the translation holds it at once.
    opening = " ".join(f"slowo{n}" for n in range(20))
    story = await post_story(
        client,
        admin,
        world,
        body=f"{opening} {WORD}",
        translations=[{"language": "en", "title": "Scooter", "body": WORD, "by": "human"}],
    )
    page = await search(client, admin, WORD)
    assert [item["id"] for item in page["items"]] == [story["id"]]
    assert page["items"][0]["snippet_language"] == "pl"
    assert f"<mark>{WORD}</mark>" in page["items"][0]["snippet"]
