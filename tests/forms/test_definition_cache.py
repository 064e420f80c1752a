"""Form definitions kept per data version: served again while nothing changed, built again
straight after any committed change to what they show (a theme, a workshop), never shared
with a reader who may see less."""

import html

import pytest

from civicfutures.auth.actor import Actor
from civicfutures.db.tables import Project, Site
from civicfutures.errors import NotFound
from civicfutures.forms.definitions import FormService, theme_choices
from civicfutures.i18n.labels import LabelContext

NEW_THEME = {
    "project": "futures",
    "key": "night_buses",
    "kind": "enabler",
    "labels": {"en": "Buses that run at night", "pl": "Autobusy nocne"},
}


async def partner_of(slug: str) -> Actor:
    site_id = (await Site.select(Site.id).where(Site.slug == slug).first())["id"]
    return Actor(
        user_id=1,
        label="partner",
        roles=frozenset({"partner"}),
        site_ids=frozenset({site_id}),
        partner_site_ids=frozenset({site_id}),
    )


def theme_keys(definition) -> list[str]:
    return [choice.value for choice in definition.field("codings").choices]


async def test_a_definition_is_built_once_while_nothing_changes(client, world):
    actor = await partner_of("gdansk")
    first = await FormService().definition(actor, "story", site="gdansk", language="pl")
    again = await FormService().definition(actor, "story", site="gdansk", language="pl")
    assert again is first
    # Another account with the same access is shown the same data: the kept one.
    colleague = Actor(
        user_id=2,
        label="colleague",
        roles=actor.roles,
        site_ids=actor.site_ids,
        partner_site_ids=actor.partner_site_ids,
    )
    shared = await FormService().definition(colleague, "story", site="gdansk", language="pl")
    assert shared is first
    # Another language is another definition.
    english = await FormService().definition(actor, "story", site="gdansk", language="en")
    assert english is not first and english.language == "en"


async def test_a_new_theme_is_in_the_next_definition(client, admin, world):
    actor = await partner_of("gdansk")
    before = await FormService().definition(actor, "story", site="gdansk", language="pl")
    assert "night_buses" not in theme_keys(before)
    response = await client.post("/api/v1/themes", json=NEW_THEME, headers=admin)
    assert response.status_code == 201, response.text
    after = await FormService().definition(actor, "story", site="gdansk", language="pl")
    assert after is not before
    assert theme_keys(after) == [*theme_keys(before), "night_buses"]


async def test_a_reader_of_another_site_is_not_served_a_kept_definition(client, world):
    await FormService().definition(
        await partner_of("gdansk"), "story", site="gdansk", language="pl"
    )
    with pytest.raises(NotFound):
        await FormService().definition(
            await partner_of("voru"), "story", site="gdansk", language="pl"
        )


async def test_the_story_form_page_shows_a_theme_added_after_it_was_served(
    client, admin, sign_in, world
):
    await sign_in("partner", "gdansk")
    page = await client.get("/pl/sites/gdansk/stories/new")
    assert page.status_code == 200
    assert "Niesłyszalny głos młodych" in html.unescape(page.text)
    assert "Autobusy nocne" not in html.unescape(page.text)
    response = await client.post("/api/v1/themes", json=NEW_THEME, headers=admin)
    assert response.status_code == 201, response.text
    page = await client.get("/pl/sites/gdansk/stories/new")
    assert page.status_code == 200
    assert "Autobusy nocne" in html.unescape(page.text)


async def test_the_story_form_page_lists_a_workshop_added_after_it_was_served(
    client, admin, sign_in, world
):
    await sign_in("partner", "gdansk")
    page = await client.get("/en/sites/gdansk/stories/new")
    assert "Bus depot" not in page.text
    response = await client.post(
        "/api/v1/workshops",
        json={
            "site": "gdansk",
            "date": "2025-04-02",
            "kind": "future_thinking",
            "language": "pl",
            "title": "Bus depot",
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    page = await client.get("/en/sites/gdansk/stories/new")
    assert "Bus depot" in page.text


async def test_the_codebook_choices_are_read_again_after_a_theme_is_added(client, admin, world):
    labels = LabelContext(tag="pl", site_languages=("pl", "uk"), project_default="en")
    project = world["sites"]["gdansk"]["project"]
    project_id = (await Project.select(Project.id).where(Project.slug == project).first())["id"]
    themes, groups = await theme_choices(project_id, labels)
    assert await theme_choices(project_id, labels) == (themes, groups)
    assert (await theme_choices(project_id, labels))[0] is themes
    response = await client.post("/api/v1/themes", json=NEW_THEME, headers=admin)
    assert response.status_code == 201, response.text
    after, after_groups = await theme_choices(project_id, labels)
    assert [c.value for c in after] == [*(c.value for c in themes), "night_buses"]
    assert "enabler" in [g.value for g in after_groups]


async def test_a_sites_stories_page_offers_a_theme_added_after_it_was_served(
    client, admin, sign_in, world
):
    await sign_in("partner", "gdansk")
    page = await client.get("/pl/sites/gdansk")
    assert page.status_code == 200
    assert "Autobusy nocne" not in html.unescape(page.text)
    response = await client.post("/api/v1/themes", json=NEW_THEME, headers=admin)
    assert response.status_code == 201, response.text
    page = await client.get("/pl/sites/gdansk")
    assert "Autobusy nocne" in html.unescape(page.text)
