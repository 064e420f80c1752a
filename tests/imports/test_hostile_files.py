"""Hostile spreadsheets are refused cheaply, before a cell is read, and the server keeps going."""

from __future__ import annotations

import pytest

from civicfutures.db.tables import Story
from imports import bombs
from imports.spreadsheets import csv_bytes
from imports.test_import_api import upload
from imports.test_import_pages import post_file

ROWS = "The file has more than 100,000 rows"
COLUMNS = "The sheet has more than 256 columns"
ENTITIES = "declares a document type or entities"

BOMBS = {
    "far cell XFD1048576": (lambda: bombs.far_cell("XFD1048576"), ROWS),
    "far cell ZZ200000, declared": (lambda: bombs.far_cell("ZZ200000", declared=True), COLUMNS),
    "far cell ZZ200000": (lambda: bombs.far_cell("ZZ200000"), ROWS),
    "far cell A200000": (lambda: bombs.far_cell("A200000"), ROWS),
    "a million empty rows": (lambda: bombs.empty_rows(1_000_000), ROWS),
    "16,384 columns": (lambda: bombs.wide_row(16_384), COLUMNS),
    "a row repeated a million times (ODS)": (lambda: bombs.repeated_ods_rows(1_000_000), ROWS),
    "zip bomb": (lambda: bombs.zip_bomb(300), "unpacks to more than 256 MiB"),
    "billion laughs in a sheet": (lambda: bombs.laughing_xlsx("sheet"), ENTITIES),
    "billion laughs in shared strings": (lambda: bombs.laughing_xlsx("strings"), ENTITIES),
    "billion laughs in ODS": (bombs.laughing_ods, ENTITIES),
    "malformed XML": (bombs.malformed_xlsx, "is not well-formed XML"),
}


async def still_serving(client, gdansk, polish_rows) -> None:
    health = await client.get("/health")
    assert health.status_code == 200, health.text
    normal = await upload(client, gdansk, csv_bytes(polish_rows), site="gdansk", dry_run="1")
    assert normal.status_code == 200, normal.text
    assert normal.json()["created"]["stories"] == 2


@pytest.fixture
async def gdansk(token_for):
    return await token_for("partner", "gdansk")


@pytest.mark.parametrize("bomb", BOMBS, ids=list(BOMBS))
async def test_the_api_refuses_each_bomb_naming_the_limit(client, world, gdansk, polish_rows, bomb):
    make, message = BOMBS[bomb]
    response = await upload(client, gdansk, make(), "stories.xlsx", site="gdansk", dry_run="1")
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["problems"][0]["row"] is None
    assert message in body["problems"][0]["message"]
    assert body["errors"][0]["field"] == "file"
    await still_serving(client, gdansk, polish_rows)
    assert await Story.count() == 0


async def test_refusals_speak_the_request_language(client, world, gdansk):
    headers = {**gdansk, "Accept-Language": "pl"}
    response = await upload(
        client, headers, bombs.far_cell("ZZ200000", declared=True), "h.xlsx", site="gdansk"
    )
    assert response.status_code == 422
    assert "256" in response.json()["problems"][0]["message"]
    assert "kolumn" in response.json()["problems"][0]["message"]


async def test_a_part_packed_beyond_the_ratio_is_refused_from_the_directory(
    client, world, gdansk, polish_rows, monkeypatch
):
    from civicfutures.imports.limits import get_limits

    monkeypatch.setenv("CIVICFUTURES_IMPORT_MAX_COMPRESSION_RATIO", "50")
    get_limits.cache_clear()
    try:
        response = await upload(client, gdansk, bombs.zip_bomb(8), "b.xlsx", site="gdansk")
    finally:
        monkeypatch.undo()
        get_limits.cache_clear()
    assert response.status_code == 422
    assert "more than 50 times smaller" in response.json()["problems"][0]["message"]
    await still_serving(client, gdansk, polish_rows)


@pytest.mark.parametrize("bomb", ["far cell XFD1048576", "zip bomb", "billion laughs in ODS"])
async def test_the_import_page_refuses_bombs(client, world, sign_in, gdansk, polish_rows, bomb):
    make, message = BOMBS[bomb]
    await sign_in("partner", "gdansk")
    refused = await post_file(client, "/en/sites/gdansk/import", make(), "check")
    assert refused.status_code == 422
    assert message in refused.text
    page = await client.get("/en/sites/gdansk/import")
    assert page.status_code == 200
    await still_serving(client, gdansk, polish_rows)


async def test_a_csv_row_with_too_many_fields_is_refused(client, world, gdansk, polish_rows):
    rows = [list(row) for row in polish_rows]
    rows[1] = rows[1] + ["x"] * 300
    response = await upload(client, gdansk, csv_bytes(rows), site="gdansk")
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert any("more than 256 fields" in p["message"] and p["row"] == 2 for p in problems)
    assert await Story.count() == 0
