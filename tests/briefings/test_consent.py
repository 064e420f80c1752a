"""A storyteller who withdraws consent leaves the next briefing: counts, tables and quotes."""

from __future__ import annotations

import json
from pathlib import Path

from builders import story_body


async def _briefing_data(client, headers) -> tuple[str, dict]:
    from civicfutures.settings import get_settings

    response = await client.post(
        "/api/v1/briefings", json={"project": "futures", "site": "gdansk"}, headers=headers
    )
    assert response.status_code == 201, response.text
    briefing = response.json()["id"]
    path = Path(get_settings().exports_dir) / "briefings" / briefing / "briefing.json"
    return briefing, json.loads(path.read_text(encoding="utf-8"))


def _facts(data: dict) -> dict[str, str]:
    method = next(s for s in data["sections"] if s["key"] == "method")
    facts = next(b for b in method["blocks"] if b["type"] == "facts")
    return {f["label"]: f["value"] for f in facts["items"]}


async def test_withdrawing_consent_changes_the_next_briefing(client, admin, world):
    tellers = world["storytellers"]["gdansk"]
    stories = []
    for teller in tellers:
        body = story_body(
            world,
            "gdansk",
            storytellers=[teller["id"]],
            body="Autobus zniknął. Nikt nas nie zapytał o zdanie.",
        )
        response = await client.post("/api/v1/stories", json=body, headers=admin)
        assert response.status_code == 201, response.text
        stories.append(response.json())
    insight = {
        "project": "futures",
        "site": "gdansk",
        "language": "pl",
        "title": {"pl": "Decyzje bez mieszkańców"},
        "themes": ["youth_voice"],
        "evidence": [{"story": stories[0]["id"], "start": 0, "end": 16, "quotable": True}],
        "status": "agreed",
    }
    assert (await client.post("/api/v1/insights", json=insight, headers=admin)).status_code == 201

    before_id, before = await _briefing_data(client, admin)
    quotes = before["tables"]["quotes"]
    text_column = [c["key"] for c in quotes["columns"]].index("text")
    assert [r[text_column] for r in quotes["rows"]] == ["Autobus zniknął."]
    stories_label = next(label for label in _facts(before) if _facts(before)[label] == "2")

    withdrawal = {
        "consent": {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": ["archive"]}
    }
    response = await client.patch(
        f"/api/v1/storytellers/{tellers[0]['id']}", json=withdrawal, headers=admin
    )
    assert response.status_code == 200, response.text

    after_id, after = await _briefing_data(client, admin)
    assert after_id != before_id
    assert after["snapshot"] != before["snapshot"]
    assert _facts(after)[stories_label] != "2"
    assert after["tables"]["quotes"]["rows"] == []
    insights = next(s for s in after["sections"] if s["key"] == "insights")
    block = next(b for b in insights["blocks"] if b["type"] == "insight")
    assert block["quotes"] == [] and block["notes"]
