"""The agreement numbers through HTTP on a small example computed by hand; bootstrap intervals;
reconciling a disagreement records an agreed coding and leaves the coders' codings alone."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from builders import story_body
from civicfutures.analysis.agreement import (
    alpha_values,
    bootstrap_interval,
    cohen_kappa,
    kappa_values,
    krippendorff_alpha,
)
from civicfutures.analysis.themesets import Codebook, coder_sets

BODY = "Linię autobusową zlikwidowano bez pytania mieszkańców. Żółć mnie zalała."
# Story n: (themes of the first coder, themes of the second coder, site).
CODED = [
    ({"youth_voice"}, {"youth_voice"}, "gdansk"),
    ({"youth_voice"}, {"digital_tools"}, "gdansk"),
    ({"digital_tools"}, {"digital_tools"}, "gdansk"),
    ({"youth_voice", "digital_tools"}, {"youth_voice"}, "gdansk"),
    ({"digital_tools"}, {"youth_voice", "digital_tools"}, "gdansk"),
    ({"youth_voice"}, {"youth_voice"}, "voru"),
]


async def _coded_project(client, world, admin, token_for):
    first, second = await token_for("researcher"), await token_for("researcher")
    stories = []
    for mine, theirs, site in CODED:
        answer = await client.post(
            "/api/v1/stories",
            json=story_body(world, site=site, body=BODY, codings=[]),
            headers=admin,
        )
        assert answer.status_code == 201, answer.text
        story = answer.json()["id"]
        stories.append(story)
        for coder, themes in ((first, mine), (second, theirs)):
            for theme in sorted(themes):
                coded = await client.post(
                    f"/api/v1/stories/{story}/codings",
                    json={"theme": theme, "start": 0, "end": 5},
                    headers=coder,
                )
                assert coded.status_code == 201, coded.text
    return first, second, stories


def _row(report: dict, theme: str, site: str = "") -> dict:
    return next(r for r in report["themes"] if r["theme"] == theme and r["site"] == site)


async def test_kappa_and_alpha_match_the_hand_computed_example(client, world, admin, token_for):
    first, _second, stories = await _coded_project(client, world, admin, token_for)
    answer = await client.get("/api/v1/projects/futures/agreement", headers=first)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["doubly_coded"] == 6 and report["minimum_units"] == 5
    assert len(report["coders"]) == 2

    # youth_voice: first 1,1,0,1,0,1; second 1,0,0,1,1,1. p_o = 4/6, p_e = 5/9 → κ = 1/4;
    # 12 ratings, 8 ones, two split units → α = 1 − 11·2/(8·4) = 0.3125.
    youth = _row(report, "youth_voice")
    assert youth["kappa"]["value"] == pytest.approx(0.25)
    assert youth["alpha"]["value"] == pytest.approx(0.3125)
    assert youth["kappa"]["units"] == youth["alpha"]["units"] == 6
    assert youth["alpha"]["positive"] == 5
    # digital_tools: p_o = 4/6, p_e = 1/2 → κ = 1/3; α = 1 − 11·2/(6·6) = 7/18.
    tools = _row(report, "digital_tools")
    assert tools["kappa"]["value"] == pytest.approx(1 / 3)
    assert tools["alpha"]["value"] == pytest.approx(7 / 18)

    # Gdańsk alone (stories 1–5): p_o = 3/5, p_e = 0.52 → κ = 1/6. Võru rests on one story.
    assert _row(report, "youth_voice", "gdansk")["kappa"]["value"] == pytest.approx(1 / 6)
    voru = _row(report, "youth_voice", "voru")
    assert voru["alpha"]["units"] == 1
    assert voru["alpha"]["enough"] is False
    assert voru["alpha"]["value"] is None and voru["alpha"]["interval"] is None

    # Every interval holds its estimate and is the same on every call (seeded).
    for row in report["themes"]:
        for name in ("kappa", "alpha"):
            stat = row[name]
            if stat and stat["value"] is not None:
                assert stat["interval"]["low"] <= stat["value"] <= stat["interval"]["high"]
    again = (await client.get("/api/v1/projects/futures/agreement", headers=first)).json()
    assert again["themes"] == report["themes"]

    disagreements = {(d["story"], d["theme"]) for d in report["disagreements"]}
    assert disagreements == {
        (stories[1], "youth_voice"),
        (stories[1], "digital_tools"),
        (stories[3], "digital_tools"),
        (stories[4], "youth_voice"),
    }


async def test_too_few_doubly_coded_stories_give_no_number(client, world, admin, token_for):
    first = await token_for("researcher")
    answer = await client.post(
        "/api/v1/stories", json=story_body(world, body=BODY, codings=[]), headers=admin
    )
    story = answer.json()["id"]
    await client.post(
        f"/api/v1/stories/{story}/codings", json={"theme": "youth_voice"}, headers=first
    )
    report = (await client.get("/api/v1/projects/futures/agreement", headers=first)).json()
    assert report["doubly_coded"] == 0
    row = _row(report, "youth_voice")
    assert row["alpha"] == {
        "units": 0, "positive": 0, "enough": False, "value": None, "interval": None
    }  # fmt: skip
    assert row["kappa"] is None  # one coder: no pair to compare


async def test_reconciling_records_an_agreed_coding_and_keeps_the_codings(
    client, world, admin, token_for
):
    first, second, stories = await _coded_project(client, world, admin, token_for)
    story = stories[1]
    before = (await client.get(f"/api/v1/stories/{story}/codings", headers=admin)).json()
    stats = (await client.get("/api/v1/projects/futures/agreement", headers=first)).json()

    agreed = await client.post(
        f"/api/v1/stories/{story}/agreed-codings",
        json={"theme": "youth_voice", "start": 0, "end": 5},
        headers=second,
    )
    assert agreed.status_code == 201, agreed.text
    assert agreed.json()["excerpt"] == BODY[0:5]
    assert agreed.json()["applies"] is True
    absent = await client.post(
        f"/api/v1/stories/{story}/agreed-codings",
        json={"theme": "digital_tools", "applies": False},
        headers=first,
    )
    assert absent.status_code == 201, absent.text

    after = (await client.get(f"/api/v1/stories/{story}/codings", headers=admin)).json()
    assert after == before
    report = (await client.get("/api/v1/projects/futures/agreement", headers=first)).json()
    assert report["themes"] == stats["themes"]
    decided = {(d["story"], d["theme"]): d["agreed"] for d in report["disagreements"]}
    assert decided[(story, "youth_voice")] is True
    assert decided[(story, "digital_tools")] is False
    assert decided[(stories[4], "youth_voice")] is None

    # A contradicting decision, a theme outside the codebook and an excerpt on an absence
    # are refused, each naming its field.
    clash = await client.post(
        f"/api/v1/stories/{story}/agreed-codings",
        json={"theme": "digital_tools", "start": 0, "end": 5},
        headers=first,
    )
    assert clash.status_code == 409 and clash.json()["errors"][0]["field"] == "applies"
    unknown = await client.post(
        f"/api/v1/stories/{story}/agreed-codings", json={"theme": "nope"}, headers=first
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "theme"
    spanned = await client.post(
        f"/api/v1/stories/{story}/agreed-codings",
        json={"theme": "youth_voice", "applies": False, "start": 0, "end": 5},
        headers=first,
    )
    assert spanned.status_code == 422 and spanned.json()["errors"][0]["field"] == "start"

    listed = (await client.get(f"/api/v1/stories/{story}/agreed-codings", headers=first)).json()
    assert [(a["theme"], a["applies"]) for a in listed] == [
        ("youth_voice", True),
        ("digital_tools", False),
    ]
    removed = await client.delete(f"/api/v1/agreed-codings/{listed[0]['id']}", headers=first)
    assert removed.status_code == 204
    audit = (await client.get("/api/v1/audit?entity=agreed_coding", headers=admin)).json()
    actions = sorted(e["action"] for e in audit["items"])
    assert actions == ["create", "create", "delete"]


async def test_blind_coders_see_no_disagreement_before_marking_done(
    client, world, admin, token_for
):
    first, _second, stories = await _coded_project(client, world, admin, token_for)
    from civicfutures.db.tables import Project

    await Project.update({Project.blind_coding: True}).where(Project.slug == "futures")
    report = (await client.get("/api/v1/projects/futures/agreement", headers=first)).json()
    assert report["hidden_stories"] == 6 and report["disagreements"] == []
    refused = await client.post(
        f"/api/v1/stories/{stories[1]}/agreed-codings",
        json={"theme": "youth_voice"},
        headers=first,
    )
    assert refused.status_code == 403
    done = await client.post(
        f"/api/v1/stories/{stories[1]}/coding-done", json={"done": True}, headers=first
    )
    assert done.status_code == 200
    report = (await client.get("/api/v1/projects/futures/agreement", headers=first)).json()
    assert report["hidden_stories"] == 5
    assert {d["story"] for d in report["disagreements"]} == {stories[1]}


async def test_a_partner_sees_the_agreement_of_their_sites_only(client, world, admin, token_for):
    await _coded_project(client, world, admin, token_for)
    partner = await token_for("partner", "voru")
    report = (await client.get("/api/v1/projects/futures/agreement", headers=partner)).json()
    assert report["stories"] == 1
    assert {row["site"] for row in report["themes"]} == {"", "voru"}


def test_the_bootstrap_restates_the_statistics_and_is_seeded():
    first = np.array([1, 1, 0, 1, 0, 1])
    second = np.array([1, 0, 0, 1, 1, 1])
    codings = pl.LazyFrame(
        {
            "story_id": [i for i in range(6) for _ in (0, 1)],
            "coder": ["a", "b"] * 6,
            "theme": ["t" if x else "u" for pair in zip(first, second, strict=True) for x in pair],
        }
    )
    codebook = Codebook(("t", "u"))
    sets = coder_sets(codings, codebook)
    kappa = cohen_kappa(sets, codebook).collect().filter(pl.col("theme") == "t")["value"][0]
    alpha = krippendorff_alpha(sets, codebook).collect().filter(pl.col("theme") == "t")["value"][0]
    assert kappa_values(first, second)[0] == pytest.approx(kappa) == pytest.approx(0.25)
    ones, m = first + second, np.full(6, 2)
    assert alpha_values(ones, m)[0] == pytest.approx(alpha) == pytest.approx(0.3125)
    # Units with the same ratings counted once with a weight rate as the units themselves:
    # what lets the bootstrap draw counts per kind of unit.
    kinds = np.array([[1, 1], [1, 0], [0, 0], [0, 1]])
    counts = np.array([[3, 1, 1, 1]])
    assert kappa_values(*kinds.T, weights=counts)[0] == pytest.approx(0.25)
    assert alpha_values(kinds.sum(axis=1), np.full(4, 2), weights=counts)[0] == pytest.approx(
        0.3125
    )
    interval = bootstrap_interval(kappa_values, first, second, seed=7)
    assert interval == bootstrap_interval(kappa_values, first, second, seed=7)
    many = np.tile(first, 7), np.tile(second, 7)
    assert bootstrap_interval(kappa_values, *many, seed=7) != bootstrap_interval(
        kappa_values, *many, seed=8
    )
    assert -1 <= interval[0] <= 0.25 <= interval[1] <= 1
    assert bootstrap_interval(kappa_values, first[:1], second[:1]) is None
    # Perfect agreement on every draw: the interval is the single value 1.
    assert bootstrap_interval(kappa_values, first, first) == (1.0, 1.0)


async def test_an_agreed_excerpt_moves_with_its_words_or_refuses_the_edit(
    client, world, admin, token_for
):
    from civicfutures.db.tables import AgreedCoding

    researcher = await token_for("researcher")
    answer = await client.post(
        "/api/v1/stories", json=story_body(world, body=BODY, codings=[]), headers=admin
    )
    story = answer.json()["id"]
    start = BODY.index("Żółć")
    agreed = await client.post(
        f"/api/v1/stories/{story}/agreed-codings",
        json={"theme": "youth_voice", "start": start, "end": start + 4},
        headers=researcher,
    )
    assert agreed.status_code == 201, agreed.text
    moved = await client.patch(
        f"/api/v1/stories/{story}",
        json={"body": "Wstęp. " + BODY},
        headers={**admin, "If-Match": "1"},
    )
    assert moved.status_code == 200, moved.text
    row = await AgreedCoding.select(AgreedCoding.start_offset, AgreedCoding.end_offset).first()
    assert (row["start_offset"], row["end_offset"]) == (start + 7, start + 11)
    refused = await client.patch(
        f"/api/v1/stories/{story}",
        json={"body": "Linię autobusową zlikwidowano."},
        headers={**admin, "If-Match": "2"},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body"
    assert "Żółć" in refused.json()["errors"][0]["message"]
