"""Which language a page or an API answer comes in, in the documented order."""

import pytest

from builders import story_body
from civicfutures.i18n.negotiation import (
    LANGUAGE_COOKIE,
    accept_language_catalog,
    accept_language_page,
    negotiate_page_language,
)


@pytest.mark.parametrize(
    ("path", "cookie", "accept", "site", "expected"),
    [
        ("/it/sites/x", "pl", "uk", ["et"], "it"),  # the URL prefix first
        ("/vro/", None, "en", [], "vro"),
        ("/", "pl", "uk", ["et"], "pl"),  # then the switcher's cookie
        ("/", "xx", "uk,pl;q=0.5", ["et"], "uk"),  # an unknown cookie is ignored
        ("/", None, "de-DE,de;q=0.9,pl;q=0.8,en;q=0.7", ["et"], "pl"),  # then Accept-Language
        ("/", None, "pl;q=0.3,it;q=0.9", [], "it"),  # by quality, not order
        ("/", None, "PL-pl", [], "pl"),  # a regional tag finds its language
        ("/", None, "vro,et;q=0.5", [], "vro"),
        ("/", None, "de, fr;q=0.5", ["et", "vro"], "et"),  # then the site's language
        ("/", None, "de", ["ru", "vro"], "vro"),
        ("/", None, None, [], "en"),  # then English
        ("/de/", None, "*", [], "en"),
    ],
)
def test_page_language_order(path, cookie, accept, site, expected):
    assert negotiate_page_language(path, cookie, accept, site) == expected


def test_accept_language_for_catalogs_maps_voro_to_estonian():
    assert accept_language_catalog("vro, en;q=0.5") == "et"
    assert accept_language_page("vro, en;q=0.5") == "vro"
    assert accept_language_catalog("de, *;q=0.1") is None


async def test_root_redirects_by_cookie_then_accept_language(client):
    client.cookies.set(LANGUAGE_COOKIE, "uk")
    answer = await client.get("/", headers={"Accept-Language": "it-IT,it;q=0.9"})
    assert (answer.status_code, answer.headers["location"]) == (302, "/uk/")
    client.cookies.clear()
    answer = await client.get("/", headers={"Accept-Language": "it-IT,it;q=0.9"})
    assert answer.headers["location"] == "/it/"
    assert "Accept-Language" in answer.headers["vary"]
    assert (await client.get("/")).headers["location"] == "/en/"


async def test_root_uses_the_partners_site_language_before_english(client, sign_in, world):
    await sign_in("partner", "voru")
    answer = await client.get("/", headers={"Accept-Language": "de-DE"})
    assert answer.headers["location"] == "/et/"


async def test_the_url_prefix_beats_the_cookie(client):
    client.cookies.set(LANGUAGE_COOKIE, "pl")
    page = await client.get("/it/login", headers={"Accept-Language": "uk"})
    assert '<html lang="it" dir="ltr">' in page.text


async def test_the_switcher_remembers_the_choice_and_keeps_the_page(client):
    answer = await client.get("/language/ar?next=/pl/sites/gdansk%3Fkind%3Dfuture")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ar/sites/gdansk?kind=future"
    assert client.cookies.get(LANGUAGE_COOKIE) == "ar"
    assert (await client.get("/")).headers["location"] == "/ar/"
    elsewhere = await client.get("/language/et?next=//evil.example/phish")
    assert elsewhere.headers["location"] == "/et/"
    assert (await client.get("/language/xx?next=/")).status_code == 404


async def test_switcher_links_on_a_page_point_to_the_same_page(client):
    page = await client.get("/pl/login")
    for tag in ("en", "pl", "et", "it", "uk", "ar", "vro"):
        assert f'href="/language/{tag}?next=/{tag}/login"' in page.text
    assert 'hreflang="ar" lang="ar">العربية<' in page.text


async def test_api_errors_follow_the_query_then_accept_language(client, admin, world):
    bad = story_body(world, language="polish!")
    by_query = await client.post(
        "/api/v1/stories?lang=it", json=bad, headers={**admin, "Accept-Language": "pl"}
    )
    by_header = await client.post(
        "/api/v1/stories", json=bad, headers={**admin, "Accept-Language": "uk-UA,uk;q=0.9"}
    )
    voro = await client.post("/api/v1/stories?lang=vro", json=bad, headers=admin)
    english = await client.post("/api/v1/stories", json=bad, headers=admin)
    messages = [r.json()["errors"][0]["message"] for r in (by_query, by_header, voro, english)]
    assert messages[0].startswith("«polish!» non è")
    assert messages[1].startswith("«polish!» не є")
    assert messages[2].startswith("„polish!“ ei ole")  # Võro reads the Estonian catalog
    assert messages[3].startswith("“polish!” is not")
