"""Imports at once per process (503 with Retry-After past the limit) and the time budget of
reading and checking one file (a problem naming the limit; nothing written)."""

from __future__ import annotations

import pytest

from civicfutures.imports.limits import get_limits
from civicfutures.imports.service import ImportService
from imports.spreadsheets import SUFFIX, WORKBOOK_WRITERS, csv_bytes
from imports.test_import_api import counts, upload
from imports.test_import_pages import post_file


@pytest.fixture
def import_env(monkeypatch):
    """Set import settings in the environment for one test; the defaults come back after it."""

    def setenv(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        get_limits.cache_clear()

    yield setenv
    monkeypatch.undo()
    get_limits.cache_clear()


@pytest.fixture
async def gdansk(token_for):
    return await token_for("partner", "gdansk")


def many_rows(polish_rows: list[list[object]], stories: int) -> list[list[object]]:
    """The header and `stories` new storytellers' stories, each its own text."""
    header, _known, new = polish_rows
    rows = [header]
    for number in range(stories):
        row = list(new)
        row[2] = f"GDA-BIG-{number}"
        row[9] = f"Historia {number}"
        row[10] = f"Opowieść numer {number} o dzielnicy i jej radzie."
        rows.append(row)
    return rows


async def test_an_import_past_the_concurrency_limit_is_answered_503_then_runs(
    client, world, gdansk, polish_rows, import_env
):
    import_env("CIVICFUTURES_IMPORT_MAX_CONCURRENT", "1")
    data = csv_bytes(polish_rows)
    before = await counts()
    async with ImportService().slot():  # an import holding the process's only slot
        for dry_run in ("true", "false"):
            busy = await upload(
                client, {**gdansk, "Accept-Language": "pl"}, data, site="gdansk", dry_run=dry_run
            )
            assert busy.status_code == 503, busy.text
            assert busy.headers["retry-after"] == "5"
            assert busy.json()["detail"] == (
                "Trwa już 1 import, tyle, ile ten serwer wykonuje naraz: "
                "spróbuj ponownie za chwilę."
            )
        assert await counts() == before
        health = await client.get("/health")
        assert health.status_code == 200
    checked = await upload(client, gdansk, data, site="gdansk", dry_run="true")
    assert checked.status_code == 200, checked.text
    committed = await upload(client, gdansk, data, site="gdansk")
    assert committed.status_code == 201, committed.text
    assert committed.json()["created"]["stories"] == 2


async def test_the_limit_counts_imports_not_requests(client, world, gdansk, polish_rows):
    """With the default of two, one import running leaves room for another."""
    assert get_limits().max_concurrent == 2
    async with ImportService().slot():
        checked = await upload(
            client, gdansk, csv_bytes(polish_rows), site="gdansk", dry_run="true"
        )
        assert checked.status_code == 200, checked.text
        async with ImportService().slot():
            busy = await upload(
                client, gdansk, csv_bytes(polish_rows), site="gdansk", dry_run="true"
            )
            assert busy.status_code == 503
            assert "2 imports are already running" in busy.json()["detail"]


async def test_the_import_page_answers_503_with_the_limit_in_its_language(
    client, world, sign_in, polish_rows, import_env
):
    import_env("CIVICFUTURES_IMPORT_MAX_CONCURRENT", "1")
    await sign_in("partner", "gdansk")
    async with ImportService().slot():
        busy = await post_file(client, "/pl/sites/gdansk/import", csv_bytes(polish_rows), "import")
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "5"
        assert "Trwa już 1 import" in busy.text
    done = await post_file(client, "/pl/sites/gdansk/import", csv_bytes(polish_rows), "import")
    assert done.status_code == 303, done.text


@pytest.mark.parametrize("kind", ["csv", *WORKBOOK_WRITERS])
async def test_a_file_past_the_time_budget_is_refused_and_nothing_is_written(
    client, world, gdansk, polish_rows, import_env, kind
):
    rows = many_rows(polish_rows, 2_000)
    data = csv_bytes(rows) if kind == "csv" else WORKBOOK_WRITERS[kind](rows)
    name = f"stories.{SUFFIX.get(kind, 'csv')}"
    # A budget no file can be read in: the check between rows (or chunks) ends the work.
    import_env("CIVICFUTURES_IMPORT_TIME_BUDGET_SECONDS", "0.001")
    before = await counts()
    for dry_run in ("true", "false"):
        refused = await upload(
            client,
            {**gdansk, "Accept-Language": "pl"},
            data,
            name=name,
            site="gdansk",
            dry_run=dry_run,
        )
        assert refused.status_code == 422, refused.text
        report = refused.json()
        assert report["committed"] is False
        assert {
            "field": "file",
            "message": "Odczyt i sprawdzenie pliku trwały dłużej niż 0,001 s, na które "
            "pozwala jeden import: nic nie zostało zaimportowane. Podziel plik na mniejsze.",
        } in report["errors"]
        assert report["rows"] < 2_000
    assert await counts() == before
    # The server stays up, and with the default budget the same file goes in whole.
    assert (await client.get("/health")).status_code == 200
    import_env("CIVICFUTURES_IMPORT_TIME_BUDGET_SECONDS", "60")
    committed = await upload(client, gdansk, data, name=name, site="gdansk")
    assert committed.status_code == 201, committed.text
    assert committed.json()["created"]["stories"] == 2_000


async def test_the_settings_are_read_from_the_environment(import_env):
    assert get_limits().max_concurrent == 2
    assert get_limits().time_budget_seconds == 60
    import_env("CIVICFUTURES_IMPORT_MAX_CONCURRENT", "3")
    import_env("CIVICFUTURES_IMPORT_TIME_BUDGET_SECONDS", "2.5")
    assert get_limits().max_concurrent == 3
    assert get_limits().time_budget_seconds == 2.5
