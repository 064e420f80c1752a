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
