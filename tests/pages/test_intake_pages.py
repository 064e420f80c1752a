"""Partner pages through the whole app: sign-in session, CSRF, forms, services, database."""

import datetime as dt
import html
import re

import pytest

from builders import story_body
from civicfutures.db.tables import Coding, Story, Storyteller, Translation, Workshop
from civicfutures.i18n import gettext, ngettext, use_locale
from civicfutures.i18n.languages import PAGE_LANGUAGES


def pl(message: str) -> str:
    """A message as the Polish catalog has it (asserting it is translated at all)."""
    with use_locale("pl"):
        text = gettext(message)
    assert text != message, f"not translated into Polish: {message!r}"
    return text


def text_of(page: str) -> str:
    return html.unescape(page)


def story_fields(world: dict, **changes) -> dict:
    fields = {
        "workshop": str(world["workshops"]["gdansk"]["id"]),
        "storytellers": [str(world["storytellers"]["gdansk"][0]["id"])],
        "kind": "present",
        "horizon_year": "",
        "language": "pl",
        "title": "Przystanek, którego już nie ma",
        "body": "Zlikwidowali przystanek koło szkoły. Nikt nas nie zapytał — ani rodziców, ani dzieci.",
        "status": "submitted",
        "translations.0.language": "en",
        "translations.0.title": "",
        "translations.0.body": "",
        "codings": ["youth_voice"],
    }
    fields.update(changes)
    return fields


async def test_story_form_speaks_polish_with_the_codebook_in_polish(client, sign_in, world):
    await sign_in("partner", "gdansk")
    page = await client.get("/pl/sites/gdansk/stories/new")
    assert page.status_code == 200
    assert '<html lang="pl" dir="ltr">' in page.text
    body = text_of(page.text)
    for message in ("Enter a story", "Save the story", "The story as told", "Themes of the story"):
        assert pl(message) in body
    assert "Niesłyszalny głos młodych" in body  # the theme's Polish label
    assert "Cyfrowe narzędzia demokracji" in body
    assert 'name="_csrf_token"' in page.text


async def test_invalid_story_comes_back_with_polish_errors_and_what_was_typed(
    client, sign_in, post_form, world
):
    await sign_in("partner", "gdansk")
    typed_title = "Tytuł, który ma zostać"
    response = await post_form(
        "/pl/sites/gdansk/stories/new",
        story_fields(
            world, title=typed_title, body="   ", storytellers=[], horizon_year="dwa tysiące"
        ),
    )
    assert response.status_code == 422
    page = text_of(response.text)
    assert pl("This field is required.") in page
    assert pl("Choose at least one.") in page
    assert pl("Enter a whole number, e.g. 2050.") in page
    assert typed_title in page
    # Every problem is listed at the top and linked to its field.
    assert 'href="#field-body"' in response.text
    assert 'href="#field-storytellers-0"' in response.text
    assert 'href="#field-horizon_year"' in response.text
    assert re.search(r'id="field-body"[^>]*aria-invalid="true"', response.text)
    assert "checked" in re.search(r'<input[^>]*value="youth_voice"[^>]*>', response.text).group(0)
    assert await Story.count() == 0


async def test_service_rules_are_reported_next_to_their_fields(client, sign_in, post_form, world):
    await sign_in("partner", "gdansk")
    response = await post_form(
        "/pl/sites/gdansk/stories/new",
        story_fields(
            world,
            horizon_year="2050",  # a present-day story has no horizon
            **{"translations.0.language": "pl", "translations.0.body": "To samo po polsku."},
        ),
    )
    assert response.status_code == 422
    page = text_of(response.text)
    assert pl("A horizon year belongs to a future vision only.") in page
    assert pl("A translation must be in another language than the story.") in page
    assert re.search(r'id="field-translations-0-language-error"', response.text)
    assert "To samo po polsku." in page
    assert await Story.count() == 0


async def test_valid_story_is_stored_exactly_and_redirects(client, sign_in, post_form, world):
    email = await sign_in("partner", "gdansk")
    fields = story_fields(
        world,
        kind="future",
        horizon_year="2045",
        body="W 2045 roku rada dzielnicy\r\nzbiera się w bibliotece. Żółć? Nie — zgoda.",
        codings=["youth_voice", "digital_tools"],
        **{
            "translations.0.title": "The library council",
            "translations.0.body": "In 2045 the district council meets in the library.",
        },
    )
    response = await post_form("/pl/sites/gdansk/stories/new", fields)
    assert response.status_code == 303, response.text
    story = await Story.select().first()
    assert response.headers["location"] == f"/pl/sites/gdansk?saved={story['id']}"
    assert (
        story["body"] == "W 2045 roku rada dzielnicy\nzbiera się w bibliotece. Żółć? Nie — zgoda."
    )
    assert story["title"] == "Przystanek, którego już nie ma"
    assert story["horizon_year"] == 2045
    codings = await Coding.select(Coding.theme.key, Coding.coder)
    assert sorted(c["theme.key"] for c in codings) == ["digital_tools", "youth_voice"]
    assert {c["coder"] for c in codings} == {email}
    translation = await Translation.select().first()
    assert (translation["language"], translation["title"]) == ("en", "The library council")
    listing = await client.get(response.headers["location"])
    assert pl("The story was saved.") in text_of(listing.text)


async def test_storyteller_form_records_consent_and_demographics(client, sign_in, post_form, world):
    await sign_in("partner", "gdansk")
    page = await client.get("/pl/sites/gdansk/storytellers/new")
    assert page.status_code == 200
    assert 'name="consent.scopes"' in page.text and 'name="demographics.age_band"' in page.text
    fields = {
        "site": "gdansk",
        "code": "GDN-100",
        "demographics.age_band": "16-24",
        "consent.version": "2025-1",
        "consent.given_at": "2025-03-15",
        "consent.scopes": ["research", "quote"],
    }
    response = await post_form("/pl/sites/gdansk/storytellers/new", fields)
    assert response.status_code == 303, response.text
    teller = (
        await Storyteller.select()
        .where(Storyteller.code == "GDN-100")
        .output(load_json=True)
        .first()
    )
    assert teller["demographics"] == {"age_band": "16-24"}
    assert teller["consent_scopes"] == ["quote", "research"]
    assert teller["consent_given_at"] == dt.datetime(2025, 3, 15, tzinfo=dt.UTC)
    assert response.headers["location"].startswith("/pl/sites/gdansk/stories/new?storyteller=")

    again = await post_form(
        "/pl/sites/gdansk/storytellers/new", {**fields, "demographics.age_band": "99+"}
    )
    assert again.status_code == 422
    page = text_of(again.text)
    assert pl("Choose from the options given.") in page
    duplicate = await post_form("/pl/sites/gdansk/storytellers/new", fields)
    assert duplicate.status_code == 422
    with use_locale("pl"):
        assert gettext("This project already has a storyteller “{code}”.").format(
            code="GDN-100"
        ) in text_of(duplicate.text)
    named = await post_form("/pl/sites/gdansk/storytellers/new", {**fields, "code": "Jan Kowalski"})
    assert named.status_code == 422
    assert 'id="field-code-error"' in named.text
    assert await Storyteller.count() == 5


async def test_workshop_form_leads_to_the_story_form_for_that_workshop(
    client, sign_in, post_form, world
):
    await sign_in("partner", "gdansk")
    response = await post_form(
        "/it/sites/gdansk/workshops/new",
        {
            "site": "gdansk",
            "date": "2025-05-20",
            "kind": "future_thinking",
            "language": "uk",
            "title": "Biblioteka Manhattan",
            "note": "",
        },
    )
    assert response.status_code == 303, response.text
    workshop = await Workshop.select().where(Workshop.title == "Biblioteka Manhattan").first()
    assert workshop["language"] == "uk" and workshop["held_on"] == dt.date(2025, 5, 20)
    follow = await client.get(response.headers["location"])
    assert re.search(rf'<option value="{workshop["id"]}" selected>', follow.text)
    bad = await post_form(
        "/it/sites/gdansk/workshops/new",
        {"site": "gdansk", "date": "20/05/2025", "kind": "storytelling", "language": "it"},
    )
    assert bad.status_code == 422
    with use_locale("it"):
        assert gettext("Enter a date as year-month-day, e.g. 2025-03-15.") in text_of(bad.text)


async def test_story_edit_keeps_coded_excerpts_and_refuses_stale_versions(
    client, admin, sign_in, post_form, world
):
    body = "Na zebraniu nikt nie słuchał młodych. Potem zamknięto bibliotekę."
    start = body.index("nikt nie słuchał młodych")
    created = await client.post(
        "/api/v1/stories",
        json=story_body(
            world,
            body=body,
            codings=[
                {"theme": "youth_voice", "coder": "coder-a", "start": start, "end": start + 24}
            ],
        ),
        headers=admin,
    )
    story = created.json()
    await sign_in("partner", "gdansk")
    edit_path = f"/pl/stories/{story['id']}/edit"
    page = await client.get(edit_path)
    assert page.status_code == 200
    assert 'name="version" value="1"' in page.text
    assert "The bus line was cut without asking residents." in text_of(
        page.text
    )  # the English translation
    fields = story_fields(
        world,
        title="Zebranie bez młodych",
        body="W marcu, na zebraniu, nikt nie słuchał młodych. Potem zamknięto bibliotekę.",
        version="1",
        **{
            "translations.0.language": "en",
            "translations.0.title": "The bus that is gone",
            "translations.0.body": "The bus line was cut without asking residents.",
            "translations.1.language": "uk",
            "translations.1.body": "На зборах ніхто не слухав молодих.",
        },
    )
    saved = await post_form(edit_path, fields)
    assert saved.status_code == 303, saved.text
    current = (await client.get(f"/api/v1/stories/{story['id']}", headers=admin)).json()
    assert current["version"] == 2 and current["title"] == "Zebranie bez młodych"
    coding = current["codings"][0]
    assert (coding["coder"], current["body"][coding["start"] : coding["end"]]) == (
        "coder-a",
        "nikt nie słuchał młodych",
    )
    assert [t["language"] for t in current["translations"]] == ["en", "uk"]

    stale = await post_form(edit_path, {**fields, "title": "Spóźniona poprawka"})
    assert stale.status_code == 422
    with use_locale("pl"):
        expected = gettext(
            "The story was changed by someone else (now version {version}); reload it and edit again."
        )
    assert expected.format(version=2) in text_of(stale.text)
    assert "Spóźniona poprawka" in text_of(stale.text)
    assert (await client.get(f"/api/v1/stories/{story['id']}", headers=admin)).json()[
        "title"
    ] == "Zebranie bez młodych"


async def test_story_list_filters_and_counts_in_the_pages_language(client, admin, sign_in, world):
    for n in range(3):
        await client.post(
            "/api/v1/stories", json=story_body(world, title=f"Historia {n}"), headers=admin
        )
    await client.post(
        "/api/v1/stories",
        json=story_body(world, title="Wizja", kind="future", horizon_year=2050, translations=[]),
        headers=admin,
    )
    await sign_in("partner", "gdansk")
    listing = await client.get("/pl/sites/gdansk")
    assert listing.status_code == 200
    with use_locale("pl"):
        four = ngettext("%(num)s story found", "%(num)s stories found", 4) % {"num": 4}
        one = ngettext("%(num)s story found", "%(num)s stories found", 1) % {"num": 1}
    assert four in text_of(listing.text) and four != one
    future = await client.get("/pl/sites/gdansk?kind=future")
    assert one in text_of(future.text)
    assert "Wizja" in future.text and "Historia 0" not in future.text
    bad = await client.get("/pl/sites/gdansk?from=wczoraj")
    assert bad.status_code == 200
    assert pl("Enter a date as year-month-day, e.g. 2025-03-15.") in text_of(bad.text)


@pytest.mark.parametrize("lang", PAGE_LANGUAGES)
async def test_every_page_language_sets_lang_and_direction(client, sign_in, world, lang):
    await sign_in("partner", "gdansk")
    for path in (
        f"/{lang}/",
        f"/{lang}/sites/gdansk",
        f"/{lang}/sites/gdansk/stories/new",
        f"/{lang}/login",
    ):
        page = await client.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        direction = "rtl" if lang == "ar" else "ltr"
        # A Võro page's interface text is Estonian, and its lang says so.
        interface = "et" if lang == "vro" else lang
        assert f'<html lang="{interface}" dir="{direction}">' in page.text, path
        assert 'aria-current="true"' in page.text  # the switcher marks the page's language


async def test_voro_page_shows_voro_labels_then_estonian(client, sign_in, world):
    await sign_in("partner", "voru")
    page = await client.get("/vro/sites/voru/stories/new")
    assert page.status_code == 200
    # The interface is the Estonian catalog: the page is Estonian, the Võro labels say they are.
    assert '<html lang="et" dir="ltr">' in page.text
    assert '<span lang="vro" dir="ltr">Nuuri helü</span>' in page.text
    # digital_tools has no Võro label: the Estonian one, in the page's own language, unmarked.
    assert "<span>Digitaalsed demokraatia tööriistad</span>" in page.text
    with use_locale("et"):
        assert gettext("Save the story") in text_of(page.text)


async def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = await client.get("/pl/sites/gdansk/stories/new")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/pl/login?next=/pl/sites/gdansk/stories/new")


async def test_another_sites_pages_do_not_exist_for_a_partner(client, sign_in, world):
    await sign_in("partner", "gdansk")
    response = await client.get("/pl/sites/voru/stories/new")
    assert response.status_code == 404
    assert '<html lang="pl"' in response.text
    assert "Võru" not in response.text


async def test_unknown_language_prefix_is_not_a_page(client, sign_in, world):
    await sign_in("partner", "gdansk")
    response = await client.get("/de/sites/gdansk/stories/new")
    assert response.status_code == 404


async def test_forms_refuse_posts_without_the_csrf_token(client, sign_in, world):
    await sign_in("partner", "gdansk")
    response = await client.post("/pl/sites/gdansk/stories/new", data=story_fields(world))
    assert response.status_code == 403
    assert await Story.count() == 0


async def test_pages_render_from_the_api_form_definition(client, sign_in, token_for, world):
    await sign_in("partner", "gdansk")
    page = await client.get("/pl/sites/gdansk/stories/new")
    headers = await token_for("partner", "gdansk")
    definition = (
        await client.get("/api/v1/forms/story?lang=pl&site=gdansk", headers=headers)
    ).json()
    names = {f["name"] for section in definition["sections"] for f in section["fields"]}
    form = page.text[page.text.index('class="intake-form"') :]
    rendered = set(re.findall(r'name="([a-z_.0-9]+)"', form)) - {"_csrf_token"}
    assert rendered == names
    for section in definition["sections"]:
        assert html.escape(section["legend"], quote=False) in page.text


async def test_an_empty_choice_links_to_the_form_that_adds_one(client, sign_in, admin, world):
    created = await client.post(
        "/api/v1/sites",
        json={
            "project": "futures",
            "slug": "tartu",
            "name": "Tartu",
            "country": "EE",
            "languages": ["et"],
        },
        headers=admin,
    )
    assert created.status_code == 201
    await sign_in("partner", "tartu")
    page = await client.get("/et/sites/tartu/stories/new")
    assert page.status_code == 200
    assert 'href="/et/sites/tartu/workshops/new"' in page.text
    assert 'href="/et/sites/tartu/storytellers/new"' in page.text
