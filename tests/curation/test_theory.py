"""The Theory of Change on a small hand-built project, with exact counts, and its diagram."""

import pytest

from civicfutures.curation import diagram
from civicfutures.curation.service import theory_of_change_table
from curation.stories import evidence as cite


@pytest.fixture
async def mapped(client, admin, curated, insight_body) -> dict[str, int]:
    """I1 (Gdańsk, agreed): two Polish excerpts and one Arabic → inclusion, youth_heard.
    I2 (cross-site, agreed): Polish and Estonian → youth_heard. I3 (Võru, draft): Estonian →
    trust. I4 (Võru, agreed): Estonian, mapped to no outcome."""
    bodies = {
        "I1": insight_body(
            status="agreed",
            outcomes=["inclusion", "youth_heard"],
            evidence=[
                cite(curated["pl"], "Żółta ławka"),
                cite(curated["pl"], "nikt nie słucha"),
                cite(curated["ar"], "المجلس البلدي"),
            ],
        ),
        "I2": insight_body(
            site=None,
            status="agreed",
            title={"en": "Across sites"},
            outcomes=["youth_heard"],
            evidence=[cite(curated["pl"], "Żółta ławka"), cite(curated["et"], "Õhtuti")],
        ),
        "I3": insight_body(
            site="voru",
            title={"en": "Village square"},
            outcomes=["trust"],
            evidence=[cite(curated["et"], "Õhtuti")],
        ),
        "I4": insight_body(
            site="voru",
            status="agreed",
            title={"en": "Unmapped"},
            outcomes=[],
            evidence=[cite(curated["et"], "nende hääl")],
        ),
    }
    ids = {}
    for name, body in bodies.items():
        response = await client.post("/api/v1/insights", json=body, headers=admin)
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    return ids


def summary(theory: dict, names: dict[int, str]) -> dict:
    return {
        node["key"]: (
            [names[i["id"]] for i in node["insights"]],
            node["stories"],
            node["sites"],
            node["sites_without_evidence"],
        )
        for node in theory["outcomes"]
    }


async def test_counts_of_agreed_insights(client, admin, mapped):
    names = {v: k for k, v in mapped.items()}
    theory = (
        await client.get("/api/v1/theory-of-change?project=futures&lang=en", headers=admin)
    ).json()
    assert theory["sites"] == ["gdansk", "voru"]
    assert summary(theory, names) == {
        "inclusion": (["I1"], 2, ["gdansk"], ["voru"]),
        "youth_heard": (["I1", "I2"], 3, ["gdansk", "voru"], []),
        "trust": ([], 0, [], ["gdansk", "voru"]),
    }
    assert [names[i["id"]] for i in theory["unmapped"]] == ["I4"]
    assert [n["parent"] for n in theory["outcomes"]] == [None, "inclusion", None]


async def test_drafts_on_request_and_partner_scope(client, admin, token_for, mapped):
    names = {v: k for k, v in mapped.items()}
    drafts = (
        await client.get("/api/v1/theory-of-change?project=futures&drafts=true", headers=admin)
    ).json()
    assert summary(drafts, names)["trust"] == (["I3"], 1, ["voru"], ["gdansk"])
    partner = await token_for("partner", "gdansk")
    own = (await client.get("/api/v1/theory-of-change?project=futures", headers=partner)).json()
    assert own["sites"] == ["gdansk"]
    assert summary(own, names) == {
        "inclusion": (["I1"], 2, ["gdansk"], []),
        "youth_heard": (["I1"], 2, ["gdansk"], []),
        "trust": ([], 0, [], ["gdansk"]),
    }
    assert own["unmapped"] == []


async def test_withdrawn_consent_leaves_the_counts(client, admin, curated, mapped):
    names = {v: k for k, v in mapped.items()}
    teller = curated["storytellers"]["gdansk"][1]["id"]  # told the Arabic story
    consent = {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": []}
    await client.patch(f"/api/v1/storytellers/{teller}", json={"consent": consent}, headers=admin)
    theory = (await client.get("/api/v1/theory-of-change?project=futures", headers=admin)).json()
    assert summary(theory, names)["inclusion"] == (["I1"], 1, ["gdansk"], ["voru"])
    assert summary(theory, names)["youth_heard"][1] == 2


async def test_labels_follow_the_language_and_the_table_for_briefings(client, admin, mapped):
    theory = (
        await client.get("/api/v1/theory-of-change?project=futures&lang=pl", headers=admin)
    ).json()
    first = theory["outcomes"][0]
    assert (first["label"], first["label_language"]) == ("Bardziej inkluzywne uczestnictwo", "pl")
    assert theory["outcomes"][1]["label_language"] == "en"
    assert theory["outcomes"][0]["insights"][0]["title"] == "Młodzi czują się niesłyszani"
    rows = await theory_of_change_table("futures", "et")
    assert [(r.outcome, r.label, r.parent_label, r.stories) for r in rows] == [
        ("inclusion", "More inclusive participation", None, 2),
        ("youth_heard", "Noori kuulatakse", "More inclusive participation", 3),
        ("trust", "Stronger trust", None, 0),
    ]
    assert rows[1].insights == ["Young people feel unheard", "Across sites"]
    assert rows[0].sites == ["Gdańsk"] and rows[0].sites_without_evidence == ["Võru"]


async def test_the_diagram_escapes_user_text(client, admin, mapped):
    hostile = '<script>alert(1)</script> "q" \\N ]]'
    await client.patch(
        "/api/v1/outcomes/futures/trust", json={"labels": {"en": hostile}}, headers=admin
    )
    svg = await client.get("/api/v1/theory-of-change?project=futures&format=svg", headers=admin)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert "<script>" not in svg.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg.text
    assert "\\N" in svg.text  # shown literally, not replaced by the node's name
    assert "Across sites" in svg.text and "Võru" in svg.text
    dot = await client.get("/api/v1/theory-of-change?project=futures&format=dot", headers=admin)
    assert '\\"q\\"' in dot.text and "\\\\N" in dot.text
    mermaid = await client.get(
        "/api/v1/theory-of-change?project=futures&format=mermaid", headers=admin
    )
    line = next(line for line in mermaid.text.splitlines() if "alert" in line)
    assert "#60;script#62;" in line and '"q"' not in line and "#34;q#34;" in line
    assert line.count('"') == 2


async def test_without_graphviz_the_svg_points_to_the_text_formats(
    client, admin, mapped, monkeypatch
):
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    response = await client.get(
        "/api/v1/theory-of-change?project=futures&format=svg", headers=admin
    )
    assert response.status_code == 503
    assert response.json()["errors"][0]["field"] == "format"
    dot = await client.get("/api/v1/theory-of-change?project=futures&format=dot", headers=admin)
    assert dot.status_code == 200 and dot.text.startswith("digraph")


async def test_an_invalid_reading_language_is_a_field_error(client, admin, curated):
    for path in ("/api/v1/theory-of-change?project=futures", "/api/v1/quotes?project=futures"):
        response = await client.get(f"{path}&lang=not a tag", headers=admin)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "lang"
