"""The cross-site story list /{lang}/stories: filters, numbered pages, consent scope per role,
downloads read back, hostile query values."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import polars as pl
import pytest

from builders import story_body

TITLE_LINK = re.compile(r'<a href="/(\w+)/stories/(\d+)" lang="([\w-]+)" dir="(ltr|rtl)">')


async def _story(client, admin, world, site="gdansk", **changes) -> dict:
    answer = await client.post(
        "/api/v1/stories", json=story_body(world, site, **changes), headers=admin
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _teller(client, admin, code: str, scopes: list[str], site: str = "gdansk") -> int:
    answer = await client.post(
        "/api/v1/storytellers",
        json={
            "site": site,
            "code": code,
            "demographics": {},
            "consent": {"version": "v1", "given_at": "2025-03-15", "scopes": scopes},
        },
        headers=admin,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _listed(html: str) -> list[int]:
    return [int(match[1]) for match in TITLE_LINK.findall(html)]


async def _consent_world(client, admin, world) -> dict[str, int]:
    """One story per consent state at gdansk, one research-consented story at voru."""
    stories = {}
    for state, scopes in (
        ("research", ["research", "quote"]),
        ("archive", ["archive"]),
        ("withdrawn", ["research", "quote"]),
    ):
        teller = await _teller(client, admin, f"GD-{state.upper()}", scopes)
        stories[state] = (
            await _story(client, admin, world, storytellers=[teller], title=f"Story {state}")
        )["id"]
        if state == "withdrawn":
            answer = await client.patch(
                f"/api/v1/storytellers/{teller}",
                json={"consent": {"version": "v1", "given_at": "2025-03-15", "scopes": []}},
                headers=admin,
            )
            assert answer.status_code == 200, answer.text
    stories["voru"] = (await _story(client, admin, world, "voru", title="Võru story"))["id"]
    return stories


async def test_newest_first_titles_link_with_their_language(client, admin, world, sign_in):
    polish = await _story(client, admin, world, title="Ławka")
    arabic = await _story(
        client, admin, world, language="ar", title="الشباب", body="نص القصة", translations=[]
    )
    estonian = await _story(client, admin, world, "voru", title="Pink")
    await sign_in("researcher")
    page = await client.get("/en/stories")
    assert page.status_code == 200, page.text
    links = TITLE_LINK.findall(page.text)
    assert links == [
        ("en", str(estonian["id"]), "et", "ltr"),
        ("en", str(arabic["id"]), "ar", "rtl"),
        ("en", str(polish["id"]), "pl", "ltr"),
    ]
    assert "3 stories found" in page.text
    assert '<th scope="col">Country</th>' in page.text and "Estonia" in page.text
    assert '<span class="tag">Young people unheard</span>' in page.text
    assert 'href="/en/stories/download/csv"' in page.text
    assert '<label for="stories-project">Project</label>' in page.text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"site": "gdansk"}, ["present-pl", "future-pl"]),
        ({"country": "EE"}, ["present-et"]),
        ({"project": "futures", "kind": "future"}, ["future-pl"]),
        ({"language": "et"}, ["present-et"]),
        ({"theme": "digital_tools"}, ["future-pl"]),
        ({"status": "reviewed"}, ["present-et"]),
        ({"from": "2025-03-16"}, ["future-pl"]),
        ({"to": "2025-03-15"}, ["present-pl", "present-et"]),
    ],
)
async def test_each_filter(client, admin, world, sign_in, params, expected):
    later = await client.post(
        "/api/v1/workshops",
        json={"site": "gdansk", "date": "2025-06-01", "kind": "storytelling", "language": "pl"},
        headers=admin,
    )
    made = {
        "present-pl": await _story(client, admin, world, title="present-pl"),
        "future-pl": await _story(
            client,
            admin,
            world,
            title="future-pl",
            kind="future",
            workshop=later.json()["id"],
            codings=[{"theme": "digital_tools", "coder": "a"}],
        ),
        "present-et": await _story(client, admin, world, "voru", title="present-et"),
    }
    reviewed = await client.patch(
        f"/api/v1/stories/{made['present-et']['id']}",
        json={"status": "reviewed"},
        headers={**admin, "If-Match": str(made["present-et"]["version"])},
    )
    assert reviewed.status_code == 200, reviewed.text
    await sign_in("researcher")
    page = await client.get("/en/stories", params=params)
    assert page.status_code == 200, page.text
    wanted = [made[name]["id"] for name in reversed(list(made)) if name in expected]
    assert _listed(page.text) == wanted


async def test_the_workshop_filter(client, admin, world, sign_in):
    story = await _story(client, admin, world)
    await _story(client, admin, world, "voru")
    await sign_in("researcher")
    workshop = world["workshops"]["gdansk"]["id"]
    page = await client.get("/en/stories", params={"workshop": str(workshop)})
    assert page.status_code == 200 and _listed(page.text) == [story["id"]]
    assert f'<option value="{workshop}" selected>Gdańsk · 2025-03-15</option>' in page.text


async def test_numbered_pages_keep_the_filters(client, admin, world, sign_in):
    made = [(await _story(client, admin, world, title=f"n{n}"))["id"] for n in range(53)]
    await _story(client, admin, world, "voru")
    await sign_in("admin")
    first = await client.get("/en/stories", params={"site": "gdansk"})
    assert _listed(first.text) == made[::-1][:50]
    assert "Page 1 of 2" in first.text and "53 stories found" in first.text
    assert 'href="/en/stories?site=gdansk&amp;page=2" rel="next"' in first.text
    second = await client.get("/en/stories", params={"site": "gdansk", "page": "2"})
    assert _listed(second.text) == made[::-1][50:]
    assert 'href="/en/stories?site=gdansk" rel="prev"' in second.text
    past = await client.get("/en/stories", params={"site": "gdansk", "page": "7"})
    assert past.status_code == 200 and _listed(past.text) == []
    assert 'href="/en/stories?site=gdansk&amp;page=2">Last page' in past.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "99999999999999999999"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "-3"}, "page"),
        ({"page": "٣"}, "page"),
        ({"workshop": "3948715428"}, "workshop"),
        ({"workshop": "1e3"}, "workshop"),
        ({"from": "2025-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"project": "no-such-project"}, "project"),
        ({"site": "voru"}, "site"),
    ],
)
async def test_hostile_values_are_named_at_their_field(
    client, admin, world, sign_in, params, field
):
    await _story(client, admin, world)
    await sign_in("partner", "gdansk")
    page = await client.get("/en/stories", params=params)
    assert page.status_code == 400, page.text
    assert f'id="stories-{field}-error"' in page.text or f'id="stories-{field}"' in page.text
    assert "stories/download" not in page.text
    download = await client.get("/en/stories/download/csv", params=params)
    assert download.status_code == 400


async def test_errors_in_the_reader_language(client, admin, world, sign_in):
    await sign_in("researcher", lang="pl")
    page = await client.get("/pl/stories", params={"project": "nieznany"})
    assert page.status_code == 400
    assert '<html lang="pl"' in page.text
    assert "Projekt: Nie ma projektu „nieznany”." in page.text
    assert 'id="stories-project-error"' in page.text


@pytest.mark.parametrize(
    ("role", "sites", "visible"),
    [
        ("researcher", (), {"research", "voru"}),
        ("author", (), {"research", "voru"}),
        ("partner", ("gdansk",), {"research", "archive"}),
        ("partner", ("voru",), {"voru"}),
        ("admin", (), {"research", "archive", "voru"}),
    ],
)
async def test_consent_scope_per_role_in_the_list_and_the_downloads(
    client, admin, world, sign_in, role, sites, visible
):
    stories = await _consent_world(client, admin, world)
    await sign_in(role, *sites)
    page = await client.get("/en/stories")
    assert page.status_code == 200, page.text
    expected = sorted((stories[name] for name in visible), reverse=True)
    assert _listed(page.text) == expected
    csv = await client.get("/en/stories/download/csv")
    assert csv.status_code == 200, csv.text
    assert csv.headers["content-type"].startswith("text/csv")
    table = pl.read_csv(io.BytesIO(csv.content))
    assert table["id"].to_list() == expected
    xlsx = await client.get("/en/stories/download/xlsx")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == expected
    for hidden in set(stories) - visible:
        assert f"Story {hidden}" not in page.text + csv.text


async def test_the_download_is_the_filtered_list(client, admin, world, sign_in):
    made = [(await _story(client, admin, world, title=f"=cmd|{n}"))["id"] for n in range(3)]
    await _story(client, admin, world, "voru")
    await sign_in("researcher")
    csv = await client.get("/en/stories/download/csv", params={"site": "gdansk"})
    assert csv.status_code == 200
    assert 'filename="stories-en.csv"' in csv.headers["content-disposition"]
    table = pl.read_csv(io.BytesIO(csv.content))
    assert table.columns[:4] == ["id", "title", "language", "project"]
    assert table["id"].to_list() == made[::-1]
    assert table["site"].to_list() == ["gdansk"] * 3
    assert table["country"].to_list() == ["PL"] * 3
    assert table["themes"].to_list() == ["youth_voice"] * 3
    assert table["workshop_date"].to_list() == ["2025-03-15"] * 3
    # Spreadsheet formulas are kept as text, as in every export.
    assert table["title"].to_list()[0] == "'=cmd|2"
    assert table["url"].to_list()[0] == f"http://testserver.local/en/stories/{made[-1]}"
    xlsx = await client.get("/en/stories/download/xlsx", params={"site": "gdansk"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "title", "language")
    assert [row[1] for row in rows[1:]] == ["=cmd|2", "=cmd|1", "=cmd|0"]
    empty = await client.get("/en/stories/download/csv", params={"kind": "future"})
    assert pl.read_csv(io.BytesIO(empty.content)).height == 0
    assert "id,title" in empty.text
    unknown = await client.get("/en/stories/download/pdf")
    assert unknown.status_code == 404


async def test_the_page_needs_a_sign_in(client):
    page = await client.get("/en/stories")
    assert page.status_code in (302, 303) and "/en/login" in page.headers["location"]


async def test_the_download_holds_every_page_of_the_list(client, admin, world, sign_in):
    """More stories than one read of the service returns: the download pulls page after page."""
    from civicfutures.intake.story_service import PAGE_MAX

    made = [
        (await _story(client, admin, world, title=f"s{n}", translations=[]))["id"]
        for n in range(PAGE_MAX + 3)
    ]
    await sign_in("researcher")
    csv = await client.get("/en/stories/download/csv")
    assert csv.status_code == 200
    assert pl.read_csv(io.BytesIO(csv.content))["id"].to_list() == made[::-1]
    assert json.loads(csv.headers["x-export-notes"])["stories_exported"] == PAGE_MAX + 3
    xlsx = await client.get("/en/stories/download/xlsx", params={"site": "gdansk"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.worksheets[0].max_row == PAGE_MAX + 4
    notes = [row[0] for row in book.worksheets[1].iter_rows(values_only=True)]
    assert notes[0] == f"{PAGE_MAX + 3} stories exported."
