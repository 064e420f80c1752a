"""The exports page /{lang}/exports: the API's parameters as a form, the account's kept exports,
downloads read back, errors at their field, CSRF, and exports gone with a storyteller's consent."""

from __future__ import annotations

import io
import re

import openpyxl
import polars as pl
import pytest

from builders import story_body
from pages.conftest import csrf_token

KEPT_ROW = re.compile(r'<tr id="export-(export-\w+)"')


async def _story(client, admin, world, site="gdansk", **changes) -> dict:
    changes.setdefault("status", "submitted")
    answer = await client.post(
        "/api/v1/stories", json=story_body(world, site, **changes), headers=admin
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _teller(client, admin, code: str, scopes: list[str]) -> int:
    answer = await client.post(
        "/api/v1/storytellers",
        json={
            "site": "gdansk",
            "code": code,
            "demographics": {},
            "consent": {"version": "v1", "given_at": "2025-03-15", "scopes": scopes},
        },
        headers=admin,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def _build(client, page_lang: str = "en", **fields):
    form = await client.get(f"/{page_lang}/exports")
    assert form.status_code == 200, form.text
    data = {"project": "futures", "kind": "stories", **fields}
    data["_csrf_token"] = csrf_token(form.text)
    return await client.post(f"/{page_lang}/exports", data=data)


def _kept(html: str) -> list[str]:
    return KEPT_ROW.findall(html)


async def test_build_list_and_download_a_csv(client, admin, world, sign_in):
    shown = await _story(client, admin, world, title="Widoczna")
    archive = await _teller(client, admin, "GD-ARCHIVEONLY", ["archive"])
    await _story(client, admin, world, title="Archiwum", storytellers=[archive])
    await sign_in("researcher")
    empty = await client.get("/en/exports")
    assert "You have no recent export." in empty.text
    assert '<label for="export-kind">What to export</label>' in empty.text
    built = await _build(client, format="csv", include_codes="1", sites=["gdansk"])
    assert built.status_code == 303, built.text
    assert built.headers["location"].startswith("/en/exports?built=export-")
    listing = await client.get(built.headers["location"])
    assert listing.status_code == 200
    [export_id] = _kept(listing.text)
    assert "The export is ready." in listing.text
    assert "1 story exported." in listing.text
    assert "futures-en-stories.csv" in listing.text
    download = await client.get(f"/en/exports/{export_id}")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert 'filename="futures-en-stories.csv"' in download.headers["content-disposition"]
    table = pl.read_csv(io.BytesIO(download.content), infer_schema=False)
    assert table["story_id"].to_list() == [str(shown["id"])]
    assert table["title"].to_list() == ["Widoczna"]
    assert "GDANSK-1" in table["storyteller_codes"].to_list()[0]
    assert "Archiwum" not in download.text and "GD-ARCHIVEONLY" not in download.text
    # Downloading again gives the same file: the export is kept, not used up.
    again = await client.get(f"/en/exports/{export_id}")
    assert again.status_code == 200 and again.content == download.content
    # A resumed download: the first bytes, the rest, and a range past the end.
    size = len(download.content)
    assert download.headers["accept-ranges"] == "bytes"
    first = await client.get(f"/en/exports/{export_id}", headers={"Range": "bytes=0-9"})
    assert first.status_code == 206 and first.content == download.content[:10]
    assert first.headers["content-range"] == f"bytes 0-9/{size}"
    rest = await client.get(
        f"/en/exports/{export_id}",
        headers={"Range": "bytes=10-", "If-Range": download.headers["etag"]},
    )
    assert rest.status_code == 206 and first.content + rest.content == download.content
    past = await client.get(f"/en/exports/{export_id}", headers={"Range": f"bytes={size}-"})
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{size}"


async def test_xlsx_and_the_dictionary(client, admin, world, sign_in):
    story = await _story(client, admin, world, title="Arkusz")
    await sign_in("admin")
    assert (await _build(client, format="xlsx")).status_code == 303
    assert (await _build(client, kind="dictionary", format="csv", lang="pl")).status_code == 303
    listing = await client.get("/en/exports")
    newest, older = _kept(listing.text)
    dictionary = await client.get(f"/en/exports/{newest}")
    assert 'filename="futures-pl-dictionary.csv"' in dictionary.headers["content-disposition"]
    assert pl.read_csv(io.BytesIO(dictionary.content)).height > 0
    workbook = await client.get(f"/en/exports/{older}")
    book = openpyxl.load_workbook(io.BytesIO(workbook.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = list(rows[0])
    assert rows[1][header.index("title")] == "Arkusz"
    assert rows[1][header.index("story_id")] == story["id"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "qdc", "format": "csv"}, "format", "File format: Choose one of: qdc."),
        ({"project": "nowhere"}, "project", "Project: No project “nowhere”."),
        ({"kind": "pdf"}, "kind", "What to export: No export “pdf”."),
        ({"kind": ""}, "kind", "What to export: Choose what to export."),
        ({"lang": "xx-!!"}, "lang", "Language of the labels:"),
        ({"sites": ["atlantis"]}, "sites", "Sites: No site “atlantis”."),
    ],
)
async def test_errors_name_their_field(client, world, sign_in, fields, field, message):
    await sign_in("researcher")
    answer = await _build(client, **fields)
    assert answer.status_code == 422, answer.text
    assert f'id="export-{field}-error"' in answer.text
    assert message in answer.text
    assert 'class="error-summary"' in answer.text
    assert "You have no recent export." in answer.text


async def test_errors_in_the_page_language(client, world, sign_in):
    await sign_in("researcher", lang="pl")
    answer = await _build(client, page_lang="pl", kind="qdc", format="csv")
    assert answer.status_code == 422
    assert '<html lang="pl"' in answer.text
    assert 'id="export-format-error"' in answer.text
    assert "Format pliku" in answer.text


async def test_a_post_without_the_csrf_token_is_refused(client, world, sign_in):
    await sign_in("researcher")
    answer = await client.post("/en/exports", data={"project": "futures", "kind": "stories"})
    assert answer.status_code == 403
    assert _kept((await client.get("/en/exports")).text) == []


async def test_a_withdrawal_takes_the_kept_export_along(client, admin, world, sign_in):
    teller = await _teller(client, admin, "GD-LATER", ["research"])
    await _story(client, admin, world, storytellers=[teller], title="Wycofana")
    await sign_in("researcher")
    await _build(client, format="csv")
    [export_id] = _kept((await client.get("/en/exports")).text)
    assert (await client.get(f"/en/exports/{export_id}")).status_code == 200
    withdrawn = await client.patch(
        f"/api/v1/storytellers/{teller}",
        json={"consent": {"version": "v1", "given_at": "2025-03-15", "scopes": []}},
        headers=admin,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    listing = await client.get("/en/exports")
    assert _kept(listing.text) == [] and "You have no recent export." in listing.text
    gone = await client.get(f"/en/exports/{export_id}")
    assert gone.status_code == 404 and "Wycofana" not in gone.text


async def test_an_erasure_takes_the_kept_export_along(client, admin, world, sign_in):
    teller = await _teller(client, admin, "GD-ERASE", ["research"])
    await _story(client, admin, world, storytellers=[teller])
    await sign_in("researcher")
    await _build(client, format="xlsx")
    [export_id] = _kept((await client.get("/en/exports")).text)
    erased = await client.delete(f"/api/v1/storytellers/{teller}", headers=admin)
    assert erased.status_code == 204
    assert _kept((await client.get("/en/exports")).text) == []
    assert (await client.get(f"/en/exports/{export_id}")).status_code == 404


async def test_exports_belong_to_their_account(client, admin, world, sign_in):
    await _story(client, admin, world)
    await sign_in("researcher")
    await _build(client, format="csv")
    [export_id] = _kept((await client.get("/en/exports")).text)
    client.cookies.clear()
    await sign_in("researcher")
    assert _kept((await client.get("/en/exports")).text) == []
    assert (await client.get(f"/en/exports/{export_id}")).status_code == 404
    for hostile in ("export-..", "export-..%2F..%2Fsnapshots", "export-" + "a" * 300, "%00"):
        assert (await client.get(f"/en/exports/{hostile}")).status_code == 404


@pytest.mark.parametrize(("role", "sites"), [("partner", ("gdansk",)), ("author", ())])
async def test_only_researchers_and_admins(client, world, sign_in, role, sites):
    await sign_in(role, *sites)
    assert (await client.get("/en/exports")).status_code == 403


async def test_the_newest_ten_are_kept(client, admin, world, sign_in):
    await _story(client, admin, world)
    await sign_in("researcher")
    for _n in range(11):
        assert (await _build(client, kind="qdc")).status_code == 303
    assert len(_kept((await client.get("/en/exports")).text)) == 10


def _visible_words(html: str) -> str:
    """The page's text as a reader sees it (tags and attribute values left out)."""
    return re.sub(r"<[^>]+>", " ", html)


def _shows_slug(html: str, slug: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(slug)}(?![\w-])", _visible_words(html)) is not None


async def test_the_page_names_projects_and_sites_and_posts_slugs(client, admin, world, sign_in):
    await _story(client, admin, world)
    await sign_in("researcher")
    built = await _build(client, sites="gdansk")
    assert built.status_code in (200, 303), built.text
    page = await client.get("/en/exports")
    assert page.status_code == 200
    assert '<option value="futures" selected>Futures</option>' in page.text
    row = page.text[page.text.index('<tr id="export-') :]
    row = row[: row.index("</tr>")]
    assert "<bdi>Futures</bdi>" in row and "<bdi>Gdańsk</bdi>" in row
    # (The world's project slug is an English word the footer uses too: the site's is not.)
    assert not _shows_slug(page.text, "gdansk")


async def test_a_large_export_is_prepared_in_the_background_then_downloaded(
    client, admin, world, sign_in, monkeypatch, job_worker
):
    import asyncio

    from civicfutures.settings import get_settings

    await _story(client, admin, world, title="Widoczna")
    monkeypatch.setenv("CIVICFUTURES_EXPORT_SYNC_LIMIT", "0")
    get_settings.cache_clear()
    try:
        await sign_in("researcher", lang="pl")
        built = await _build(client, "pl", format="csv")
        assert built.status_code == 303, built.text
        target = built.headers["location"]
        assert re.fullmatch(r"/pl/exports/jobs/[0-9a-f]{24}", target), target
        for _attempt in range(600):
            page = await client.get(target)
            assert page.status_code == 200, page.text
            if 'data-status="done"' in page.text or 'data-status="failed"' in page.text:
                break
            # While under way the page reloads itself and shows the job's progress.
            assert 'http-equiv="refresh"' in page.text and "<progress" in page.text
            assert "Przygotowywanie eksportu" in page.text
            await asyncio.sleep(0.05)
        assert 'data-status="done"' in page.text, page.text
        assert 'http-equiv="refresh"' not in page.text
        assert "Eksport jest gotowy." in page.text
        link = re.search(r'href="(/pl/exports/jobs/[0-9a-f]{24}/file)"', page.text)
        assert link, page.text
        downloaded = await client.get(link.group(1))
        assert downloaded.status_code == 200
        assert "Widoczna" in downloaded.content.decode("utf-8-sig")
        ranged = await client.get(link.group(1), headers={"Range": "bytes=0-3"})
        assert ranged.status_code == 206 and ranged.content == downloaded.content[:4]
        # Another researcher is told there is no such export.
        await sign_in("researcher")
        assert (await client.get(target)).status_code == 404
        assert (await client.get(link.group(1))).status_code == 404
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
