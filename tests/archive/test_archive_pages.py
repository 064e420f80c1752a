"""The public story archive through HTTP: publishing, the consent gate, search, feed, sitemap,
withdrawal, caching and privacy, on the real app and database."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from archive.conftest import SCOPES, publish_archive, set_consent
from civicfutures.archive.feed import sitemap
from civicfutures.archive.service import SitemapEntry
from civicfutures.db.tables import AuditEvent
from civicfutures.i18n.languages import PAGE_LANGUAGES
from civicfutures.settings import get_settings

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _story_ids(html: str) -> set[int]:
    import re

    return {int(n) for n in re.findall(r"/archive/futures/stories/(\d+)\"", html)}


async def test_nothing_is_public_until_an_admin_publishes(client, admin, token_for, shelf):
    assert (await client.get("/en/archive/futures")).status_code == 404
    assert (await client.get(f"/en/archive/futures/stories/{shelf['public']}")).status_code == 404
    assert (await client.get("/archive/futures/feed.atom")).status_code == 404
    assert "/archive/futures" not in (await client.get("/sitemap.xml")).text
    home = await client.get("/en/")
    assert home.status_code == 200 and "/en/archive/futures" not in home.text
    assert 'href="/en/login"' in home.text

    partner = await token_for("partner", "gdansk")
    refused = await client.patch(
        "/api/v1/projects/futures", json={"archive": "published"}, headers=partner
    )
    assert refused.status_code == 403
    anonymous = await client.patch("/api/v1/projects/futures", json={"archive": "published"})
    assert anonymous.status_code == 401
    bad = await client.patch("/api/v1/projects/futures", json={"archive": "yes"}, headers=admin)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "archive"
    unknown = await client.patch(
        "/api/v1/projects/nowhere", json={"archive": "published"}, headers=admin
    )
    assert unknown.status_code == 404
    assert (await client.get("/en/archive/futures")).status_code == 404

    await publish_archive(client, admin)
    events = await AuditEvent.select().where(
        (AuditEvent.entity == "project") & (AuditEvent.action == "update")
    )
    assert len(events) == 1
    listing = await client.get("/en/archive/futures")
    assert listing.status_code == 200, listing.text
    assert _story_ids(listing.text) == {shelf["public"]}
    assert "/en/archive/futures" in (await client.get("/en/")).text
    assert (await client.get("/en/archive/nowhere")).status_code == 404


async def test_a_story_needs_every_storytellers_archive_consent(client, admin, shelf):
    await publish_archive(client, admin)
    group = f"/en/archive/futures/stories/{shelf['group']}"
    assert (await client.get(group)).status_code == 410
    for hidden in (shelf["draft"], shelf["submitted"]):
        assert (await client.get(f"/en/archive/futures/stories/{hidden}")).status_code == 410
    # Research consent alone is not enough; the second teller's archive consent opens it.
    await set_consent(client, admin, shelf["second"], ["research", "archive"])
    opened = await client.get(group)
    assert opened.status_code == 200 and "Wspólna opowieść" in opened.text
    listing = await client.get("/en/archive/futures")
    assert _story_ids(listing.text) == {shelf["public"], shelf["group"]}


async def test_a_story_page_shows_the_story_never_the_people(client, admin, world, shelf):
    await publish_archive(client, admin)
    answer = await client.get(f"/pl/archive/futures/stories/{shelf['public']}")
    assert answer.status_code == 200
    html = answer.text
    assert '<h1 lang="pl" dir="ltr">Młodzieżowa rada miasta</h1>' in html
    assert "The bus line was cut without asking residents." in html
    assert "Gdańsk" in html and "2025" in html
    # The theme in the visitor's language; English (marked) where the codebook has no Arabic.
    assert "Niesłyszalny głos młodych" in html
    arabic = (await client.get(f"/ar/archive/futures/stories/{shelf['public']}")).text
    assert 'lang="en" dir="ltr">Young people unheard</a>' in arabic
    assert '<html lang="ar" dir="rtl">' in arabic
    for private in ("GDANSK-1", "GDANSK-2", "16-24", "coder-a"):
        assert private not in html
    assert 'property="og:title" content="Młodzieżowa rada miasta"' in html
    for lang in PAGE_LANGUAGES:
        for path in ("/archive/futures", f"/archive/futures/stories/{shelf['public']}"):
            assert (await client.get(f"/{lang}{path}")).status_code == 200, (lang, path)
    assert (
        f'property="og:url" content="http://testserver.local/archive/futures/stories/{shelf["public"]}"'
        in html
    )


async def test_search_without_diacritics_from_the_italian_interface(client, admin, shelf):
    await publish_archive(client, admin)
    # Whole words and the beginnings of words, typed with or without diacritics.
    for words in ("mlodziezowa", "ZOLC", "młodzieżowa", "mlodz", "Młodzież", "rada mlodzie"):
        answer = await client.get(f"/it/archive/futures?q={words}")
        assert answer.status_code == 200, answer.text
        assert '<html lang="it"' in answer.text
        assert _story_ids(answer.text) == {shelf["public"]}, words
        assert "<mark>" in answer.text
    # The group story matches its words but is not public.
    assert _story_ids((await client.get("/it/archive/futures?q=tramwajowym")).text) == set()
    assert _story_ids((await client.get("/it/archive/futures?q=tramw")).text) == set()
    assert _story_ids((await client.get("/it/archive/futures?q=mlodzx")).text) == set()
    # Filters and their counts.
    filtered = await client.get("/it/archive/futures?site=gdansk&theme=youth_voice&kind=present")
    assert _story_ids(filtered.text) == {shelf["public"]}
    assert _story_ids((await client.get("/it/archive/futures?site=voru")).text) == set()
    assert "Gdańsk (1)" in filtered.text
    # Bad input names its field.
    long = await client.get("/it/archive/futures?q=" + "a" * 1001)
    assert long.status_code == 400 and 'id="archive-q-error"' in long.text
    bad_page = await client.get("/it/archive/futures?page=zero")
    assert bad_page.status_code == 400 and 'id="archive-page-error"' in bad_page.text


def _feed_links(body: bytes) -> set[str]:
    root = ET.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    return {entry.find(f"{ATOM}id").text for entry in root.findall(f"{ATOM}entry")}


def _sitemap_links(body: bytes) -> set[str]:
    root = ET.fromstring(body)
    return {loc.text for loc in root.iter(f"{SITEMAP}loc")}


async def test_withdrawal_removes_the_story_everywhere_at_once(client, admin, shelf):
    await publish_archive(client, admin)
    page = f"/en/archive/futures/stories/{shelf['public']}"
    share = f"http://testserver.local/archive/futures/stories/{shelf['public']}"
    before = await client.get(page)
    assert before.status_code == 200
    etag = before.headers["etag"]
    listing_etag = (await client.get("/en/archive/futures")).headers["etag"]
    feed_before = await client.get("/archive/futures/feed.atom")
    assert share in _feed_links(feed_before.content)
    assert f"http://testserver.local{page}" in _sitemap_links(
        (await client.get("/sitemap.xml")).content
    )
    assert _story_ids((await client.get("/en/archive/futures?q=mlodziezowa")).text) == {
        shelf["public"]
    }
    # Unchanged data, same ETag: a cache may keep its copy.
    again = await client.get(page, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag

    await set_consent(client, admin, shelf["first"], SCOPES, withdrawn=True)

    gone = await client.get(page, headers={"If-None-Match": etag})
    assert gone.status_code == 410 and gone.headers.get("etag") != etag
    assert "No longer available" in gone.text
    listing = await client.get("/en/archive/futures")
    assert listing.headers["etag"] != listing_etag and _story_ids(listing.text) == set()
    assert _story_ids((await client.get("/en/archive/futures?q=mlodziezowa")).text) == set()
    feed_after = await client.get("/archive/futures/feed.atom")
    assert _feed_links(feed_after.content) == set()
    assert feed_after.headers["etag"] != feed_before.headers["etag"]
    assert f"http://testserver.local{page}" not in _sitemap_links(
        (await client.get("/sitemap.xml")).content
    )


async def test_unpublished_or_erased_stories_are_gone_and_an_unpublished_archive_absent(
    client, admin, shelf
):
    await publish_archive(client, admin)
    page = f"/en/archive/futures/stories/{shelf['public']}"
    assert (await client.get(page)).status_code == 200
    back = await client.patch(
        f"/api/v1/stories/{shelf['public']}",
        json={"status": "submitted"},
        headers={**admin, "If-Match": '"1"'},
    )
    assert back.status_code == 200, back.text
    assert (await client.get(page)).status_code == 410
    reviewed = await client.patch(
        f"/api/v1/stories/{shelf['public']}",
        json={"status": "reviewed"},
        headers={**admin, "If-Match": '"2"'},
    )
    assert reviewed.status_code == 200 and (await client.get(page)).status_code == 200
    erased = await client.delete(f"/api/v1/storytellers/{shelf['first']}", headers=admin)
    assert erased.status_code == 204, erased.text
    assert (await client.get(page)).status_code == 410
    assert (await client.get("/en/archive/futures/stories/99999999999")).status_code in (404, 410)
    await publish_archive(client, admin, "off")
    assert (await client.get("/en/archive/futures")).status_code == 404
    assert (await client.get("/archive/futures/feed.atom")).status_code == 404


async def test_public_answers_set_no_cookie_and_look_the_same_to_everyone(
    client, admin, shelf, sign_in
):
    await publish_archive(client, admin)
    paths = [
        "/en/archive/futures",
        "/en/archive/futures?q=rada",
        f"/en/archive/futures/stories/{shelf['public']}",
        "/archive/futures/feed.atom",
        "/sitemap.xml",
        "/en/",
    ]
    anonymous = {}
    for path in paths:
        answer = await client.get(path)
        assert answer.status_code == 200, path
        assert "set-cookie" not in answer.headers, path
        anonymous[path] = answer
    for path in paths[:-1]:
        assert anonymous[path].headers["cache-control"] == "public, no-cache"
        assert anonymous[path].headers["etag"].startswith('"')
    await sign_in("admin")
    for path in paths[:-1]:
        signed = await client.get(path)
        assert "set-cookie" not in signed.headers, path
        assert signed.content == anonymous[path].content, path
    # Signed in, the start page is still the account's own.
    assert "Story archives" not in (await client.get("/en/")).text


async def test_the_feed_per_site_and_theme_and_the_share_link(client, admin, world, shelf):
    await publish_archive(client, admin)
    feed = await client.get("/archive/futures/feed.atom?lang=pl")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "pl"
    assert root.find(f"{ATOM}id").text == "http://testserver.local/archive/futures/feed.atom"
    assert root.find(f"{ATOM}updated").text.endswith("Z")
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "Młodzieżowa rada miasta"
    assert entry.find(f"{ATOM}category").get("label") == "Niesłyszalny głos młodych"
    assert entry.find(f"{ATOM}updated").text.endswith("Z")
    share = entry.find(f"{ATOM}id").text
    assert (
        len(_feed_links((await client.get("/archive/futures/feed.atom?site=gdansk")).content)) == 1
    )
    assert _feed_links((await client.get("/archive/futures/feed.atom?site=voru")).content) == set()
    themed = await client.get("/archive/futures/feed.atom?theme=digital_tools")
    assert _feed_links(themed.content) == set()
    assert (
        len(_feed_links((await client.get("/archive/futures/feed.atom?theme=youth_voice")).content))
        == 1
    )
    # The share link answers in the reader's language.
    path = share.removeprefix("http://testserver.local")
    moved = await client.get(path, headers={"Accept-Language": "uk"})
    assert moved.status_code == 302
    assert moved.headers["location"] == f"/uk/archive/futures/stories/{shelf['public']}"
    assert "set-cookie" not in moved.headers


RNG = Path(__file__).with_name("atom.rng")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


async def test_the_feed_validates_and_links_to_the_public_address(
    client, admin, shelf, monkeypatch
):
    from lxml import etree

    await publish_archive(client, admin)
    monkeypatch.setenv("CIVICFUTURES_PUBLIC_URL", "https://stories.example.org/")
    get_settings.cache_clear()
    try:
        feed = await client.get("/archive/futures/feed.atom?lang=pl")
        page = await client.get(f"/en/archive/futures/stories/{shelf['public']}")
        sitemap = await client.get("/sitemap.xml")
    finally:
        get_settings.cache_clear()
    schema = etree.RelaxNG(etree.parse(str(RNG)))
    root = etree.fromstring(feed.content)
    assert schema.validate(root), schema.error_log
    atom = {"a": ATOM.strip("{}")}
    for path in ("a:id", "a:title", "a:updated", "a:author/a:name"):
        assert root.xpath(f"{path}/text()", namespaces=atom), path
    assert root.xpath("a:link[@rel='self']/@href", namespaces=atom) == [
        "https://stories.example.org/archive/futures/feed.atom?lang=pl"
    ]
    (entry,) = root.xpath("a:entry", namespaces=atom)
    for path in ("a:id", "a:title", "a:updated", "a:link/@href", "a:content"):
        assert entry.xpath(path, namespaces=atom), path
    content = entry.find(f"{ATOM}content")
    assert content.get(XML_LANG) == "pl" and content.text.startswith("Młodzieżowa rada")
    assert entry.findtext(f"{ATOM}id") == (
        f"https://stories.example.org/archive/futures/stories/{shelf['public']}"
    )
    # A feed missing what RFC 4287 requires does not validate.
    root.remove(root.find(f"{ATOM}updated"))
    assert not schema.validate(root)
    # Open Graph and canonical links, and the sitemap, use the public address too.
    assert (
        f'property="og:url" content="https://stories.example.org/archive/futures/stories/'
        f'{shelf["public"]}"' in page.text
    )
    assert all(
        link.startswith("https://stories.example.org/") for link in _sitemap_links(sitemap.content)
    )


def test_past_the_limit_the_sitemap_is_an_index_of_sitemaps():
    entries = [SitemapEntry("futures", None, None)] + [
        SitemapEntry("futures", story, None) for story in range(1, 5)
    ]
    small = ET.fromstring(sitemap("https://x.org", ["en", "ar"], entries, limit=10))
    assert small.tag == f"{SITEMAP}urlset" and len(_sitemap_links(ET.tostring(small))) == 10
    index = ET.fromstring(sitemap("https://x.org", ["en", "ar"], entries, limit=4))
    assert index.tag == f"{SITEMAP}sitemapindex"
    assert [loc.text for loc in index.iter(f"{SITEMAP}loc")] == [
        f"https://x.org/sitemap.xml?page={n}" for n in (1, 2, 3)
    ]
    pages = [
        _sitemap_links(sitemap("https://x.org", ["en", "ar"], entries, page=n, limit=4))
        for n in (1, 2, 3)
    ]
    assert [len(p) for p in pages] == [4, 4, 2] and len(set().union(*pages)) == 10
    assert sitemap("https://x.org", ["en"], entries, page=4, limit=4) is None
