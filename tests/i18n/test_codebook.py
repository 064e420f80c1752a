"""The codebook's labels as data: missing labels per language, PO export and import for translators."""

import io
import os
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from civicfutures.db.tables import AuditEvent, Outcome, Theme
from civicfutures.i18n.codebook import codebook_coverage, export_codebook, import_codebook

DEMO = "euarenas-futures"


ROOT = Path(__file__).resolve().parents[2]


def civicfutures(*args: str, expect: int = 0) -> subprocess.CompletedProcess:
    # This checkout's code, whichever checkout the shared environment was installed from.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "platform")}
    result = subprocess.run(
        [sys.executable, "-m", "civicfutures.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == expect, result.stderr + result.stdout
    return result


async def drop_text(table, key: str, field: str, language: str) -> None:
    """Remove one language's text of one theme or outcome, as a codebook with a gap."""
    column = getattr(table, field)
    row = await table.select(column).where(table.key == key).output(load_json=True).first()
    texts = {tag: text for tag, text in row[field].items() if tag != language}
    await table.update({column: texts}).where(table.key == key)


async def test_missing_labels_per_language_in_the_api(client, token_for, demo):
    reader = await token_for("researcher")
    response = await client.get(f"/api/v1/themes/missing-labels?project={DEMO}", headers=reader)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["themes"] == len(demo["themes"]) and body["outcomes"] == len(demo["outcomes"])
    by_language = {entry["language"]: entry for entry in body["languages"]}
    # The demo codebook is complete in every language its sites declare, Russian for Võru too.
    assert {"en", "pl", "et", "vro", "ru", "it", "uk", "ar"} <= set(by_language)
    assert all(by_language[tag]["complete"] for tag in ("en", "pl", "et", "vro", "ru", "uk", "ar"))
    theme, outcome = demo["themes"][2]["key"], demo["outcomes"][1]["key"]
    await drop_text(Theme, theme, "labels", "vro")
    await drop_text(Outcome, outcome, "descriptions", "ar")
    body = (
        await client.get(f"/api/v1/themes/missing-labels?project={DEMO}", headers=reader)
    ).json()
    by_language = {entry["language"]: entry for entry in body["languages"]}
    assert by_language["vro"]["missing_labels"] == [theme] and not by_language["vro"]["complete"]
    assert by_language["ar"]["missing_outcome_descriptions"] == [outcome]
    assert by_language["ar"]["missing_outcome_labels"] == [] and not by_language["ar"]["complete"]
    assert by_language["pl"]["missing_labels"] == [] and by_language["en"]["complete"]
    only = await client.get(
        f"/api/v1/themes/missing-labels?project={DEMO}&lang=vro&lang=ru", headers=reader
    )
    assert [entry["language"] for entry in only.json()["languages"]] == ["vro", "ru"]
    assert (await client.get(f"/api/v1/themes/missing-labels?project={DEMO}")).status_code == 401


async def test_missing_labels_page(client, sign_in, demo):
    missing = demo["themes"][1]
    await drop_text(Theme, missing["key"], "labels", "vro")
    await sign_in("partner", "voru", lang="et")
    page = await client.get(f"/vro/projects/{DEMO}/codebook")
    assert page.status_code == 200
    assert f"<code>{missing['key']}</code>" in page.text
    assert f'<span lang="et" dir="ltr">{missing["labels"]["et"]}</span>' in page.text


async def test_export_then_import_round_trip(demo):
    missing, present = demo["themes"][1], demo["themes"][0]
    await drop_text(Theme, missing["key"], "labels", "vro")
    exported = read_po(io.BytesIO(await export_codebook(DEMO, "vro")))
    assert exported.locale_identifier == "vro"
    by_context = {m.context: m for m in exported if m.id}
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


async def test_check_codebook_from_the_shell(demo):
    complete = civicfutures("translations", "check", "--codebook", "--project", DEMO)
    assert "codebooks complete" in complete.stdout
    theme, outcome = demo["themes"][3]["key"], demo["outcomes"][0]["key"]
    await drop_text(Theme, theme, "descriptions", "ru")
    await drop_text(Outcome, outcome, "labels", "vro")
    gaps = civicfutures("translations", "check", "--codebook", expect=1)
    assert f"{DEMO} [ru]: 1 theme descriptions missing: {theme}" in gaps.stderr
    assert f"{DEMO} [vro]: 1 outcome labels missing: {outcome}" in gaps.stderr
    # Only the languages the sites declare are required: no French gap is reported.
    assert "[fr]" not in gaps.stderr
