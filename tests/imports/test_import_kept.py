"""A checked file imported by its fingerprint, without choosing it again; and every way to abuse it.

Through the whole app: the sign-in form, the page's CSRF token, the upload, the kept file on
disk under CIVICFUTURES_VAR_DIR, the import by fingerprint.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import time
from pathlib import Path

import pytest

from civicfutures.db.tables import AuditEvent, Story, Storyteller
from civicfutures.settings import get_settings
from imports.spreadsheets import csv_bytes
from pages.conftest import csrf_token

KEPT = re.compile(r'name="sha256" value="([0-9a-f]{64})"')


def kept_files() -> list[Path]:
    # The storage is the exports folder in the tests (CIVICFUTURES_STORAGE_URL unset).
    root = get_settings().exports_dir / "imports" / "checked"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


async def check(client, site: str, data: bytes, lang: str = "pl"):
    path = f"/{lang}/sites/{site}/import"
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return await client.post(
        path,
        data={"_csrf_token": csrf_token(page.text), "action": "check"},
        files={"file": ("historie.csv", data, "text/csv")},
        follow_redirects=False,
    )


async def import_checked(client, site: str, sha256: str, lang: str = "pl", csrf: bool = True):
    page = await client.get(f"/{lang}/sites/{site}/import")
    fields = {"sha256": sha256}
    if csrf:
        fields["_csrf_token"] = csrf_token(page.text)
    return await client.post(
        f"/{lang}/sites/{site}/import/checked", data=fields, follow_redirects=False
    )


def offered(html: str) -> str | None:
    found = KEPT.search(html)
    return found.group(1) if found else None


def age(seconds: float) -> None:
    """Make every kept file as old as `seconds` (their modification time is their check)."""
    then = time.time() - seconds
    for path in kept_files():
        os.utime(path, (then, then))


@pytest.fixture(autouse=True)
def no_kept_files():
    """Each test starts and ends with no kept file, and the default keeping time."""
    for path in kept_files():
        path.unlink()
    yield
    os.environ.pop("CIVICFUTURES_IMPORT_KEEP_MINUTES", None)
    get_settings.cache_clear()
    for path in kept_files():
        path.unlink()


async def test_a_checked_file_is_imported_by_its_fingerprint(client, world, sign_in, polish_rows):
    email = await sign_in("partner", "gdansk", lang="pl")
    data = csv_bytes(polish_rows, "cp1250", ";")
    sha256 = hashlib.sha256(data).hexdigest()

    checked = await check(client, "gdansk", data)
    assert checked.status_code == 200, checked.text
    assert offered(checked.text) == sha256
    assert 'action="/pl/sites/gdansk/import/checked"' in checked.text
    assert "Zaimportuj te 2 historie" in checked.text
    assert await Story.count() == 0
    # The bytes as uploaded, and a note of who checked them, where, in which format.
    folder = get_settings().exports_dir / "imports" / "checked"
    site = f"site-{world['sites']['gdansk']['id']}"
    assert {p.relative_to(folder).parts[0] for p in kept_files()} == {site}
    assert [p.name for p in kept_files()] == [f"{sha256}.bin", f"{sha256}.json"]
    assert kept_files()[0].read_bytes() == data
    # Only the server's user enters the store's folder, so no one else reaches the files.
    assert oct(get_settings().exports_dir.stat().st_mode & 0o777) == "0o700"
    note = json.loads(kept_files()[1].read_text())
    assert note["checked_by"] == email
    assert (note["project"], note["site"], note["name"]) == ("futures", "gdansk", "historie.csv")
    assert (note["format"], note["encoding"], note["delimiter"]) == ("csv", "Windows-1250", ";")
    assert (note["stories"], note["minutes"]) == (2, 30)

    imported = await import_checked(client, "gdansk", sha256)
    assert imported.status_code == 303, imported.text
    assert imported.headers["location"] == "/pl/sites/gdansk/import?imported=2&existing=0"
    stories = await Story.select(Story.title).order_by(Story.id)
    assert [s["title"] for s in stories] == ["Autobus, którego nie ma", "Rada dzielnicy online"]
    assert kept_files() == []
    events = await AuditEvent.select(AuditEvent.entity_id).where(AuditEvent.action == "import")
    assert [e["entity_id"] for e in events] == [sha256]

    # The same button again (a double click, the back button): the file is gone, nothing more.
    again = await import_checked(client, "gdansk", sha256)
    assert again.status_code == 404
    assert 'id="import-checked-error"' in again.text
    assert "Żaden sprawdzony plik o tym odcisku" in again.text
    assert await Story.count() == 2
    # Checked again, the file has nothing new: nothing is kept, no button is offered.
    rechecked = await check(client, "gdansk", data)
    assert rechecked.status_code == 200
    assert offered(rechecked.text) is None
    assert kept_files() == []


async def test_two_presses_at_once_import_the_file_once(client, world, sign_in, polish_rows):
    await sign_in("partner", "gdansk", lang="en")
    sha256 = offered((await check(client, "gdansk", csv_bytes(polish_rows), lang="en")).text)
    assert sha256 is not None
    token = csrf_token((await client.get("/en/sites/gdansk/import")).text)

    async def press():
        return await client.post(
            "/en/sites/gdansk/import/checked",
            data={"_csrf_token": token, "sha256": sha256},
            follow_redirects=False,
        )

    answers = await asyncio.gather(press(), press())
    outcomes = sorted(
        a.headers["location"].rsplit("?", 1)[-1] if a.status_code == 303 else str(a.status_code)
        for a in answers
    )
    # One imports the stories; the other finds them there, or the file already gone.
    assert outcomes in (
        ["404", "imported=2&existing=0"],
        ["imported=0&existing=2", "imported=2&existing=0"],
    )
    assert await Story.count() == 2
    assert kept_files() == []


async def test_rows_imported_meanwhile_are_not_imported_twice(client, world, sign_in, polish_rows):
    await sign_in("partner", "gdansk", lang="en")
    data = csv_bytes(polish_rows)
    sha256 = offered((await check(client, "gdansk", data, lang="en")).text)
    assert sha256 is not None
    first = client.cookies.get("civicfutures_session")
    # Another partner of the site imports the same file, choosing it themselves.
    await sign_in("partner", "gdansk", lang="en")
    page = await client.get("/en/sites/gdansk/import")
    direct = await client.post(
        "/en/sites/gdansk/import",
        data={"_csrf_token": csrf_token(page.text), "action": "import"},
        files={"file": ("stories.csv", data, "text/csv")},
        follow_redirects=False,
    )
    assert direct.headers["location"] == "/en/sites/gdansk/import?imported=2&existing=0"
    assert len(kept_files()) == 2  # the first partner's kept file is theirs
    client.cookies.set("civicfutures_session", first)
    imported = await import_checked(client, "gdansk", sha256, lang="en")
    assert imported.status_code == 303
    assert imported.headers["location"] == "/en/sites/gdansk/import?imported=0&existing=2"
    assert await Story.count() == 2
    assert kept_files() == []


async def test_importing_by_choosing_the_file_again_deletes_its_kept_copy(
    client, world, sign_in, polish_rows
):
    await sign_in("partner", "gdansk", lang="en")
    data = csv_bytes(polish_rows)
    assert offered((await check(client, "gdansk", data, lang="en")).text)
    page = await client.get("/en/sites/gdansk/import")
    direct = await client.post(
        "/en/sites/gdansk/import",
        data={"_csrf_token": csrf_token(page.text), "action": "import"},
        files={"file": ("stories.csv", data, "text/csv")},
        follow_redirects=False,
    )
    assert direct.status_code == 303
    assert await Story.count() == 2
    assert kept_files() == []


async def test_a_file_that_no_longer_passes_is_refused_and_deleted(
    client, world, admin, sign_in, polish_rows
):
    await sign_in("partner", "gdansk", lang="en")
    sha256 = offered((await check(client, "gdansk", csv_bytes(polish_rows), lang="en")).text)
    assert sha256 is not None
    # Meanwhile the new storyteller of the file is registered with another age band.
    registered = await client.post(
        "/api/v1/storytellers",
        json={
            "site": "gdansk",
            "code": "GDA-NEW-7",
            "demographics": {"age_band": "65+"},
            "consent": {"version": "2025-01", "given_at": "2025-04-15", "scopes": ["research"]},
        },
        headers=admin,
    )
    assert registered.status_code == 201, registered.text
    refused = await import_checked(client, "gdansk", sha256, lang="en")
    assert refused.status_code == 422
    assert "GDA-NEW-7" in refused.text and "registered with another value" in refused.text
    assert await Story.count() == 0
    assert kept_files() == []


@pytest.mark.parametrize(
    ("value", "status", "message"),
    [
        ("", 422, "To pole jest wymagane."),
        ("z" * 64, 422, "64 znaki"),
        ("A1B2", 422, "64 znaki"),
        ("../../../../etc/passwd", 422, "64 znaki"),
        ("../user-1/" + "0" * 54, 422, "64 znaki"),
        ("0" * 63 + "/", 422, "64 znaki"),
        (hashlib.sha256(b"forged").hexdigest(), 404, "Żaden sprawdzony plik o tym odcisku"),
    ],
    ids=["empty", "not-hex", "short", "traversal", "traversal-in-length", "slash", "forged"],
)
async def test_a_bad_fingerprint_is_refused_naming_the_field(
    client, world, sign_in, polish_rows, value, status, message
):
    await sign_in("partner", "gdansk", lang="pl")
    assert offered((await check(client, "gdansk", csv_bytes(polish_rows))).text)
    kept = kept_files()
    refused = await import_checked(client, "gdansk", value)
    assert refused.status_code == status
    assert 'id="import-checked-error"' in refused.text
    assert message in refused.text
    assert "<title>Błąd:" in refused.text
    assert await Story.count() == 0
    assert kept_files() == kept  # the partner's own kept file is untouched


async def test_another_partners_file_is_not_theirs_to_import(client, world, sign_in, polish_rows):
    await sign_in("partner", "gdansk", lang="en")
    sha256 = offered((await check(client, "gdansk", csv_bytes(polish_rows), lang="en")).text)
    assert sha256 is not None
    kept = kept_files()
    await sign_in("partner", "gdansk", lang="en")  # a second partner of the same site
    refused = await import_checked(client, "gdansk", sha256, lang="en")
    assert refused.status_code == 404
    assert "No checked file with this fingerprint is kept for you at this site" in refused.text
    assert await Story.count() == 0
    assert kept_files() == kept


async def test_a_file_checked_for_one_site_is_not_imported_at_another(
    client, world, sign_in, polish_rows
):
    await sign_in("partner", "gdansk", "voru", lang="en")
    sha256 = offered((await check(client, "gdansk", csv_bytes(polish_rows), lang="en")).text)
    assert sha256 is not None
    kept = kept_files()
    refused = await import_checked(client, "voru", sha256, lang="en")
    assert refused.status_code == 404
    assert "No checked file with this fingerprint is kept for you at this site" in refused.text
    assert await Story.count() == 0
    assert kept_files() == kept
    # A partner of voru alone does not even reach gdansk's import.
    await sign_in("partner", "voru", lang="en")
    page = await client.get("/en/sites/voru/import")
    outsider = await client.post(
        "/en/sites/gdansk/import/checked",
        data={"_csrf_token": csrf_token(page.text), "sha256": sha256},
    )
    assert outsider.status_code == 404
    assert await Story.count() == 0
    assert kept_files() == kept


async def test_a_file_with_problems_is_never_kept(client, world, sign_in, polish_rows):
    await sign_in("partner", "gdansk", lang="en")
    broken = [list(row) for row in polish_rows]
    broken[2][0] = "tomorrow"
    data = csv_bytes(broken)
    checked = await check(client, "gdansk", data, lang="en")
    assert checked.status_code == 422
    assert offered(checked.text) is None
    assert kept_files() == []
    refused = await import_checked(client, "gdansk", hashlib.sha256(data).hexdigest(), lang="en")
    assert refused.status_code == 404
    assert await Story.count() == 0


async def test_an_expired_file_is_removed_and_refused(client, world, sign_in, polish_rows):
    await sign_in("partner", "gdansk", lang="en")
    sha256 = offered((await check(client, "gdansk", csv_bytes(polish_rows), lang="en")).text)
    assert sha256 is not None
    age(30 * 60)
    refused = await import_checked(client, "gdansk", sha256, lang="en")
    assert refused.status_code == 410
    assert "A checked file is kept for 30 minutes and this one has been removed" in refused.text
    assert kept_files() == []
    assert await Story.count() == 0


async def test_expired_files_are_swept_on_every_check(client, world, sign_in, polish_rows):
    await sign_in("partner", "gdansk", lang="en")
    first = offered((await check(client, "gdansk", csv_bytes(polish_rows), lang="en")).text)
    age(29 * 60)
    other = [list(row) for row in polish_rows]
    other[1][10] += " Jeszcze raz."
    second = offered((await check(client, "gdansk", csv_bytes(other), lang="en")).text)
    assert {p.stem for p in kept_files()} == {first, second}
    age(31 * 60)
    os.utime(next(p for p in kept_files() if p.name == f"{second}.json"))
    third = [list(row) for row in polish_rows]
    third[1][10] += " I jeszcze."
    assert offered((await check(client, "gdansk", csv_bytes(third), lang="en")).text)
    # The first file went; the second stays whole, bytes too: a pair is judged by its note.
    stems = sorted(p.name for p in kept_files())
    assert f"{first}.json" not in stems and f"{first}.bin" not in stems
    assert f"{second}.json" in stems and f"{second}.bin" in stems


async def test_expired_files_are_swept_at_start_up(app, client, world, sign_in, polish_rows):
    from civicfutures.imports.kept import sweep_at_startup

    assert sweep_at_startup in app.on_startup
    await sign_in("partner", "gdansk", lang="en")
    assert offered((await check(client, "gdansk", csv_bytes(polish_rows), lang="en")).text)
    await sweep_at_startup()
    assert len(kept_files()) == 2
    age(30 * 60)
    await sweep_at_startup()
    assert kept_files() == []


async def test_keeping_time_zero_keeps_nothing_and_expires_what_was_kept(
    client, world, sign_in, polish_rows
):
    await sign_in("partner", "gdansk", lang="en")
    sha256 = offered((await check(client, "gdansk", csv_bytes(polish_rows), lang="en")).text)
    assert sha256 is not None
    os.environ["CIVICFUTURES_IMPORT_KEEP_MINUTES"] = "0"
    get_settings.cache_clear()
    refused = await import_checked(client, "gdansk", sha256, lang="en")
    assert refused.status_code == 410
    assert kept_files() == []
    checked = await check(client, "gdansk", csv_bytes(polish_rows), lang="en")
    assert checked.status_code == 200
    assert offered(checked.text) is None
    assert kept_files() == []
    assert await Story.count() == 0


async def test_the_import_button_needs_the_pages_csrf_token(client, world, sign_in, polish_rows):
    await sign_in("partner", "gdansk", lang="en")
    sha256 = offered((await check(client, "gdansk", csv_bytes(polish_rows), lang="en")).text)
    assert sha256 is not None
    kept = kept_files()
    refused = await import_checked(client, "gdansk", sha256, lang="en", csrf=False)
    assert refused.status_code == 403
    assert await Story.count() == 0
    assert kept_files() == kept


async def test_erasing_a_storyteller_deletes_the_files_kept_for_their_site(
    client, world, admin, sign_in, polish_rows
):
    await sign_in("partner", "gdansk", "voru", lang="en")
    assert offered((await check(client, "gdansk", csv_bytes(polish_rows), lang="en")).text)
    voru_rows = [list(row) for row in polish_rows]
    voru_rows[1][2], voru_rows[1][8] = "VORU-1", "et"
    voru_rows[2][2], voru_rows[2][8] = "VORU-NEW-7", "et"
    checked = await check(client, "voru", csv_bytes(voru_rows), lang="en")
    assert offered(checked.text), checked.text
    voru = f"site-{world['sites']['voru']['id']}"
    assert {p.parts[-3] for p in kept_files()} == {f"site-{world['sites']['gdansk']['id']}", voru}

    teller = world["storytellers"]["gdansk"][1]["id"]
    erased = await client.delete(f"/api/v1/storytellers/{teller}", headers=admin)
    assert erased.status_code == 204
    assert await Storyteller.count().where(Storyteller.id == teller) == 0
    # Gdańsk's kept file is gone; Võru's stays.
    assert {p.parts[-3] for p in kept_files()} == {voru}
    events = (
        await AuditEvent.select(AuditEvent.detail)
        .output(load_json=True)
        .where(AuditEvent.action == "withdraw_derived")
    )
    assert [e["detail"]["kept_imports"] for e in events] == [1]


async def test_withdrawal_deletes_the_files_kept_for_the_site(
    client, world, admin, sign_in, polish_rows
):
    await sign_in("partner", "gdansk", lang="en")
    assert offered((await check(client, "gdansk", csv_bytes(polish_rows), lang="en")).text)
    teller = world["storytellers"]["gdansk"][1]["id"]
    withdrawn = await client.patch(
        f"/api/v1/storytellers/{teller}",
        json={"consent": {"version": "v1", "given_at": "2025-03-15", "scopes": []}},
        headers=admin,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert kept_files() == []


async def test_the_site_page_links_the_import_page(client, world, sign_in):
    await sign_in("partner", "gdansk", lang="uk")
    page = await client.get("/uk/sites/gdansk")
    assert page.status_code == 200
    assert 'href="/uk/sites/gdansk/import"' in page.text
    await sign_in("researcher", lang="uk")
    assert 'href="/uk/sites/gdansk/import"' not in (await client.get("/uk/sites/gdansk")).text
