"""`POST /api/v1/imports` and the template: the partner's round trip, broken files, isolation."""

from __future__ import annotations

import hashlib
import io

import openpyxl
import pytest

from civicfutures.db.tables import AuditEvent, Story, Storyteller
from imports.spreadsheets import SUFFIX, WORKBOOK_WRITERS, csv_bytes
from imports.stored import counts


async def upload(client, headers, data: bytes, name: str = "stories.csv", **fields):
    form = {"project": "futures", **{k: str(v) for k, v in fields.items()}}
    return await client.post(
        "/api/v1/imports", files={"file": (name, data)}, data=form, headers=headers
    )


@pytest.fixture
async def gdansk(token_for):
    return await token_for("partner", "gdansk")


async def test_polish_template_is_filled_checked_fixed_and_imported(client, world, gdansk):
    template = await client.get(
        "/api/v1/imports/template",
        params={"project": "futures", "lang": "pl", "format": "xlsx", "site": "gdansk"},
        headers=gdansk,
    )
    assert template.status_code == 200, template.text
    assert "futures-gdansk-stories-pl.xlsx" in template.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(template.content))
    sheet = workbook.worksheets[0]
    assert sheet.title == "Historie"
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["Data warsztatu *", "Rodzaj warsztatu *", "Język warsztatu"]
    assert "Treść historii *" in headers and "Miejsce" not in headers
    dropdowns = {
        next(iter(v.sqref.ranges)).min_col: v
        for v in sheet.data_validations.dataValidation
        if v.type == "list"
    }
    kind = dropdowns[headers.index("Rodzaj historii *") + 1]
    assert kind.formula1.startswith("lists!")
    lists = workbook["lists"]
    column = kind.formula1.split("$")[1]
    assert [c.value for c in lists[column] if c.value] == [
        "Doświadczenie z dziś",
        "Wizja przyszłości",
    ]
    themes = dropdowns[headers.index("Tematy") + 1]
    assert [c.value for c in lists[themes.formula1.split("$")[1]] if c.value] == [
        "Niesłyszalny głos młodych",
        "Cyfrowe narzędzia demokracji",
    ]

    def fill(rows: list[dict[str, object]]) -> bytes:
        for index, values in enumerate(rows, start=2):
            for header, value in values.items():
                sheet.cell(row=index, column=headers.index(header) + 1, value=value)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    story = {
        "Data warsztatu *": "2025-03-15",
        "Rodzaj warsztatu *": "Opowiadanie historii",
        "Kod osoby opowiadającej *": "GDANSK-1",
        "Rodzaj historii *": "Doświadczenie z dziś",
        "Język historii *": "pl",
        "Tytuł": "Autobus, którego nie ma",
        "Treść historii *": "Linię autobusową zlikwidowano bez pytania mieszkańców.",
        "Język tłumaczenia": "en",
        "Tłumaczenie": "The bus line was cut without asking residents.",
        "Tematy": "Niesłyszalny głos młodych",
    }
    broken = {
        **story,
        "Data warsztatu *": "31.02.2025",
        "Kod osoby opowiadającej *": "GDA-NEW-1",
        "Wersja zgody": "2025-01",
        "Zakres zgody": "Badania; Cytowanie",
        "Data zgody": "15.04.2025",
        "Rodzaj historii *": "Wizja przyszłości",
        "Rok horyzontu": 2050,
        "Tytuł": "Forum dzielnicy",
        "Treść historii *": "W 2050 roku dzielnica decyduje na otwartym forum.",
        "Tłumaczenie": "In 2050 the district decides in an open forum.",
        "Tematy": "Cyfrowe narzędzia; youth_voice",
    }
    before = await counts()
    before_events = (
        await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id, ascending=False).first()
    )["id"]
    first = await upload(
        client, gdansk, fill([story, broken]), "historie.xlsx", site="gdansk", dry_run="true"
    )
    assert first.status_code == 422, first.text
    report = first.json()
    assert report["dry_run"] is True and report["committed"] is False
    assert {(p["row"], p["column"]) for p in report["problems"]} == {
        (3, "Data warsztatu *"),
        (3, "Tematy"),
    }
    assert all(e["field"].startswith("rows.3.") for e in report["errors"])

    fixed = {
        **broken,
        "Data warsztatu *": "15.04.2025",
        "Data zgody": "2025-04-15 10:30",
        "Tematy": "Cyfrowe narzędzia demokracji; youth_voice",
    }
    data = fill([story, fixed])
    checked = await upload(client, gdansk, data, "historie.xlsx", site="gdansk", dry_run="true")
    assert checked.status_code == 200, checked.text
    assert checked.json()["created"] == {
        "workshops": 1,
        "storytellers": 1,
        "stories": 2,
        "translations": 2,
        "codings": 3,
    }
    assert await counts() == before

    imported = await upload(client, gdansk, data, "historie.xlsx", site="gdansk")
    assert imported.status_code == 201, imported.text
    assert imported.json()["committed"] is True
    assert imported.json()["existing"]["workshops"] == 1
    stories = await Story.select(Story.title, Story.language, Story.workshop.held_on).order_by(
        Story.id
    )
    assert [s["title"] for s in stories] == ["Autobus, którego nie ma", "Forum dzielnicy"]
    teller = (
        await Storyteller.select()
        .output(load_json=True)
        .where(Storyteller.code == "GDA-NEW-1")
        .first()
    )
    assert teller["consent_scopes"] == ["quote", "research"]
    assert teller["consent_version"] == "2025-01"
    assert 0 <= teller["record_key"] < 256
    assert teller["consent_given_at"].isoformat() == "2025-04-15T10:30:00+00:00"
    events = await AuditEvent.select(AuditEvent.action, AuditEvent.entity).where(
        AuditEvent.id > before_events
    )
    assert sorted((e["action"], e["entity"]) for e in events) == sorted(
        [
            ("create", "workshop"),
            ("create", "storyteller"),
            ("create", "story"),
            ("create", "story"),
            ("import", "import"),
        ]
    )

    after = await counts()
    stored = await Story.select(Story.id, Story.body, Story.body_sha256)
    assert all(s["body_sha256"] == hashlib.sha256(s["body"].encode()).hexdigest() for s in stored)
    # A story stored without its hash (restored from an older backup) is still recognised.
    newest = max(s["id"] for s in stored)
    await Story.update({Story.body_sha256: None}).where(Story.id == newest)
    again = await upload(client, gdansk, data, "historie.xlsx", site="gdansk")
    assert again.status_code == 201
    assert again.json()["created"]["stories"] == 0
    assert again.json()["existing"]["stories"] == 2
    assert {k: v for k, v in (await counts()).items() if k != "audit_event"} == {
        k: v for k, v in after.items() if k != "audit_event"
    }


async def test_csv_template_reads_back_and_follows_the_language_separator(client, world, gdansk):
    for lang, delimiter in (("pl", ";"), ("en", ",")):
        response = await client.get(
            "/api/v1/imports/template",
            params={"project": "futures", "lang": lang, "format": "csv"},
            headers=gdansk,
        )
        assert response.status_code == 200
        assert response.content.startswith("\ufeff".encode())
        header = response.content.decode("utf-8-sig").splitlines()[0]
        assert header.split(delimiter)[0] in ("Miejsce", "Site")
        empty = await upload(client, gdansk, response.content, "t.csv", dry_run="1")
        assert empty.status_code == 422
        assert [p["message"] for p in empty.json()["problems"]] == [
            "The file has no stories below its header."
        ]


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("cp1250", ";"), ("utf-8-sig", ","), ("utf-16", "\t")]
)
async def test_a_bad_row_in_the_middle_changes_nothing(
    client, world, gdansk, polish_rows, encoding, delimiter
):
    good = polish_rows[1]
    rows = [polish_rows[0]]
    for n in range(5):
        row = list(good)
        row[2], row[10] = f"GDANSK-{1 + n % 2}", f"Historia numer {n}: żółw."
        rows.append(row)
    rows[3][6] = "Opowieść"  # not a kind of story
    rows[3][8] = "xx-nope"  # not a language tag
    before = await counts()
    response = await upload(client, gdansk, csv_bytes(rows, encoding, delimiter), site="gdansk")
    assert response.status_code == 422, response.text
    report = response.json()
    assert report["file"]["delimiter"] == delimiter
    assert {(p["row"], p["column"]) for p in report["problems"]} == {
        (4, "Rodzaj historii"),
        (4, "Język historii"),
    }
    assert report["created"]["stories"] == 0
    assert await counts() == before


async def test_header_problems_are_reported_on_the_header_row(client, world, gdansk, polish_rows):
    header = list(polish_rows[0])
    header[9] = "Title"  # the Polish "Tytuł" is already there? no: a second title column
    header.append("Tytuł historii")
    header.append("Uwagi")
    rows = [header, [*polish_rows[1], "Drugi tytuł", "notatka"]]
    del header[3]  # age_band
    rows[1].pop(3)
    response = await upload(client, gdansk, csv_bytes(rows), site="gdansk", dry_run=1)
    assert response.status_code == 422
    problems = {(p["row"], p["column"]): p["message"] for p in response.json()["problems"]}
    assert problems[(1, "Tytuł historii")].startswith("The column “Tytuł historii” appears twice")
    assert "Uwagi" in problems[(1, "Uwagi")]


@pytest.mark.parametrize("writer", sorted(WORKBOOK_WRITERS))
async def test_formula_cells_are_refused(client, world, gdansk, polish_rows, writer):
    before = await counts()
    data = WORKBOOK_WRITERS[writer](polish_rows, formulas={(3, 8): "=2000+50"})
    name = f"stories.{SUFFIX[writer]}"
    response = await upload(client, gdansk, data, name, site="gdansk")
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(3, "Rok horyzontu")]
    assert "formula" in problems[0]["message"]
    assert await counts() == before


FORMULA_LIKE = "=SUM(A1:A3) — a title, not a formula"


# openpyxl stores a string starting with "=" as a formula (refused above); these two write text.
@pytest.mark.parametrize("writer", ["xlsx-xlsxwriter", "ods-odfpy", "csv"])
async def test_text_starting_with_equals_is_taken_like_the_api_takes_it(
    client, world, gdansk, polish_rows, token_for, writer
):
    rows = [list(r) for r in polish_rows]
    rows[1][9] = FORMULA_LIKE
    if writer == "csv":
        data, name = csv_bytes(rows), "stories.csv"
    else:
        data, name = WORKBOOK_WRITERS[writer](rows), f"stories.{SUFFIX[writer]}"
    imported = await upload(client, gdansk, data, name, site="gdansk")
    assert imported.status_code == 201, imported.text
    row = await Story.select(Story.title).where(Story.title == FORMULA_LIKE).first()
    assert row == {"title": FORMULA_LIKE}
    # The API takes the same text.
    from builders import story_body

    body = story_body(world, "gdansk")
    body["title"] = FORMULA_LIKE
    posted = await client.post("/api/v1/stories", json=body, headers=gdansk)
    assert posted.status_code == 201, posted.text
    # Every export keeps it text.
    researcher = await token_for("researcher")
    exported = await client.get(
        "/api/v1/exports/stories",
        params={"project": "futures", "format": "csv"},
        headers=researcher,
    )
    assert exported.status_code == 200, exported.text
    assert exported.text.count(f"'{FORMULA_LIKE}") == 2
    workbook = await client.get(
        "/api/v1/exports/stories",
        params={"project": "futures", "format": "xlsx"},
        headers=researcher,
    )
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).worksheets[0]
    titles = [row for row in sheet.iter_rows(min_row=2) if row[15].value == FORMULA_LIKE]
    assert [cell.value for cell in sheet[1]][15] == "title"
    assert len(titles) == 2 and all(row[15].data_type == "s" for row in titles)


async def test_the_template_lists_site_names_and_the_importer_reads_them(
    client, world, token_for, polish_rows
):
    admin = await token_for("admin")
    template = await client.get(
        "/api/v1/imports/template",
        params={"project": "futures", "lang": "pl", "format": "xlsx"},
        headers=admin,
    )
    assert template.status_code == 200, template.text
    workbook = openpyxl.load_workbook(io.BytesIO(template.content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    site = next(
        v
        for v in sheet.data_validations.dataValidation
        if v.type == "list" and next(iter(v.sqref.ranges)).min_col == headers.index("Miejsce") + 1
    )
    column = site.formula1.split("$")[1]
    assert [c.value for c in workbook["lists"][column] if c.value] == ["Gdańsk", "Võru"]
    named = [["Miejsce", *polish_rows[0]], *[["Gdańsk", *row] for row in polish_rows[1:]]]
    checked = await upload(client, admin, csv_bytes(named), dry_run=1)
    assert checked.status_code == 200, checked.text
    assert checked.json()["problems"] == []


async def test_partners_import_only_into_their_own_sites(client, world, token_for, polish_rows):
    voru = await token_for("partner", "voru")
    data = csv_bytes(polish_rows)
    refused = await upload(client, voru, data, site="gdansk")
    assert refused.status_code == 404
    assert "gdansk" in refused.text  # named as asked, like any unknown site
    template = await client.get(
        "/api/v1/imports/template", params={"project": "futures", "site": "gdansk"}, headers=voru
    )
    assert template.status_code == 404
    with_column = [["Miejsce", *polish_rows[0]], *[["gdansk", *row] for row in polish_rows[1:]]]
    named = await upload(client, voru, csv_bytes(with_column))
    assert named.status_code == 422
    assert {p["message"] for p in named.json()["problems"] if p["column"] == "Miejsce"} == {
        "No site “gdansk”."
    }
    researcher = await token_for("researcher")
    assert (await upload(client, researcher, data, site="gdansk")).status_code == 403
    assert (await upload(client, {}, data, site="gdansk")).status_code == 401
    assert await Story.count() == 0


async def test_a_retried_commit_with_the_same_key_is_replayed(client, world, gdansk, polish_rows):
    data = csv_bytes(polish_rows)
    keyed = {**gdansk, "Idempotency-Key": "import-1"}
    first = await upload(client, keyed, data, site="gdansk")
    assert first.status_code == 201, first.text
    second = await upload(client, keyed, data, site="gdansk")
    assert second.status_code == 201
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.json() == first.json()
    assert await Story.count() == 2


async def test_raw_body_upload_with_query_parameters(client, world, gdansk, polish_rows):
    response = await client.post(
        "/api/v1/imports?project=futures&site=gdansk&dry_run=true&filename=h.csv",
        content=csv_bytes(polish_rows, "cp1250", ";"),
        headers={**gdansk, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["file"]["encoding"] == "Windows-1250"
    assert response.json()["created"]["stories"] == 2


async def test_limits_are_reported_clearly(client, world, gdansk, polish_rows, monkeypatch):
    from civicfutures.imports.limits import get_limits

    monkeypatch.setenv("CIVICFUTURES_IMPORT_MAX_ROWS", "1")
    get_limits.cache_clear()
    try:
        rows = await upload(client, gdansk, csv_bytes(polish_rows), site="gdansk")
        monkeypatch.setenv("CIVICFUTURES_IMPORT_MAX_BYTES", "100")
        get_limits.cache_clear()
        size = await upload(client, gdansk, csv_bytes(polish_rows), site="gdansk")
    finally:
        monkeypatch.undo()
        get_limits.cache_clear()
    assert rows.status_code == 422
    assert rows.json()["problems"][0]["message"].startswith("The file has more than 1 rows")
    assert size.status_code == 422
    assert size.json()["problems"][0]["message"].startswith("The file is too large")
    assert await Story.count() == 0


async def test_storytellers_must_agree_with_what_is_stored(client, world, gdansk, polish_rows):
    rows = [list(r) for r in polish_rows]
    rows[1][3] = "65+"  # GDANSK-1 is stored as 16-24
    rows[2][2] = "GDA-NEW-7; GDANSK-2"  # a group story with a new and a stored storyteller
    rows[2][3] = "65+"  # GDANSK-2 is stored as 16-24 too
    rows[2][4] = ""  # the new one lacks a consent version
    response = await upload(client, gdansk, csv_bytes(rows), site="gdansk", dry_run=1)
    assert response.status_code == 422
    problems = {(p["row"], p["column"]) for p in response.json()["problems"]}
    assert problems == {(2, "age_band"), (3, "Wersja zgody"), (3, "age_band")}


async def test_messages_follow_the_request_language_and_headers_any_language(client, world, gdansk):
    rows = [
        [
            "Töötoa kuupäev",
            "Workshop type",
            "Codice di chi racconta",
            "Тип історії",
            "لغة القصة",
            "Lugu",
        ],
        ["2025-03-15", "Lugude jutustamine", "GDANSK-1", "Сьогоднішній досвід", "pl", "Tekst."],
    ]
    response = await upload(client, gdansk, csv_bytes(rows), site="gdansk", dry_run=1)
    assert response.status_code == 200, response.text
    assert response.json()["created"]["stories"] == 1


async def test_a_row_in_another_encoding_changes_nothing(client, world, gdansk, polish_rows):
    head = csv_bytes(polish_rows[:2])
    stray = csv_bytes(
        [[*polish_rows[2][:10], "Gęś i żółw zapisane w Windows-1250.", "", "", ""]], "cp1250"
    )
    before = await counts()
    response = await upload(client, gdansk, head + stray, site="gdansk")
    assert response.status_code == 422, response.text
    report = response.json()
    assert report["file"]["encoding"] == "UTF-8"
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(3, None)]
    assert "UTF-8" in report["problems"][0]["message"]
    assert await counts() == before


async def test_values_without_a_header_are_not_dropped_silently(client, world, gdansk, polish_rows):
    rows = [list(row) for row in polish_rows]
    rows[0].append("")
    rows[1].append("")
    rows[2].append("a note nobody would import")
    response = await upload(client, gdansk, csv_bytes(rows), site="gdansk", dry_run=1)
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert (problem["row"], problem["column"]) == (3, None)
    assert "column O" in problem["message"]


async def test_a_replayed_commit_is_rebuilt_from_the_database_without_a_copy_of_it(
    client, world, gdansk, polish_rows
):
    """The key's record holds counts by reference, no row of the file; the replay agrees."""
    import hashlib

    from civicfutures.db.tables import IdempotencyKey

    data = csv_bytes(polish_rows)
    keyed = {**gdansk, "Idempotency-Key": "import-by-reference"}
    first = await upload(client, keyed, data, site="gdansk")
    assert first.status_code == 201, first.text
    record = await IdempotencyKey.select().first()
    assert set(record) == {
        "id",
        "scope",
        "key",
        "fingerprint",
        "status_code",
        "resource_type",
        "resource_id",
        "answer_sha256",
        "created_at",
    }
    created = first.json()["created"]
    counted = ("workshops", "storytellers", "stories", "translations", "codings")
    assert created["stories"] == 2
    assert record["resource_type"] == "import"
    assert record["resource_id"] == ",".join(str(created[name]) for name in counted)
    assert record["answer_sha256"] == hashlib.sha256(first.content).hexdigest()
    second = await upload(client, keyed, data, site="gdansk")
    assert second.status_code == 201
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.json() == first.json()


async def test_a_replayed_commit_after_an_erasure_is_gone(
    client, world, gdansk, admin, polish_rows
):
    """Old behaviour: the stored answer came back (201) after the storyteller was erased."""
    data = csv_bytes(polish_rows)
    keyed = {**gdansk, "Idempotency-Key": "import-then-erase"}
    first = await upload(client, keyed, data, site="gdansk")
    assert first.status_code == 201, first.text
    teller = await Storyteller.select(Storyteller.id).where(Storyteller.code == "GDA-NEW-7").first()
    erased = await client.delete(f"/api/v1/storytellers/{teller['id']}", headers=admin)
    assert erased.status_code == 204, erased.text
    again = await upload(client, {**keyed, "Accept-Language": "pl"}, data, site="gdansk")
    assert again.status_code == 410, again.text
    assert again.json()["errors"][0]["field"] == "Idempotency-Key"
    assert "wycofane lub usunięte" in again.json()["detail"]
    assert await Story.count() == 1
