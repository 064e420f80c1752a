"""Memos travel in the `.qdpx` as REFI-QDA notes, referred to from the story, the excerpt's
selection and the theme's code; a partner's export holds no theme memo."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from builders import story_body

DATA = Path(__file__).parent / "data"
NS = {"q": "urn:QDA-XML:project:1.0"}
BODY = "Linię autobusową zlikwidowano bez pytania mieszkańców. Żółć mnie zalała."


def _project(path: Path) -> etree._ElementTree:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde")).getroottree()


async def _memos(client, world, admin, token_for) -> dict:
    researcher = await token_for("researcher")
    story = (
        await client.post(
            "/api/v1/stories", json=story_body(world, body=BODY, codings=[]), headers=admin
        )
    ).json()["id"]
    coding = (
        await client.post(
            f"/api/v1/stories/{story}/codings",
            json={"theme": "youth_voice", "start": 6, "end": 16},
            headers=researcher,
        )
    ).json()
    made = {}
    for name, body in (
        ("story", {"story": story, "text": "Ask Gdańsk about the timetable."}),
        ("coding", {"coding": coding["id"], "text": "“autobusową”: distance, not time."}),
        ("theme", {"theme": "youth_voice", "project": "futures", "text": "Split by age?"}),
    ):
        answer = await client.post("/api/v1/memos", json=body, headers=researcher)
        assert answer.status_code == 201, answer.text
        made[name] = answer.json()
    return {"story_id": story, "researcher": researcher, **made}


async def test_memos_read_back_from_the_qdpx(client, world, admin, token_for, download):
    made = await _memos(client, world, admin, token_for)
    response, path = await download("qdpx", made["researcher"], project="futures", lang="en")
    assert response.status_code == 200, response.text
    tree = _project(path)
    validator = etree.XMLSchema(etree.parse(str(DATA / "refi-qda-project.xsd")))
    assert validator.validate(tree), validator.error_log

    notes = {
        n.get("guid"): n.findtext("q:PlainTextContent", namespaces=NS)
        for n in tree.iterfind("q:Notes/q:Note", NS)
    }
    by_text = {text: guid for guid, text in notes.items()}
    story_note = by_text["Ask Gdańsk about the timetable."]
    coding_note = by_text["“autobusową”: distance, not time."]
    theme_note = by_text["Split by age?"]

    source = next(
        s
        for s in tree.iterfind("q:Sources/q:TextSource", NS)
        if s.get("name").startswith(f"{made['story_id']} ·") and "[" not in s.get("name")
    )
    assert [r.get("targetGUID") for r in source.findall("q:NoteRef", NS)] == [story_note]
    selection = source.find("q:PlainTextSelection", NS)
    assert (selection.get("startPosition"), selection.get("endPosition")) == ("6", "16")
    assert [r.get("targetGUID") for r in selection.findall("q:NoteRef", NS)] == [coding_note]
    code = next(
        c for c in tree.iterfind(".//q:Code", NS) if c.get("name") == "Young people unheard"
    )
    assert [r.get("targetGUID") for r in code.findall("q:NoteRef", NS)] == [theme_note]

    # Each memo's author is a user of the project.
    users = {u.get("guid") for u in tree.iterfind("q:Users/q:User", NS)}
    memo_notes = [
        n
        for n in tree.iterfind("q:Notes/q:Note", NS)
        if n.get("guid") in by_text.values() and n.get("creatingUser")
    ]
    assert len(memo_notes) == 3 and all(n.get("creatingUser") in users for n in memo_notes)


async def test_a_partners_qdpx_holds_their_sites_memos_only(
    client, world, admin, token_for, download
):
    await _memos(client, world, admin, token_for)
    partner = await token_for("partner", "gdansk")
    _, path = await download("qdpx", partner, project="futures", lang="pl")
    texts = {
        n.findtext("q:PlainTextContent", namespaces=NS)
        for n in _project(path).iterfind("q:Notes/q:Note", NS)
    }
    assert "Ask Gdańsk about the timetable." in texts
    assert "Split by age?" not in texts
    elsewhere = await token_for("partner", "voru")
    _, path = await download("qdpx", elsewhere, project="futures", lang="et")
    texts = {
        n.findtext("q:PlainTextContent", namespaces=NS)
        for n in _project(path).iterfind("q:Notes/q:Note", NS)
    }
    assert not texts & {
        "Ask Gdańsk about the timetable.",
        "Split by age?",
        "“autobusową”: distance, not time.",
    }
