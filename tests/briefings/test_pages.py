"""The briefings page: build through the form, open the briefing, download; who sees what."""

from __future__ import annotations

import re

from briefings.conftest import post_briefing_form
from pages.conftest import csrf_token


async def test_an_author_builds_from_the_page_and_downloads_the_html(client, world, sign_in):
    await sign_in("author")
    page = await client.get("/pl/briefings")
    assert page.status_code == 200
    assert 'name="project"' in page.text and 'value="futures"' in page.text
    response = await post_briefing_form(client, "pl", language="en")
    assert response.status_code == 303, response.text
    detail_path = response.headers["location"]
    assert re.fullmatch(r"/pl/briefings/[0-9a-f]{24}", detail_path)
    detail = await client.get(detail_path)
    assert detail.status_code == 200 and "tables.xlsx" in detail.text
    html = await client.get(f"{detail_path}/files/briefing.html")
    assert html.status_code == 200
    assert "script-src 'none'" in html.headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in html.headers["content-security-policy"]
    assert '<html lang="en"' in html.text
    listing = await client.get("/pl/briefings")
    assert detail_path in listing.text


async def test_form_errors_are_shown_next_to_their_fields(client, world, sign_in):
    await sign_in("author")
    response = await post_briefing_form(client, from_="15/03/2025", suppression="1")
    assert response.status_code == 422
    assert 'id="briefing-from-error"' in response.text
    assert 'value="15/03/2025"' in response.text


async def test_researchers_read_but_do_not_build(client, world, sign_in):
    await sign_in("researcher")
    page = await client.get("/en/briefings")
    assert page.status_code == 200 and 'name="project"' not in page.text
    login = await client.get("/en/login")
    response = await client.post(
        "/en/briefings", data={"project": "futures", "_csrf_token": csrf_token(login.text)}
    )
    assert response.status_code == 403


async def test_a_partner_cannot_build_another_sites_briefing(client, world, sign_in):
    await sign_in("partner", "voru")
    page = await client.get("/en/briefings")
    assert page.status_code == 200
    assert 'value="gdansk"' not in page.text and 'value="voru"' in page.text
    response = await post_briefing_form(client, site="gdansk")
    assert response.status_code == 404


async def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = await client.get("/en/briefings", follow_redirects=False)
    assert response.status_code == 303 and "/en/login" in response.headers["location"]


async def test_the_pages_name_projects_and_sites_where_people_read_them(client, world, sign_in):
    await sign_in("author")
    page = await client.get("/en/briefings")
    assert '<option value="futures">Futures</option>' in page.text
    assert ">Gdańsk (Futures)</option>" in page.text
    response = await post_briefing_form(client, "en", site="gdansk", language="pl")
    assert response.status_code == 303, response.text
    detail = await client.get(response.headers["location"])
    facts = detail.text[detail.text.index('<dl class="facts">') :]
    facts = facts[: facts.index("</dl>")]
    assert "<dd><bdi>Futures</bdi></dd>" in facts and "<dd><bdi>Gdańsk</bdi></dd>" in facts
    listing = await client.get("/en/briefings")
    row = listing.text[listing.text.index(response.headers["location"]) :]
    row = row[: row.index("</tr>")]
    assert "<bdi>Futures</bdi>" in row and "<bdi>Gdańsk</bdi>" in row
