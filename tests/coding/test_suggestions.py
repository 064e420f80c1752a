"""Suggested themes: learned from agreed decisions, shown to coders, rejected for good, never
stored as codings; consent decides what trains them; the held-out kappa on the agreement page."""

from __future__ import annotations

from builders import story_body
from civicfutures.coding import classifier
from pages.conftest import csrf_token

BUS = [
    "Autobus do szkoły jeździ rzadko, młodzież czeka na przystanku godzinami.",
    "Chcemy nowego autobusu i przystanku przy szkole dla młodzieży.",
    "Młodzież z osiedla nie ma autobusu do szkoły wieczorem.",
    "Przystanek autobusowy przy szkole jest zniszczony, młodzież marznie.",
    "Uczniowie i młodzież jeżdżą autobusem do szkoły przez pół miasta.",
    "Za dwadzieścia lat autobus elektryczny zawiezie młodzież do szkoły.",
]
NET = [
    "Aplikacja miejska i internet pozwolą głosować na budżet obywatelski.",
    "Internet w bibliotece i aplikacja do zgłaszania usterek.",
    "Głosowanie przez aplikację i internet jest dla wszystkich wygodne.",
    "Darmowy internet na rynku i aplikacja z rozkładem wydarzeń.",
    "Konsultacje przez internet, aplikacja przypomina o spotkaniach.",
    "Cyfrowa aplikacja i szybki internet w każdym urzędzie dzielnicy.",
]
NEW_BUS = "Nasza młodzież potrzebuje autobusu do szkoły, przystanek jest daleko."


def test_a_theme_needs_its_minimum_of_agreed_examples():
    labels = {"a": [True] * 4 + [False], "b": [True] * 5 + [False], "c": [True] * 6}
    assert classifier.eligible(labels, 5) == ["b"]
    assert classifier.eligible(labels, 4) == ["a", "b"]


def test_the_classifier_learns_across_inflected_forms_and_reports_held_out_kappa():
    texts = BUS + NET
    labels = {"bus": [True] * 6 + [False] * 6, "net": [False] * 6 + [True] * 6}
    model = classifier.fit(texts, labels, 5)
    scores = model.scores([NEW_BUS, "Aplikacje i internetu brak w urzędzie."])
    assert scores["bus"][0] > 0.5 > scores["bus"][1]
    assert scores["net"][1] > 0.5 > scores["net"][0]
    figures = classifier.held_out(texts, labels, 4, folds=3)
    assert (figures.stories, figures.folds) == (12, 3)
    assert [(row.theme, row.stories, row.positive) for row in figures.themes] == [
        ("bus", 12, 6),
        ("net", 12, 6),
    ]
    assert figures.kappa is not None and 0.5 <= figures.kappa <= 1
    # The same data and seed give the same figures.
    assert classifier.held_out(texts, labels, 4, folds=3) == figures
    # Texts without a single n-gram teach nothing rather than failing.
    assert classifier.fit([" "] * 6, {"x": [True] * 5 + [False]}, 5).scores(["a"]) == {}


async def _coded_stories(client, world, admin) -> list[int]:
    """Twelve stories of storyteller 0 of Gdańsk, each coded alike by two coders."""
    made = []
    for body, theme in [*((b, "youth_voice") for b in BUS), *((b, "digital_tools") for b in NET)]:
        codings = [{"theme": theme, "coder": "coder-a"}, {"theme": theme, "coder": "coder-b"}]
        answer = await client.post(
            "/api/v1/stories",
            json=story_body(world, body=body, codings=codings, translations=[]),
            headers=admin,
        )
        assert answer.status_code == 201, answer.text
        made.append(answer.json()["id"])
    return made


async def _new_story(client, world, admin) -> int:
    teller = world["storytellers"]["gdansk"][1]["id"]
    answer = await client.post(
        "/api/v1/stories",
        json=story_body(world, body=NEW_BUS, codings=[], storytellers=[teller], translations=[]),
        headers=admin,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def test_suggestions_through_the_api_rejections_and_consent(client, world, admin, token_for):
    from civicfutures.db.tables import Coding, SuggestionRejection

    training = await _coded_stories(client, world, admin)
    story = await _new_story(client, world, admin)
    researcher = await token_for("researcher")
    answer = await client.get(f"/api/v1/stories/{story}/suggestions", headers=researcher)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["trained_on"] == 12 and found["minimum_examples"] == 5
    assert [s["theme"] for s in found["suggestions"]] == ["youth_voice"]
    assert found["suggestions"][0]["examples"] == 6 and found["suggestions"][0]["score"] >= 0.5
    # Never stored as a coding.
    assert not await Coding.exists().where(Coding.story == story)

    # A reconciled decision overrides the coders' unanimous one and retrains the model.
    agreed = await client.post(
        f"/api/v1/stories/{training[0]}/agreed-codings",
        json={"theme": "youth_voice", "applies": False},
        headers=researcher,
    )
    assert agreed.status_code == 201, agreed.text
    again = (await client.get(f"/api/v1/stories/{story}/suggestions", headers=researcher)).json()
    assert again["suggestions"] == [] or again["suggestions"][0]["examples"] == 5
    await client.delete(f"/api/v1/agreed-codings/{agreed.json()['id']}", headers=researcher)

    # Rejected: not suggested to this coder for this story again; others still see it.
    for _twice in range(2):
        rejected = await client.post(
            f"/api/v1/stories/{story}/suggestions/rejections",
            json={"theme": "youth_voice"},
            headers=researcher,
        )
        assert rejected.status_code == 204, rejected.text
    assert await SuggestionRejection.count() == 1
    mine = (await client.get(f"/api/v1/stories/{story}/suggestions", headers=researcher)).json()
    assert mine["suggestions"] == []
    other = await token_for("researcher")
    theirs = (await client.get(f"/api/v1/stories/{story}/suggestions", headers=other)).json()
    assert [s["theme"] for s in theirs["suggestions"]] == ["youth_voice"]
    unknown = await client.post(
        f"/api/v1/stories/{story}/suggestions/rejections", json={"theme": "nope"}, headers=other
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "theme"

    # Another site's partner does not learn that the story exists; an author may not code.
    partner = await token_for("partner", "voru")
    assert (
        await client.get(f"/api/v1/stories/{story}/suggestions", headers=partner)
    ).status_code == 404
    author = await token_for("author")
    assert (
        await client.get(f"/api/v1/stories/{story}/suggestions", headers=author)
    ).status_code == 403

    # The training stories' storyteller withdraws: nothing of theirs trains or suggests.
    teller = world["storytellers"]["gdansk"][0]["id"]
    withdrawn = await client.patch(
        f"/api/v1/storytellers/{teller}",
        json={
            "consent": {
                "version": "v1",
                "given_at": "2025-03-15",
                "scopes": [],
                "withdrawn_at": "2025-06-01T00:00:00Z",
            }
        },
        headers=admin,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    after = (await client.get(f"/api/v1/stories/{story}/suggestions", headers=other)).json()
    assert after["trained_on"] == 0 and after["suggestions"] == []
    quality = await client.get("/api/v1/projects/futures/suggestions/quality", headers=other)
    assert quality.json()["themes"] == [] and quality.json()["stories"] == 0


async def test_the_story_page_offers_suggestions_to_accept_or_reject(client, world, admin, sign_in):
    from civicfutures.db.tables import Coding

    await _coded_stories(client, world, admin)
    story = await _new_story(client, world, admin)
    email = await sign_in("researcher", lang="ar")
    page = await client.get(f"/ar/stories/{story}")
    assert page.status_code == 200 and 'data-suggestion="youth_voice"' in page.text
    assert 'data-suggestion="digital_tools"' not in page.text
    excerpt = await client.get(f"/ar/stories/{story}?code=youth_voice")
    assert 'name="theme" list="coding-themes" autocomplete="off" required value="youth_voice"' in (
        excerpt.text
    )
    # Accepting codes the whole story as the coder's own coding.
    accepted = await client.post(
        f"/ar/stories/{story}/codings",
        data={"theme": "youth_voice", "_csrf_token": csrf_token(page.text)},
    )
    assert accepted.status_code == 303, accepted.text
    row = await Coding.select().where(Coding.story == story).first()
    assert (row["coder"], row["start_offset"], row["end_offset"]) == (email, None, None)
    coded = await client.get(f"/ar/stories/{story}")
    assert 'data-suggestion="youth_voice"' not in coded.text
    # Rejecting on another story, through the form.
    second = await _new_story(client, world, admin)
    other = await client.get(f"/ar/stories/{second}")
    rejected = await client.post(
        f"/ar/stories/{second}/suggestions/reject",
        data={"theme": "youth_voice", "_csrf_token": csrf_token(other.text)},
    )
    assert rejected.status_code == 303
    assert rejected.headers["location"].endswith("?saved=rejected#suggestions-heading")
    shown = await client.get(rejected.headers["location"])
    assert 'data-suggestion="youth_voice"' not in shown.text and 'role="status"' in shown.text
    assert not await Coding.exists().where(Coding.story == second)


async def test_the_agreement_page_reports_held_out_kappa(client, world, admin, sign_in):
    await _coded_stories(client, world, admin)
    await sign_in("researcher")
    page = await client.get("/en/projects/futures/agreement")
    assert page.status_code == 200
    assert 'class="suggestion-quality"' in page.text
    for theme in ("youth_voice", "digital_tools"):
        assert f'<tr data-theme="{theme}">' in page.text
    assert "stories: 12" in page.text


async def test_under_blind_coding_only_stories_marked_done_train(client, world, admin, token_for):
    from civicfutures.db.tables import Project

    training = await _coded_stories(client, world, admin)
    story = await _new_story(client, world, admin)
    await Project.update({Project.blind_coding: True}).where(Project.slug == "futures")
    researcher = await token_for("researcher")
    path = f"/api/v1/stories/{story}/suggestions"
    blind = (await client.get(path, headers=researcher)).json()
    assert (blind["trained_on"], blind["suggestions"]) == (0, [])
    for done in training:
        marked = await client.post(
            f"/api/v1/stories/{done}/coding-done", json={"done": True}, headers=researcher
        )
        assert marked.status_code == 200, marked.text
    opened = (await client.get(path, headers=researcher)).json()
    assert opened["trained_on"] == 12
    assert [s["theme"] for s in opened["suggestions"]] == ["youth_voice"]
    # Admins read every coding: nothing is blind to them.
    assert (await client.get(path, headers=admin)).json()["trained_on"] == 12
