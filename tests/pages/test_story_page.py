"""The story page `/{lang}/stories/{id}` through the whole app, for every role that reads it."""

import html
import re

import pytest

from builders import story_body

BODY = "Linię autobusową zlikwidowano bez pytania mieszkańców. Żółć mnie zalała."
# "autobusową" is 6..16; "zlikwidowano bez" is 17..33; the second coding overlaps both.
CODINGS = [
    {"theme": "youth_voice", "coder": "coder-a", "start": 6, "end": 16},
    {"theme": "digital_tools", "coder": "coder-b", "start": 11, "end": 33},
    {"theme": "youth_voice", "coder": "coder-b"},
]


async def _story(client, admin, world, site="gdansk", **changes) -> int:
    body = story_body(world, site=site, **changes)
    answer = await client.post("/api/v1/stories", json=body, headers=admin)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def _coded_story(client, admin, world) -> int:
    return await _story(
        client,
        admin,
        world,
        body=BODY,
        codings=CODINGS,
        translations=[
            {
                "language": "en",
                "title": "The bus that is gone",
                "body": "The bus line was cut without asking residents.",
                "by": "human",
                "reviewed": True,
            },
            {
                "language": "uk",
                "title": "Автобус, якого немає",
                "body": "Автобусну лінію скасували, не спитавши мешканців.",
                "by": "machine",
            },
        ],
    )


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize(
    ("role", "sites", "writes"),
    [
        ("partner", ("gdansk",), True),
        ("admin", (), True),
        ("researcher", (), False),
        ("author", (), False),
    ],
)
async def test_each_reader_sees_the_story_with_marks_translations_and_tellers(
    client, admin, sign_in, world, role, sites, writes
):
    story = await _coded_story(client, admin, world)
    await sign_in(role, *sites)
    response = await client.get(f"/en/stories/{story}")
    assert response.status_code == 200, response.text
    page = response.text
    assert '<h1 lang="pl" dir="ltr">Autobus, którego nie ma</h1>' in page
    assert '<div class="story-body" lang="pl" dir="ltr" id="text-original"' in page
    # The overlapping excerpts become flat runs: each run names every coding covering it.
    assert (
        ">Linię "
        '<mark data-codings="0">autob</mark>'
        '<mark data-codings="0 1" class="overlap">usową</mark>'
        '<mark data-codings="1"> zlikwidowano bez</mark>'
        " pytania mieszkańców. Żółć mnie zalała.</div>"
    ) in page
    english = _section(page, "translation-1")
    assert "Translation (English)" in english
    assert "Human translation" in english and ">Reviewed<" in english
    assert '<div class="story-body" lang="en" dir="ltr"' in english
    assert ">The bus line was cut" in english
    ukrainian = _section(page, "translation-2")
    assert "Machine translation" in ukrainian and "Not reviewed" in ukrainian
    assert 'lang="uk" dir="ltr"' in ukrainian
    codings = _section(page, "codings-heading")
    assert codings.count("<li data-coding=") == 3
    assert "Young people unheard" in codings and "Digital democracy tools" in codings
    assert "coded by <bdi>coder-a</bdi>" in codings
    assert '<q lang="pl" dir="ltr">autobusową</q>' in codings
    assert "the whole story" in codings
    setting = html.unescape(_section(page, "setting-heading"))
    assert "Gdańsk" in setting and "Poland" in setting and "Storytelling" in setting
    tellers = _section(page, "tellers-heading")
    assert "<code>GDANSK-1</code>" in tellers
    assert "16-24" not in page  # demographics are never on the story page
    assert "every storyteller agrees" in tellers
    edit = f'href="/en/stories/{story}/edit"'
    assert (edit in page) is writes


async def test_arabic_story_is_right_to_left_and_polish_page_translates(
    client, admin, sign_in, world
):
    body = "أُلغي خط الحافلات دون أن يُسأل السكان."
    start = body.index("خط")
    end = body.index(" دون")
    story = await _story(
        client,
        admin,
        world,
        language="ar",
        title="الحافلة التي رحلت",
        body=body,
        translations=[],
        codings=[{"theme": "youth_voice", "coder": "coder-a", "start": start, "end": end}],
    )
    await sign_in("researcher", lang="pl")
    page = (await client.get(f"/pl/stories/{story}")).text
    assert '<h1 lang="ar" dir="rtl">الحافلة التي رحلت</h1>' in page
    assert (
        '<div class="story-body" lang="ar" dir="rtl" id="text-original"' in page
        and '>أُلغي <mark data-codings="0">خط الحافلات</mark>' in page
    )
    assert "Niesłyszalny głos młodych" in page
    assert "Historia wersji" in page and "Oryginał (" in page


async def test_a_story_outside_the_readers_scope_is_a_404_page(client, admin, sign_in, world):
    story = await _coded_story(client, admin, world)
    archive_teller = await client.post(
        "/api/v1/storytellers",
        json={
            "site": "gdansk",
            "code": "GD-ARCHIVE",
            "consent": {"version": "v1", "given_at": "2025-03-15", "scopes": ["archive"]},
        },
        headers=admin,
    )
    assert archive_teller.status_code == 201, archive_teller.text
    archive_only = await _story(
        client, admin, world, storytellers=[archive_teller.json()["id"]], title="Archiwum"
    )

    await sign_in("partner", "voru")
    other = await client.get(f"/en/stories/{story}")
    assert other.status_code == 404 and "Page not found" in other.text
    assert "Autobus" not in other.text

    await sign_in("researcher")
    refused = await client.get(f"/en/stories/{archive_only}")
    assert refused.status_code == 404 and "Archiwum" not in refused.text
    assert (await client.get(f"/en/stories/{story}")).status_code == 200

    await sign_in("partner", "gdansk")
    own = await client.get(f"/en/stories/{archive_only}")
    assert own.status_code == 200 and "<code>GD-ARCHIVE</code>" in own.text
    assert "not agreed by every storyteller" in own.text


async def test_a_withdrawn_storytellers_story_is_a_404_for_everyone(client, admin, sign_in, world):
    story = await _coded_story(client, admin, world)
    teller = world["storytellers"]["gdansk"][0]
    withdrawn = await client.patch(
        f"/api/v1/storytellers/{teller['id']}",
        json={"consent": {"version": "v1", "given_at": "2025-03-15", "scopes": []}},
        headers=admin,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    for role, sites in (("admin", ()), ("partner", ("gdansk",)), ("researcher", ())):
        await sign_in(role, *sites)
        assert (await client.get(f"/en/stories/{story}")).status_code == 404, role


async def test_markup_in_a_story_is_shown_as_text(client, admin, sign_in, world):
    body = 'Przystanek <script>alert("x")</script> & <b>koniec</b>.'
    story = await _story(
        client,
        admin,
        world,
        title="<i>Tytuł</i>",
        body=body,
        codings=[
            {
                "theme": "youth_voice",
                "coder": "coder-a",
                "start": body.index("<script>"),
                "end": body.index(" &"),
            }
        ],
    )
    await sign_in("researcher")
    page = (await client.get(f"/en/stories/{story}")).text
    assert "<script>alert" not in page and "<b>koniec" not in page and "<i>Tytuł" not in page
    assert "&lt;i&gt;Tytuł&lt;/i&gt;" in page
    assert (
        '<mark data-codings="0">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</mark>'
        " &amp; &lt;b&gt;koniec&lt;/b&gt;." in page
    )


async def test_history_names_changed_fields_and_who_changed_them(client, admin, sign_in, world):
    story = await _coded_story(client, admin, world)
    patched = await client.patch(
        f"/api/v1/stories/{story}",
        json={"title": "Nowy tytuł", "status": "reviewed"},
        headers={**admin, "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    await sign_in("researcher")
    history = _section((await client.get(f"/en/stories/{story}")).text, "history-heading")
    assert "Current version: 2" in history
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", history, re.S)
    assert [row[2] for row in rows] == ["status and title", "Entered"]
    assert all(row[1].startswith("<bdi>") for row in rows)
    assert "Autobus" not in history and "GDANSK" not in history


async def test_site_page_links_titles_to_story_pages_newest_first_in_pages_of_50(
    client, admin, sign_in, world
):
    ids = [
        await _story(
            client,
            admin,
            world,
            title=f"Opowieść {n:02d}",
            status="reviewed" if n % 10 == 0 else "submitted",
            codings=[],
        )
        for n in range(52)
    ]
    await sign_in("researcher")
    first = await client.get("/en/sites/gdansk")
    assert first.status_code == 200
    links = re.findall(r'<a href="/en/stories/(\d+)">Opowieść (\d\d)</a>', first.text)
    assert [int(story) for story, _ in links] == ids[::-1][:50]
    assert links[0][1] == "51" and links[-1][1] == "02"
    assert "/edit" not in first.text
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert next_link
    rest = await client.get(html.unescape(next_link.group(1)))
    assert re.findall(r'<a href="/en/stories/\d+">Opowieść (\d\d)</a>', rest.text) == ["01", "00"]
    assert 'rel="next"' not in rest.text

    reviewed = await client.get("/en/sites/gdansk?status=reviewed")
    titles = re.findall(r'<a href="/en/stories/\d+">Opowieść (\d\d)</a>', reviewed.text)
    assert titles == ["50", "40", "30", "20", "10", "00"]
    assert "6 stories found" in reviewed.text
    by_language = await client.get("/en/sites/gdansk?language=et&kind=present")
    assert "0 stories found" in by_language.text


async def test_saving_a_story_names_it_and_links_to_its_page(client, sign_in, post_form, world):
    await sign_in("partner", "gdansk")
    fields = {
        "workshop": str(world["workshops"]["gdansk"]["id"]),
        "storytellers": [str(world["storytellers"]["gdansk"][0]["id"])],
        "kind": "present",
        "horizon_year": "",
        "language": "pl",
        "title": "Ławka pod lipą",
        "body": "Ktoś w końcu postawił ławkę.",
        "status": "submitted",
        "translations.0.language": "en",
        "translations.0.title": "",
        "translations.0.body": "",
        "codings": ["youth_voice"],
    }
    saved = await post_form("/en/sites/gdansk/stories/new", fields)
    assert saved.status_code == 303, saved.text
    landing = await client.get(saved.headers["location"])
    notice = re.search(r'<p class="notice" role="status">(.*?)</p>', landing.text, re.S)
    assert notice
    story = re.search(r'href="/en/stories/(\d+)"[^>]*>Ławka pod lipą</a>', notice.group(1))
    assert story and "The story was saved." in notice.group(1)
    opened = await client.get(f"/en/stories/{story.group(1)}")
    assert opened.status_code == 200 and "Ktoś w końcu postawił ławkę." in opened.text
