"""The search page /{lang}/search: form, filters with counts, highlighted snippets, pages."""

import re

import pytest

from builders import story_body


async def _story(client, admin, world, site="gdansk", **changes) -> dict:
    answer = await client.post(
        "/api/v1/stories", json=story_body(world, site, **changes), headers=admin
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_results_link_to_stories_with_marked_escaped_snippets(client, admin, world, sign_in):
    polish = await _story(client, admin, world, body="Młodzież <i>chce</i> skateparku")
    arabic = await _story(
        client,
        admin,
        world,
        language="ar",
        title="الشباب",
        body="الشَّبَابُ يريدون مكانا مثل Młodzież",
        translations=[],
    )
    await sign_in("admin")
    page = await client.get("/en/search", params={"q": "MLODZIEZ"})
    assert page.status_code == 200, page.text
    html = page.text
    assert '<label for="search-q">' in html and 'role="search"' in html
    assert f'href="/en/stories/{polish["id"]}"' in html
    assert f'href="/en/stories/{arabic["id"]}"' in html
    assert "<mark>Młodzież</mark> &lt;i&gt;chce&lt;/i&gt;" in html and "<i>chce" not in html
    assert re.search(r'<p class="snippet" lang="ar" dir="rtl">[^<]*<mark>Młodzież</mark>', html)
    assert '<p class="snippet" lang="pl" dir="ltr">' in html
    assert "2 stories found" in html
    # Filters carry the counts of the matching stories.
    assert '<option value="pl">Polish (1)</option>' in html
    assert '<option value="gdansk">Gdańsk (2)</option>' in html


async def test_no_results_and_filters_in_the_reader_language(client, admin, world, sign_in):
    await _story(client, admin, world, body="Park")
    await sign_in("admin", lang="pl")
    page = await client.get("/pl/search", params={"q": "nieznane", "kind": "future"})
    assert page.status_code == 200
    assert '<html lang="pl"' in page.text
    assert "Żadna historia nie pasuje" in page.text
    form = await client.get("/pl/search")
    assert form.status_code == 200 and "Szukaj" in form.text and "Wyniki" not in form.text


async def test_pages_of_results(client, admin, world, sign_in):
    for n in range(23):
        await _story(client, admin, world, body=f"Ławka {n}", translations=[])
    await sign_in("admin")
    first = await client.get("/en/search", params={"q": "lawka"})
    assert first.text.count('class="snippet"') == 20 and "Page 1 of 2" in first.text
    assert 'href="/en/search?q=lawka&amp;page=2" rel="next"' in first.text
    second = await client.get("/en/search", params={"q": "lawka", "page": "2"})
    assert second.text.count('class="snippet"') == 3 and 'rel="prev"' in second.text
    assert '<ol class="search-results" start="21">' in second.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "park", "from": "2025-13-45"}, "from"),
        ({"q": "park", "workshop": "x"}, "workshop"),
        ({"q": "park", "page": "-1"}, "page"),
        ({"q": "park " * 400}, "q"),
    ],
)
async def test_bad_values_are_shown_by_their_field(client, admin, world, sign_in, params, field):
    await sign_in("admin")
    page = await client.get("/en/search", params=params)
    assert page.status_code == 400
    assert f'id="search-{field}-error"' in page.text


@pytest.mark.parametrize("query", ['"', "NEAR(", "*", "-", "OR", "x\x00", "<script>"])
async def test_hostile_queries_render(client, admin, world, sign_in, query):
    await _story(client, admin, world)
    await sign_in("admin")
    page = await client.get("/en/search", params={"q": query})
    assert page.status_code == 200
    assert "<script>" not in page.text.split("<main", 1)[1]


async def test_researchers_find_only_research_consented_stories(client, admin, world, sign_in):
    teller = await client.post(
        "/api/v1/storytellers",
        json={
            "site": "gdansk",
            "code": "GDANSK-ARCHIVE",
            "demographics": {},
            "consent": {"version": "v1", "given_at": "2025-03-15", "scopes": ["archive"]},
        },
        headers=admin,
    )
    hidden = await _story(client, admin, world, storytellers=[teller.json()["id"]], body="Ogród")
    await sign_in("researcher")
    page = await client.get("/en/search", params={"q": "ogrod"})
    assert page.status_code == 200
    assert f"/stories/{hidden['id']}" not in page.text and "0 stories found" in page.text


async def test_the_page_needs_a_sign_in(client):
    page = await client.get("/en/search", params={"q": "park"})
    assert page.status_code in (302, 303) and "/en/login" in page.headers["location"]
