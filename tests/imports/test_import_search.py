"""Imported stories are found at once; a refused import leaves nothing in the index."""

from imports.spreadsheets import csv_bytes


async def _upload(client, headers, data: bytes):
    return await client.post(
        "/api/v1/imports",
        files={"file": ("stories.csv", data)},
        data={"project": "futures", "site": "gdansk"},
        headers=headers,
    )


def _rows_of(polish_rows, stories: int) -> list[list[object]]:
    header, first, _ = polish_rows
    rows = [header]
    for n in range(stories):
        row = list(first)
        if n % 2:
            row[11], row[12] = "", ""
        row[2] = f"GDANSK-{1 + n % 2}"
        row[9], row[10] = f"Żółw numer {n}", f"Historia numer {n}: żółw i łódź."
        rows.append(row)
    return rows


async def _search(client, headers, q) -> dict:
    answer = await client.get("/api/v1/stories", params={"q": q}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_imported_stories_and_translations_are_found(
    client, world, admin, token_for, polish_rows
):
    partner = await token_for("partner", "gdansk")
    answer = await _upload(client, partner, csv_bytes(_rows_of(polish_rows, 6)))
    assert answer.status_code in (200, 201), answer.text
    assert (await _search(client, admin, "zolw lodz"))["total"] == 6
    # Every other row carries the English translation of the template.
    assert (await _search(client, admin, "residents"))["total"] == 3
    assert (await _search(client, admin, "numer 4"))["total"] == 1


async def test_a_refused_import_indexes_nothing(client, world, admin, token_for, polish_rows):
    partner = await token_for("partner", "gdansk")
    rows = _rows_of(polish_rows, 4)
    rows[3][8] = "xx-nope"
    answer = await _upload(client, partner, csv_bytes(rows))
    assert answer.status_code == 422
    assert (await _search(client, admin, "zolw"))["total"] == 0


async def _story_statistics(engine_name: str) -> int:
    """How many rows the planner believes `story` holds (0 before statistics exist)."""
    from civicfutures.db.sql import fetch

    if engine_name == "sqlite":
        if not await fetch("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"):
            return 0
        rows = await fetch("SELECT stat FROM sqlite_stat1 WHERE tbl = 'story' AND idx IS NULL")
        if not rows:
            rows = await fetch("SELECT stat FROM sqlite_stat1 WHERE tbl = 'story' LIMIT 1")
        return int(rows[0]["stat"].split()[0]) if rows else 0
    rows = await fetch("SELECT reltuples FROM pg_class WHERE relname = 'story'")
    return max(0, int(rows[0]["reltuples"]))


async def test_a_large_import_refreshes_the_planner_statistics(
    client, world, token_for, polish_rows, engine_name
):
    # Before: the statistics of the fixture's few stories (or none); after an import of more
    # rows than the refresh threshold, they count the imported stories.
    from civicfutures.db.planner import REFRESH_AFTER_ROWS

    partner = await token_for("partner", "gdansk")
    stories = REFRESH_AFTER_ROWS // 2 + 10  # each row adds a story and a coding at least
    answer = await _upload(client, partner, csv_bytes(_rows_of(polish_rows, stories)))
    assert answer.status_code in (200, 201), answer.text
    created = answer.json()["created"]
    assert sum(created.values()) >= REFRESH_AFTER_ROWS
    assert await _story_statistics(engine_name) >= stories


async def test_a_small_import_leaves_the_statistics_alone(
    client, world, token_for, polish_rows, engine_name
):
    before = await _story_statistics(engine_name)
    partner = await token_for("partner", "gdansk")
    answer = await _upload(client, partner, csv_bytes(_rows_of(polish_rows, 3)))
    assert answer.status_code in (200, 201), answer.text
    assert await _story_statistics(engine_name) == before
