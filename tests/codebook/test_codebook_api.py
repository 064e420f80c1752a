"""The living codebook through the JSON API: who may change it, nesting without circles,
merging (codings, insight links and sub-themes move; duplicates are not counted twice),
splitting, retiring, and every change in the audit log."""

from __future__ import annotations

from builders import story_body
from civicfutures.db.tables import AgreedCoding, AuditEvent, Coding, InsightTheme, Theme

CODEBOOK = "/api/v1/projects/futures/codebook"


async def _story(client, world, admin) -> int:
    answer = await client.post(
        "/api/v1/stories",
        json=story_body(
            world, body="Ławka pod lipą stoi pusta, a rada decyduje daleko.", codings=[]
        ),
        headers=admin,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def _code(client, headers, story: int, theme: str, start: int, end: int) -> int:
    answer = await client.post(
        f"/api/v1/stories/{story}/codings",
        json={"theme": theme, "start": start, "end": end},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def _theme(client, headers, key: str, **extra) -> dict:
    answer = await client.post(
        "/api/v1/themes",
        json={"project": "futures", "key": key, "kind": "other", **extra},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _audit(action: str) -> list[dict]:
    return (
        await AuditEvent.select(AuditEvent.entity_id, AuditEvent.detail)
        .output(load_json=True)
        .where((AuditEvent.action == action) & (AuditEvent.entity == "theme"))
    )


async def test_researchers_keep_the_codebook_partners_and_authors_do_not(client, world, token_for):
    researcher = await token_for("researcher")
    created = await _theme(client, researcher, "housing", labels={"en": "Housing"})
    assert created["retired"] is False
    for role, sites in (("partner", ("gdansk",)), ("author", ())):
        headers = await token_for(role, *sites)
        refused = await client.post(
            "/api/v1/themes",
            json={"project": "futures", "key": f"by_{role}", "kind": "other"},
            headers=headers,
        )
        assert refused.status_code == 403
        merge = await client.post(
            f"{CODEBOOK}/merge", json={"source": "housing", "into": "youth_voice"}, headers=headers
        )
        assert merge.status_code == 403
    renamed = await client.patch(
        "/api/v1/themes/futures/housing",
        json={"labels": {"en": "Housing costs", "ar": "تكاليف السكن"}, "parent": "youth_voice"},
        headers=researcher,
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["labels"] == {"en": "Housing costs", "ar": "تكاليف السكن"}
    assert renamed.json()["parent"] == "youth_voice"


async def test_a_theme_cannot_be_nested_under_its_own_sub_theme(client, world, admin):
    await _theme(client, admin, "child", parent="youth_voice")
    await _theme(client, admin, "grandchild", parent="child")
    answer = await client.patch(
        "/api/v1/themes/futures/youth_voice", json={"parent": "grandchild"}, headers=admin
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "parent"
    row = await Theme.select(Theme.parent).where(Theme.key == "youth_voice").first()
    assert row["parent"] is None


async def test_merge_moves_codings_insight_links_and_sub_themes(client, world, admin, token_for):
    story = await _story(client, world, admin)
    first, second = await token_for("researcher"), await token_for("researcher")
    moved = await _code(client, first, story, "digital_tools", 0, 5)
    kept = await _code(client, first, story, "youth_voice", 0, 5)
    other = await _code(client, second, story, "digital_tools", 6, 9)
    child = await _theme(client, admin, "online_votes", parent="digital_tools")
    insight = await client.post(
        "/api/v1/insights",
        json={
            "project": "futures",
            "title": {"en": "Tools"},
            "themes": ["digital_tools", "youth_voice"],
        },
        headers=admin,
    )
    assert insight.status_code == 201, insight.text
    researcher = await token_for("researcher")
    answer = await client.post(
        f"{CODEBOOK}/merge",
        json={"source": "digital_tools", "into": "youth_voice"},
        headers=researcher,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "source": "digital_tools",
        "into": "youth_voice",
        # `moved` duplicates `kept` (same coder, same span): it goes, the other one moves.
        "codings_moved": 1,
        "codings_dropped_as_duplicates": 1,
        "insights_moved": 1,
        "children_moved": 1,
        "agreed_moved": 0,
        "agreed_kept": 0,
    }
    themes = {row["id"]: row["key"] for row in await Theme.select(Theme.id, Theme.key)}
    codings = {
        row["id"]: themes[row["theme"]] for row in await Coding.select(Coding.id, Coding.theme)
    }
    assert codings == {kept: "youth_voice", other: "youth_voice"}
    assert moved not in codings
    links = [themes[row["theme"]] for row in await InsightTheme.select(InsightTheme.theme)]
    assert links == ["youth_voice"]
    source = (await client.get("/api/v1/themes/futures/digital_tools", headers=admin)).json()
    assert source["retired"] is True and source["merged_into"] == "youth_voice"
    assert (await client.get("/api/v1/themes/futures/online_votes", headers=admin)).json()[
        "parent"
    ] == "youth_voice"
    assert child["parent"] == "digital_tools"
    events = await _audit("merge")
    assert len(events) == 1
    assert events[0]["detail"]["codings_moved"] == 1
    assert events[0]["detail"]["into"] == "youth_voice"


async def test_merge_moves_agreed_codings_unless_both_themes_were_reconciled(client, world, admin):
    only_source = await _story(client, world, admin)
    both = await _story(client, world, admin)
    for story, themes in (
        (only_source, ["digital_tools"]),
        (both, ["digital_tools", "youth_voice"]),
    ):
        for theme in themes:
            answer = await client.post(
                f"/api/v1/stories/{story}/agreed-codings", json={"theme": theme}, headers=admin
            )
            assert answer.status_code == 201, answer.text
    answer = await client.post(
        f"{CODEBOOK}/merge", json={"source": "digital_tools", "into": "youth_voice"}, headers=admin
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["agreed_moved"], answer.json()["agreed_kept"]) == (1, 1)
    themes = {row["id"]: row["key"] for row in await Theme.select(Theme.id, Theme.key)}
    agreed = sorted(
        (row["story"], themes[row["theme"]])
        for row in await AgreedCoding.select(AgreedCoding.story, AgreedCoding.theme)
    )
    assert agreed == sorted(
        [(only_source, "youth_voice"), (both, "digital_tools"), (both, "youth_voice")]
    )


async def test_merge_refuses_itself_and_unknown_themes_and_changes_nothing(client, world, admin):
    for body, field in (
        ({"source": "youth_voice", "into": "youth_voice"}, "into"),
        ({"source": "nope", "into": "youth_voice"}, "source"),
        ({"source": "youth_voice", "into": "nope"}, "into"),
    ):
        answer = await client.post(f"{CODEBOOK}/merge", json=body, headers=admin)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field
    assert not await Theme.exists().where(Theme.retired_at.is_not_null())
    assert await _audit("merge") == []


async def test_split_moves_only_the_named_codings(client, world, admin, token_for):
    story = await _story(client, world, admin)
    researcher = await token_for("researcher")
    first = await _code(client, researcher, story, "youth_voice", 0, 5)
    second = await _code(client, researcher, story, "youth_voice", 6, 9)
    answer = await client.post(
        f"{CODEBOOK}/split",
        json={
            "theme": "youth_voice",
            "into": [
                {"key": "youth_councils", "labels": {"pl": "Rady młodzieżowe"}, "codings": [second]}
            ],
        },
        headers=researcher,
    )
    assert answer.status_code == 201, answer.text
    [created] = answer.json()
    assert (created["key"], created["kind"], created["labels"]) == (
        "youth_councils",
        "challenge",
        {"pl": "Rady młodzieżowe"},
    )
    themes = {row["id"]: row["key"] for row in await Theme.select(Theme.id, Theme.key)}
    codings = {
        row["id"]: themes[row["theme"]] for row in await Coding.select(Coding.id, Coding.theme)
    }
    assert codings == {first: "youth_voice", second: "youth_councils"}
    refused = await client.post(
        f"{CODEBOOK}/split",
        json={"theme": "digital_tools", "into": [{"key": "apps", "codings": [first]}]},
        headers=researcher,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "into.0.codings"
    assert not await Theme.exists().where(Theme.key == "apps")
    assert [e["detail"]["into"] for e in await _audit("split")] == [["youth_councils"]]


async def test_a_retired_theme_keeps_its_codings_and_takes_no_new_ones(
    client, world, admin, token_for
):
    story = await _story(client, world, admin)
    researcher = await token_for("researcher")
    coding = await _code(client, researcher, story, "youth_voice", 0, 5)
    answer = await client.post(
        f"{CODEBOOK}/themes/youth_voice/retire", json={"retired": True}, headers=researcher
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["retired"] is True
    assert await Coding.exists().where(Coding.id == coding)
    refused = await client.post(
        f"/api/v1/stories/{story}/codings",
        json={"theme": "youth_voice", "start": 6, "end": 9},
        headers=researcher,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "theme"
    restored = await client.post(
        f"{CODEBOOK}/themes/youth_voice/retire", json={"retired": False}, headers=researcher
    )
    assert restored.json()["retired"] is False
    assert [len(await _audit(action)) for action in ("retire", "restore")] == [1, 1]
