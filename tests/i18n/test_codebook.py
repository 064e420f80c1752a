"""The codebook's labels as data: missing labels per language, PO export and import for translators."""

import io
import os
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from civicfutures.db.tables import AuditEvent, Theme
from civicfutures.i18n.codebook import codebook_coverage, export_codebook, import_codebook

DEMO = "euarenas-futures"


def civicfutures(*args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("civicfutures")
    result = subprocess.run(
        [str(script), *args], capture_output=True, text=True, env=os.environ.copy(), timeout=120
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return result


async def test_missing_labels_per_language_in_the_api(client, token_for, demo):
    reader = await token_for("researcher")
    response = await client.get(f"/api/v1/themes/missing-labels?project={DEMO}", headers=reader)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["themes"] == len(demo["themes"])
    by_language = {entry["language"]: entry for entry in body["languages"]}
    without_voro = sorted(t["key"] for t in demo["themes"] if not t["labels"].get("vro"))
    assert sorted(by_language["vro"]["missing_labels"]) == without_voro
    assert by_language["pl"]["missing_labels"] == [] and by_language["en"]["complete"]
    assert {"en", "pl", "et", "vro", "it", "uk", "ar"} <= set(by_language)
    only = await client.get(
        f"/api/v1/themes/missing-labels?project={DEMO}&lang=vro&lang=ru", headers=reader
    )
    assert [entry["language"] for entry in only.json()["languages"]] == ["vro", "ru"]
    assert (await client.get(f"/api/v1/themes/missing-labels?project={DEMO}")).status_code == 401


async def test_missing_labels_page(client, sign_in, demo):
    await sign_in("partner", "voru", lang="et")
    page = await client.get(f"/vro/projects/{DEMO}/codebook")
    assert page.status_code == 200
    missing = next(t for t in demo["themes"] if not t["labels"].get("vro"))
    assert f"<code>{missing['key']}</code>" in page.text
    assert f'<span lang="et" dir="ltr">{missing["labels"]["et"]}</span>' in page.text


async def test_export_then_import_round_trip(demo):
    exported = read_po(io.BytesIO(await export_codebook(DEMO, "vro")))
    assert exported.locale_identifier == "vro"
    by_context = {m.context: m for m in exported if m.id}
    missing = next(t for t in demo["themes"] if not t["labels"].get("vro"))
    present = next(t for t in demo["themes"] if t["labels"].get("vro"))
    entry = by_context[f"{missing['key']}|label"]
    assert entry.id == missing["labels"]["en"] and entry.string == ""
    assert any(comment.startswith("et: ") for comment in entry.auto_comments)
    assert by_context[f"{present['key']}|label"].string == present["labels"]["vro"]

    entry.string = "Vahtsõnõ võro silt"
    exported.add("Ghost", "Kummitus", context="no_such_theme|label")
    buffer = io.BytesIO()
    write_po(buffer, exported)
    summary = await import_codebook(DEMO, buffer.getvalue())
    assert (summary.language, summary.labels, summary.unknown_keys) == ("vro", 1, ["no_such_theme"])
    stored = (
        await Theme.select(Theme.labels)
        .where(Theme.key == missing["key"])
        .output(load_json=True)
        .first()
    )
    assert stored["labels"]["vro"] == "Vahtsõnõ võro silt"
    assert stored["labels"]["et"] == missing["labels"]["et"]
    assert (
        await AuditEvent.count().where(
            (AuditEvent.entity == "theme") & (AuditEvent.action == "update")
        )
        == 1
    )
    coverage = await codebook_coverage(DEMO, ["vro"])
    assert missing["key"] not in coverage.languages[0].missing_labels


async def test_codebook_export_and_import_from_the_shell(demo, tmp_path):
    target = tmp_path / "codebook-it.po"
    civicfutures(
        "translations", "codebook-export", "--project", DEMO, "--lang", "it", "--out", str(target)
    )
    catalog = read_po(target.open("rb"))
    first = demo["themes"][0]
    message = next(m for m in catalog if m.context == f"{first['key']}|label")
    assert message.string == first["labels"]["it"]
    message.string = "Giovani che si tengono in disparte"
    with target.open("wb") as handle:
        write_po(handle, catalog)
    result = civicfutures("translations", "codebook-import", str(target), "--project", DEMO)
    assert "1 labels" in result.stdout
    stored = (
        await Theme.select(Theme.labels)
        .where(Theme.key == first["key"])
        .output(load_json=True)
        .first()
    )
    assert stored["labels"]["it"] == "Giovani che si tengono in disparte"
