"""The main navigation, signed in as each demo account through the sign-in form."""

from __future__ import annotations

import html
import re

import pytest

from civicfutures.demo.accounts import DEMO_PASSWORD, DEMO_USERS
from civicfutures.i18n import gettext, use_locale
from pages.conftest import csrf_token

NAV = re.compile(r'<nav class="wrap main-nav" aria-label="([^"]*)">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]*)"( aria-current="page")?>([^<]*)</a>')
SWITCHER = re.compile(r'<nav class="wrap languages" aria-label="[^"]*">(.*?)</nav>', re.S)
SWITCH_LINK = re.compile(r'<a href="([^"]*)" hreflang="([^"]*)"')


def demo_email(role: str, site: str | None = None) -> str:
    return next(
        email for email, r, sites in DEMO_USERS if r == role and (site is None or site in sites)
    )


def nav_links(page: str) -> list[tuple[str, bool, str]]:
    """(href, marked current, label) of the page's main navigation, in order."""
    found = NAV.search(page)
    if found is None:
        return []
    return [
        (href, bool(current), html.unescape(label))
        for href, current, label in LINK.findall(found.group(2))
    ]


async def sign_in(client, email: str, lang: str, next_: str = ""):
    form = await client.get(f"/{lang}/login")
    assert form.status_code == 200, form.text
    return await client.post(
        f"/{lang}/login",
        data={
            "email": email,
            "password": DEMO_PASSWORD,
            "next": next_,
            "_csrf_token": csrf_token(form.text),
        },
    )


def expected_nav(role: str, lang: str, project: str) -> list[tuple[str, str]]:
    """(path, English label) each demo role is offered; the Gdańsk partner's site is theirs,
    the admin's the first site of the demo."""
    site = "gdansk"
    partner = [
        ("/", "My sites"),
        (f"/sites/{site}/stories/new", "New story"),
        (f"/sites/{site}/import", "Import"),
        (f"/sites/{site}", "My stories"),
    ]
    stories = [("/stories", "Stories")]
    search = [("/search", "Search")]
    analysis = [("/analysis", "Analysis")]
    exports = [("/exports", "Exports")]
    quotes = [
        (f"/projects/{project}/quotes", "Quotes"),
        (f"/projects/{project}/agreement", "Coder agreement"),
    ]
    author = [
        ("/briefings", "Briefings"),
        (f"/projects/{project}/insights", "Insights"),
        (f"/projects/{project}/theory-of-change", "Theory of Change"),
    ]
    admin = [("/admin/users", "Accounts"), ("/admin/audit", "Audit log")]
    by_role = {
        "partner": [*partner, *search],
        "researcher": [("/", "Sites"), *stories, *search, *analysis, *exports, *quotes],
        "author": [("/", "Sites"), *stories, *search, *analysis, *author],
        "admin": [
            ("/", "Sites"),
            *partner[1:],
            *stories,
            *search,
            *analysis,
            *exports,
            *quotes,
            *author,
            *admin,
        ],
    }
    return [(f"/{lang}{path}", label) for path, label in by_role[role]]


@pytest.mark.parametrize(
    ("role", "lang"), [("partner", "pl"), ("researcher", "en"), ("author", "it"), ("admin", "ar")]
)
async def test_each_role_gets_its_pages_and_each_answers(client, demo_project, role, lang):
    signed = await sign_in(client, demo_email(role, "gdansk" if role == "partner" else None), lang)
    assert signed.status_code == 303 and signed.headers["location"] == f"/{lang}/"
    start = await client.get(f"/{lang}/")
    assert start.status_code == 200
    expected = expected_nav(role, lang, demo_project)
    with use_locale(lang):
        labels = [gettext(label) for _, label in expected]
    assert [(href, label) for href, _, label in nav_links(start.text)] == [
        (href, label) for (href, _), label in zip(expected, labels, strict=True)
    ]
    if lang != "en":
        assert labels != [label for _, label in expected], "the labels are translated"
    for href, _label in expected:
        page = await client.get(href)
        assert page.status_code == 200, (href, page.text[:300])
        assert [h for h, current, _ in nav_links(page.text) if current] == [href]
        assert f'<html lang="{lang}"' in page.text


async def test_the_layout_has_landmarks_skip_link_user_and_sign_out(client, demo_project):
    email = demo_email("partner", "gdansk")
    await sign_in(client, email, "pl")
    page = (await client.get("/pl/sites/gdansk")).text
    assert page.index('class="skip-link" href="#main"') < page.index("<header")
    assert '<main id="main"' in page
    with use_locale("pl"):
        assert NAV.search(page).group(1) == gettext("Main")
        assert gettext("Sign out") in page
    assert f"<bdi>{email}</bdi>" in page
    sign_out = re.search(r'<form method="post" action="/pl/logout"[^>]*>(.*?)</form>', page, re.S)
    assert sign_out and 'name="_csrf_token"' in sign_out.group(1)
    out = await client.post("/pl/logout", data={"_csrf_token": csrf_token(sign_out.group(1))})
    assert out.status_code == 303 and out.headers["location"] == "/pl/login"
    assert (await client.get("/pl/sites/gdansk")).status_code == 303


async def test_the_language_switcher_keeps_the_page(client, demo_project):
    await sign_in(client, demo_email("partner", "gdansk"), "pl")
    page = (await client.get("/pl/sites/gdansk/import")).text
    switcher = dict(
        (tag, html.unescape(href))
        for href, tag in SWITCH_LINK.findall(SWITCHER.search(page).group(1))
    )
    assert sorted(switcher) == sorted(["en", "pl", "et", "vro", "it", "uk", "ar"])
    assert switcher["ar"] == "/language/ar?next=/ar/sites/gdansk/import"
    moved = await client.get(switcher["ar"])
    assert moved.status_code == 303 and moved.headers["location"] == "/ar/sites/gdansk/import"
    arabic = await client.get("/ar/sites/gdansk/import")
    assert arabic.status_code == 200
    assert '<html lang="ar" dir="rtl">' in arabic.text
    links = nav_links(arabic.text)
    assert links and all(href.startswith("/ar/") for href, _, _ in links)
    assert [href for href, current, _ in links if current] == ["/ar/sites/gdansk/import"]
    # The cookie now says Arabic: `/` sends there.
    assert (await client.get("/")).headers["location"] == "/ar/"


async def test_signing_in_in_polish_lands_in_polish(client, demo_project):
    signed = await sign_in(
        client, demo_email("partner", "gdansk"), "pl", next_="/en/sites/gdansk/stories/new"
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/pl/sites/gdansk/stories/new"
    page = await client.get(signed.headers["location"])
    assert page.status_code == 200 and '<html lang="pl"' in page.text


async def test_sign_in_page_has_no_navigation(client, demo_project):
    page = await client.get("/pl/login")
    assert page.status_code == 200
    assert nav_links(page.text) == []
    assert "/pl/logout" not in page.text


async def test_polish_chosen_on_the_sign_in_page_survives_signing_in(client, demo_project):
    sent = await client.get("/en/sites/gdansk")
    assert sent.status_code == 303
    login = await client.get(sent.headers["location"])
    switcher = dict(
        (tag, html.unescape(href))
        for href, tag in SWITCH_LINK.findall(SWITCHER.search(login.text).group(1))
    )
    moved = await client.get(switcher["pl"])
    assert moved.status_code == 303
    polish = await client.get(moved.headers["location"])
    assert polish.status_code == 200 and '<html lang="pl"' in polish.text
    next_ = html.unescape(re.search(r'name="next" value="([^"]*)"', polish.text).group(1))
    signed = await client.post(
        "/pl/login",
        data={
            "email": demo_email("partner", "gdansk"),
            "password": DEMO_PASSWORD,
            "next": next_,
            "_csrf_token": csrf_token(polish.text),
        },
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/pl/sites/gdansk"
    home = await client.get(signed.headers["location"])
    assert home.status_code == 200 and '<html lang="pl"' in home.text
    # The home page, reached without a language, is Polish too.
    assert (await client.get("/")).headers["location"] == "/pl/"


async def test_a_site_created_after_a_page_was_served_is_in_the_next_pages_navigation(
    client, admin
):
    from civicfutures.auth.accounts import create_user
    from pages.conftest import PASSWORD

    await create_user("nav-admin@test.civicfutures.eu", "admin", (), password=PASSWORD)
    form = await client.get("/en/login")
    signed = await client.post(
        "/en/login",
        data={
            "email": "nav-admin@test.civicfutures.eu",
            "password": PASSWORD,
            "next": "",
            "_csrf_token": csrf_token(form.text),
        },
    )
    assert signed.status_code == 303, signed.text
    before = [href for href, _, _ in nav_links((await client.get("/en/")).text)]
    assert "/en/sites/tartu/stories/new" not in before
    for path, body in (
        ("/api/v1/projects", {"slug": "later", "name": "Later", "default_language": "et"}),
        (
            "/api/v1/sites",
            {
                "project": "later",
                "slug": "tartu",
                "name": "Tartu",
                "country": "EE",
                "languages": ["et"],
            },
        ),
    ):
        response = await client.post(path, json=body, headers=admin)
        assert response.status_code == 201, response.text
    after = [href for href, _, _ in nav_links((await client.get("/en/")).text)]
    assert "/en/sites/tartu/stories/new" in after
