"""The partner's import page: template links, check, import, in the page's language."""

from __future__ import annotations

from civicfutures.db.tables import Story
from imports.spreadsheets import csv_bytes
from pages.conftest import csrf_token


async def post_file(client, path: str, data: bytes, action: str):
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return await client.post(
        path,
        data={"_csrf_token": csrf_token(page.text), "action": action},
        files={"file": ("historie.csv", data, "text/csv")},
        follow_redirects=False,
    )


async def test_partner_checks_and_imports_a_file_from_the_site_page(
    client, world, sign_in, polish_rows
):
    await sign_in("partner", "gdansk")
    page = await client.get("/pl/sites/gdansk/import")
    assert page.status_code == 200
    assert 'href="/pl/sites/gdansk/import/template/xlsx"' in page.text
    template = await client.get("/pl/sites/gdansk/import/template/csv")
    assert template.status_code == 200
    assert template.content.decode("utf-8-sig").startswith("Data warsztatu *;")

    broken = [list(row) for row in polish_rows]
    broken[2][0] = "jutro"
    refused = await post_file(client, "/pl/sites/gdansk/import", csv_bytes(broken), "import")
    assert refused.status_code == 422
    assert "Data warsztatu" in refused.text and "jutro" in refused.text
    assert await Story.count() == 0

    data = csv_bytes(polish_rows, "cp1250", ";")
    checked = await post_file(client, "/pl/sites/gdansk/import", data, "check")
    assert checked.status_code == 200, checked.text
    assert await Story.count() == 0
    imported = await post_file(client, "/pl/sites/gdansk/import", data, "import")
    assert imported.status_code == 303
    assert imported.headers["location"] == "/pl/sites/gdansk/import?imported=2&existing=0"
    assert await Story.count() == 2
    done = await client.get(imported.headers["location"])
    assert 'role="status"' in done.text


async def test_other_sites_import_pages_do_not_exist_for_a_partner(client, world, sign_in):
    await sign_in("partner", "voru")
    assert (await client.get("/pl/sites/gdansk/import")).status_code == 404
    assert (await client.get("/pl/sites/gdansk/import/template/xlsx")).status_code == 404
    assert (await client.get("/pl/sites/voru/import")).status_code == 200
