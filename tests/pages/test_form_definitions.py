"""`GET /api/v1/forms/{form}`: localized definitions with codebook labels and schema constraints."""

import pytest

from civicfutures.db.tables import Theme
from civicfutures.i18n import gettext, use_locale

DEMO = "euarenas-futures"


def fields_of(definition: dict) -> dict[str, dict]:
    return {f["name"]: f for section in definition["sections"] for f in section["fields"]}


def themes_of(definition: dict) -> dict[str, dict]:
    return {c["value"]: c for c in fields_of(definition)["codings"]["choices"]}


@pytest.fixture
async def reader(token_for) -> dict:
    return await token_for("researcher")


async def test_polish_definition_has_polish_labels_and_codebook(client, demo, reader):
    response = await client.get(f"/api/v1/forms/story?lang=pl&project={DEMO}", headers=reader)
    assert response.status_code == 200, response.text
    definition = response.json()
    assert (definition["language"], definition["ui_language"], definition["direction"]) == (
        "pl",
        "pl",
        "ltr",
    )
    with use_locale("pl"):
        assert definition["submit"] == gettext("Save the story") != "Save the story"
        assert fields_of(definition)["body"]["label"] == gettext("The story as told")
    themes = themes_of(definition)
    expected = {t["key"]: t["labels"]["pl"] for t in demo["themes"]}
    assert {key: choice["label"] for key, choice in themes.items()} == expected
    assert all("label_language" not in choice for choice in themes.values())
    groups = [g["value"] for g in fields_of(definition)["codings"]["groups"]]
    assert groups[0] == "challenge" and set(groups) == {t["kind"] for t in demo["themes"]}


async def test_italian_definition_has_italian_theme_labels_and_descriptions(client, demo, reader):
    definition = (
        await client.get(f"/api/v1/forms/story?lang=it&project={DEMO}", headers=reader)
    ).json()
    themes = themes_of(definition)
    for theme in demo["themes"]:
        assert themes[theme["key"]]["label"] == theme["labels"]["it"]
        if theme.get("descriptions", {}).get("it"):
            assert themes[theme["key"]]["description"] == theme["descriptions"]["it"]


async def test_voro_definition_falls_back_to_estonian_labels(client, demo, reader):
    # One theme loses its Võro label, so that the Estonian fallback shows.
    gap = demo["themes"][4]
    await Theme.update(
        {Theme.labels: {t: v for t, v in gap["labels"].items() if t != "vro"}}
    ).where(Theme.key == gap["key"])
    response = await client.get(f"/api/v1/forms/story?lang=vro&project={DEMO}", headers=reader)
    assert response.status_code == 200
    definition = response.json()
    assert (definition["language"], definition["ui_language"]) == ("vro", "et")
    with use_locale("et"):
        assert definition["submit"] == gettext("Save the story")
    themes = themes_of(definition)
    with_voro = [t for t in demo["themes"] if t["key"] != gap["key"]]
    # The interface is Estonian (ui_language): a Võro label says it is Võro, the Estonian
    # fallback is in the interface's own language and needs no mark.
    for theme in with_voro:
        assert themes[theme["key"]]["label"] == theme["labels"]["vro"]
        assert themes[theme["key"]]["label_language"] == "vro"
    assert themes[gap["key"]]["label"] == gap["labels"]["et"]
    assert "label_language" not in themes[gap["key"]]


async def test_regional_tags_use_their_language(client, demo, reader):
    definition = (
        await client.get(f"/api/v1/forms/story?lang=pl-PL&project={DEMO}", headers=reader)
    ).json()
    first = demo["themes"][0]
    assert themes_of(definition)[first["key"]]["label"] == first["labels"]["pl"]


async def test_constraints_come_from_the_api_schema(client, demo, reader):
    definition = (await client.get(f"/api/v1/forms/story?project={DEMO}", headers=reader)).json()
    fields = fields_of(definition)
    assert fields["body"]["required"] is True
    assert fields["body"]["constraints"] == {"min_length": 1, "max_length": 100_000}
    assert fields["title"]["constraints"] == {"max_length": 300}
    assert fields["horizon_year"]["constraints"] == {"minimum": 1900, "maximum": 2300}
    assert fields["storytellers"]["constraints"] == {"min_items": 1, "max_items": 50}
    assert [c["value"] for c in fields["kind"]["choices"]] == ["present", "future"]
    assert definition["action"] == "/api/v1/stories"
    teller = (
        await client.get(f"/api/v1/forms/storyteller?project={DEMO}&lang=uk", headers=reader)
    ).json()
    teller_fields = fields_of(teller)
    assert teller_fields["code"]["constraints"]["pattern"]
    assert [c["value"] for c in teller_fields["consent.scopes"]["choices"]] == [
        "research",
        "archive",
        "quote",
    ]
    age = teller_fields["demographics.age_band"]
    assert age["label"] == "Вікова група"
    assert {c["value"]: c["label"] for c in age["choices"]}["65+"] == "65 років і більше"


async def test_a_sites_definition_lists_its_workshops_and_storytellers(client, world, token_for):
    partner = await token_for("partner", "gdansk")
    definition = (
        await client.get("/api/v1/forms/story?site=gdansk&lang=pl", headers=partner)
    ).json()
    fields = fields_of(definition)
    assert [c["value"] for c in fields["workshop"]["choices"]] == [
        str(world["workshops"]["gdansk"]["id"])
    ]
    assert {c["label"] for c in fields["storytellers"]["choices"]} == {"GDANSK-1", "GDANSK-2"}
    assert fields["language"]["default"] == "pl"
    hidden = await client.get("/api/v1/forms/story?site=voru", headers=partner)
    assert hidden.status_code == 404


@pytest.mark.parametrize(
    ("query", "status"),
    [("project=euarenas-futures&lang=not a tag!", 422), ("project=nowhere", 404), ("", 404)],
)
async def test_bad_requests_are_named(client, demo, reader, query, status):
    response = await client.get(f"/api/v1/forms/workshop?{query}", headers=reader)
    assert response.status_code == status, response.text
    assert response.json()["errors"]


async def test_unknown_form_and_anonymous_caller(client, demo, reader):
    assert (
        await client.get(f"/api/v1/forms/poem?project={DEMO}", headers=reader)
    ).status_code == 400
    assert (await client.get(f"/api/v1/forms/story?project={DEMO}")).status_code == 401
