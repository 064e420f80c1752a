"""The codebook as REFI-QDA `.qdc` and as Taguette's CSV, through the API: the round trip into
an empty project gives the same codebook, a second import changes nothing, and a malformed or
hostile file is refused with the field or row named and nothing written."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from lxml import etree

from civicfutures.db.tables import AuditEvent, Theme

DEMO = "euarenas-futures"
XSD = Path(__file__).parents[1] / "exports" / "data" / "refi-qda-codebook.xsd"
NS = {"c": "urn:QDA-XML:codebook:1.0"}


def _without_guids(content: bytes) -> bytes:
    root = etree.fromstring(content)
    for code in root.iter("{urn:QDA-XML:codebook:1.0}Code"):
        del code.attrib["guid"]
    return etree.tostring(root)


async def _empty_project(client, headers, slug: str = "copy") -> None:
    answer = await client.post(
        "/api/v1/projects",
        json={"slug": slug, "name": "Copy", "default_language": "en"},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text


async def _export(client, headers, project: str, fmt: str, lang: str) -> bytes:
    answer = await client.get(
        f"/api/v1/projects/{project}/codebook?format={fmt}&lang={lang}", headers=headers
    )
    assert answer.status_code == 200, answer.text
    return answer.content


async def _import(client, headers, project: str, fmt: str, lang: str, content: bytes):
    return await client.post(
        f"/api/v1/projects/{project}/codebook?format={fmt}&lang={lang}",
        content=content,
        headers={**headers, "Content-Type": "application/octet-stream"},
    )


async def _nest_and_retire(client, admin) -> None:
    """Give the demo codebook a nested theme and a retired one, so the round trip carries both."""
    themes = (await client.get(f"/api/v1/themes?project={DEMO}", headers=admin)).json()
    parent, child, old = themes[0]["key"], themes[1]["key"], themes[2]["key"]
    answer = await client.patch(
        f"/api/v1/themes/{DEMO}/{child}", json={"parent": parent}, headers=admin
    )
    assert answer.status_code == 200, answer.text
    answer = await client.post(
        f"/api/v1/projects/{DEMO}/codebook/themes/{old}/retire",
        json={"retired": True},
        headers=admin,
    )
    assert answer.status_code == 200, answer.text


async def test_qdc_passes_the_schema_and_carries_nesting_keys_and_retirement(client, demo, admin):
    await _nest_and_retire(client, admin)
    content = await _export(client, admin, DEMO, "qdc", "pl")
    tree = etree.fromstring(content).getroottree()
    validator = etree.XMLSchema(etree.parse(str(XSD)))
    assert validator.validate(tree), validator.error_log
    codes = tree.findall(".//c:Code", NS)
    assert len(codes) == len(demo["themes"])
    first = demo["themes"][0]
    top = tree.find("c:Codes/c:Code", NS)
    assert top.get("name") == first["labels"]["pl"]
    assert top.find("c:Code", NS).get("name") == demo["themes"][1]["labels"]["pl"]
    assert top.findtext("c:Description", namespaces=NS).endswith(
        f"{first['key']} · Wyzwania dziś"
    ) or (
        top.findtext("c:Description", namespaces=NS)
        .splitlines()[-1]
        .startswith(first["key"] + " · ")
    )
    assert [c.get("isCodable") for c in codes].count("false") == 1


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("fmt", ["qdc", "csv"])
async def test_round_trip_into_an_empty_project_gives_the_same_codebook(
    client, demo, admin, token_for, fmt, lang
):
    await _nest_and_retire(client, admin)
    await _empty_project(client, admin)
    researcher = await token_for("researcher")
    first = await _export(client, researcher, DEMO, fmt, lang)
    answer = await _import(client, researcher, "copy", fmt, lang, first)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["created"]) == len(demo["themes"])
    again = await _export(client, researcher, "copy", fmt, lang)
    if fmt == "qdc":
        assert _without_guids(again) == _without_guids(first)
        copied = {
            row["key"] for row in await Theme.select(Theme.key).where(Theme.project.slug == "copy")
        }
        assert copied == {theme["key"] for theme in demo["themes"]}
    else:
        assert again == first
    # The same file once more: nothing created, nothing changed, nothing audited as changed.
    before = await AuditEvent.count().where(AuditEvent.entity == "theme")
    repeat = await _import(client, researcher, "copy", fmt, lang, first)
    assert repeat.status_code == 200, repeat.text
    assert (repeat.json()["created"], repeat.json()["updated"]) == ([], [])
    assert len(repeat.json()["unchanged"]) == len(demo["themes"])
    assert await AuditEvent.count().where(AuditEvent.entity == "theme") == before


async def test_taguette_csv_with_parents_after_children_and_a_tag_column(client, world, admin):
    content = (
        "tag,description,parent\r\n"
        "Bus lines,Buses that stopped running,Transport\r\n"
        "Transport,,\r\n"
        "Молодь,Голос молоді,\r\n"
    ).encode()
    answer = await _import(client, admin, "futures", "csv", "uk", content)
    assert answer.status_code == 200, answer.text
    created = answer.json()["created"]
    assert created[:2] == ["bus_lines", "transport"]
    assert created[2].startswith("theme_")
    rows = {
        row["key"]: row
        for row in await Theme.select(Theme.key, Theme.parent.key, Theme.labels, Theme.kind)
        .output(load_json=True)
        .where(Theme.key.is_in(created))
    }
    assert rows["bus_lines"]["parent.key"] == "transport"
    assert rows[created[2]]["labels"] == {"uk": "Молодь"}
    assert rows["transport"]["kind"] == "other"
    exported = await _export(client, admin, "futures", "csv", "uk")
    lines = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert lines[0] == ["name", "description", "parent"]
    assert ["Bus lines", "Buses that stopped running", "Transport"] in lines


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&lol2;" '
    b'isCodable="true"/></Codes></CodeBook>'
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&xxe;" '
    b'isCodable="true"/></Codes></CodeBook>'
)


def _qdc(*names: str) -> bytes:
    codes = "".join(f'<Code guid="x" name="{n}" isCodable="true"/>' for n in names)
    return (
        f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{codes}</Codes></CodeBook>'
    ).encode()


@pytest.mark.parametrize(
    ("fmt", "content", "field", "words"),
    [
        ("qdc", LAUGHS, "file", "entities"),
        ("qdc", XXE, "file", "entities"),
        ("qdc", b"<CodeBook><Codes>", "file", "XML"),
        ("qdc", b"<Project xmlns='urn:QDA-XML:project:1.0'/>", "file", ".qdc"),
        ("qdc", _qdc("Transport", "transport"), "rows.1.name", "row 1"),
        ("qdc", b"x" * 1_000_001, "file", "1 MB"),
        ("csv", b"name,description,parent\r\nA,,B\r\nB,,A\r\n", "rows.0.parent", "circle"),
        ("csv", b"name,description,parent\r\nA,,Nowhere\r\n", "rows.0.parent", "Nowhere"),
        ("csv", b"name,description,parent\r\nA,,\r\nA,,\r\n", "rows.1.name", "row 1"),
        ("csv", b"title,description\r\nA,\r\n", "name", "name"),
        ("csv", b"name\r\n\xff\xfe\r\n", "file", "UTF-8"),
        ("csv", b"", "file", "empty"),
        ("csv", b"name\r\n" + b"A" * 501 + b"\r\n", "rows.0.name", "500"),
    ],
)
async def test_a_bad_file_is_refused_naming_the_field_and_writes_nothing(
    client, world, admin, fmt, content, field, words
):
    themes_before = await Theme.count()
    events_before = await AuditEvent.count()
    answer = await _import(client, admin, "futures", fmt, "en", content)
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert errors[0]["field"] == field
    assert words.casefold() in errors[0]["message"].casefold()
    assert await Theme.count() == themes_before
    assert await AuditEvent.count() == events_before


async def test_a_body_past_the_request_limit_is_refused_before_it_is_read(client, world, admin):
    answer = await _import(client, admin, "futures", "csv", "en", b"name\r\n" + b"A" * 1_048_577)
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["field"] == "body"


async def test_the_error_speaks_the_callers_language(client, world, admin):
    answer = await client.post(
        "/api/v1/projects/futures/codebook?format=csv",
        content=b"name,description,parent\r\nA,,B\r\nB,,A\r\n",
        headers={**admin, "Accept-Language": "pl"},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["message"] == "Wiersz 1: tematy nadrzędne „A” tworzą pętlę."


async def test_an_unknown_format_is_refused(client, world, admin):
    answer = await client.get("/api/v1/projects/futures/codebook?format=xlsx", headers=admin)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "format"


async def test_an_import_that_changes_a_theme_audits_the_fields_it_changed(client, world, admin):
    content = b"name,description,parent\r\nYoung people unheard,Nobody asks them,\r\n"
    answer = await _import(client, admin, "futures", "csv", "en", content)
    assert answer.status_code == 200, answer.text
    assert answer.json()["updated"] == ["youth_voice"]
    event = (
        await AuditEvent.select(AuditEvent.detail, AuditEvent.before_hash)
        .output(load_json=True)
        .where((AuditEvent.entity == "theme") & (AuditEvent.action == "update"))
        .first()
    )
    assert event["detail"]["fields"] == ["descriptions.en"]
    assert event["before_hash"] != ""
