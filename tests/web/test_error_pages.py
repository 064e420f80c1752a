"""Errors answer as pages in the visitor's language for browsers, as JSON for the API."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar import Litestar, get
from litestar.params import FromPath

from civicfutures.i18n import gettext, use_locale
from web.test_navigation import demo_email, nav_links, sign_in


def translated(lang: str, message: str) -> str:
    with use_locale(lang):
        text = gettext(message)
    assert lang == "en" or text != message, f"“{message}” has no {lang} translation"
    return text


def h1(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert found, page[:300]
    return found.group(1)


@pytest.mark.parametrize(
    ("path", "lang", "direction"), [("/pl/nope", "pl", "ltr"), ("/ar/sites/x/y/z", "ar", "rtl")]
)
async def test_unknown_page_is_a_localized_html_404_with_a_way_home(client, path, lang, direction):
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}" dir="{direction}">' in response.text
    assert h1(response.text) == translated(lang, "Page not found")
    assert f'<a href="/{lang}/">{translated(lang, "Go to the start page")}</a>' in response.text
    assert nav_links(response.text) == []


async def test_unknown_api_path_is_json(client):
    response = await client.get("/api/v1/nope", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"status_code": 404, "detail": "Not found.", "errors": []}
    polish = await client.get("/api/v1/nope?lang=pl")
    assert polish.json()["detail"] == translated("pl", "Not found.")


async def test_without_a_language_prefix_the_cookie_then_accept_language_decide(client):
    by_header = await client.get("/nope", headers={"Accept-Language": "uk-UA, en;q=0.5"})
    assert by_header.status_code == 404 and '<html lang="uk"' in by_header.text
    assert h1(by_header.text) == translated("uk", "Page not found")
    client.cookies.set("civicfutures_lang", "it")
    by_cookie = await client.get("/nope", headers={"Accept-Language": "uk"})
    assert '<html lang="it"' in by_cookie.text
    assert h1(by_cookie.text) == translated("it", "Page not found")


async def test_a_signed_in_404_keeps_the_navigation(client, demo_project):
    await sign_in(client, demo_email("partner", "gdansk"), "pl")
    response = await client.get("/pl/sites/gdansk/nope/deeper")
    assert response.status_code == 404
    assert h1(response.text) == translated("pl", "Page not found")
    links = nav_links(response.text)
    assert [href for href, _, _ in links][:2] == ["/pl/", "/pl/sites/gdansk/stories/new"]
    assert not any(current for _, current, _ in links)


async def test_a_forbidden_page_is_a_localized_403(client, demo_project):
    await sign_in(client, demo_email("partner", "gdansk"), "et")
    response = await client.get("/et/admin/users")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert h1(response.text) == translated("et", "Not allowed")
    assert translated("et", "Your account cannot open this page.") in response.text
    assert nav_links(response.text), "the partner keeps the navigation"


async def test_a_wrong_method_is_a_localized_405(client):
    response = await client.delete("/it/login")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert translated("it", "This method is not allowed here.") in response.text
    api = await client.delete("/api/v1/stories")
    assert api.status_code == 405 and api.json()["status_code"] == 405


async def test_a_bad_path_value_is_a_localized_400_page(client, demo_project):
    await sign_in(client, demo_email("partner", "gdansk"), "pl")
    response = await client.get("/pl/stories/not-a-number/edit")
    assert response.status_code in {400, 404}
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="pl"' in response.text


async def test_static_files_answer_html_to_browsers_and_json_otherwise(client):
    browser = await client.get("/static/nope.css", headers={"Accept": "text/html"})
    assert browser.status_code == 404 and browser.headers["content-type"].startswith("text/html")
    script = await client.get("/static/nope.css", headers={"Accept": "*/*"})
    assert script.status_code == 404
    assert script.headers["content-type"].startswith("application/json")


async def test_a_server_error_page_tells_nothing_of_the_failure(app):
    """A route that fails, served with the platform's error handling, templates and locale."""

    @get("/{lang:str}/boom", sync_to_thread=False)
    def boom(lang: FromPath[str]) -> str:
        raise RuntimeError("secret-detail /srv/db password=hunter2")

    from civicfutures.web.locale import LocaleMiddleware
    from civicfutures.web.templating import template_config

    failing = Litestar(
        route_handlers=[boom],
        middleware=[LocaleMiddleware],
        exception_handlers=app.exception_handlers,
        template_config=template_config(),
        logging_config=None,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=failing, raise_app_exceptions=False),
        base_url="http://testserver.local",
    ) as http:
        response = await http.get("/uk/boom")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="uk"' in response.text
    assert h1(response.text) == translated("uk", "Something went wrong")
    assert translated("uk", "Something went wrong on our side; the error has been logged.") in (
        response.text
    )
    for leak in ("secret-detail", "hunter2", "RuntimeError", "Traceback", "/srv/db"):
        assert leak not in response.text
