"""`civicfutures briefing build` as a user runs it: a Võro briefing, Estonian CLDR formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from builders import checkout_env, story_body


async def test_the_command_builds_a_voro_briefing_and_prints_its_directory(
    client, admin, world, tmp_path
):
    body = story_body(
        world, "voru", body="Bussiliin kaotati ära. Keegi ei küsinud meie käest.", translations=[]
    )
    assert (await client.post("/api/v1/stories", json=body, headers=admin)).status_code == 201
    out = tmp_path / "voru-briefing"
    command = Path(sys.executable).parent / "civicfutures"
    result = subprocess.run(
        [
            str(command),
            "briefing",
            "build",
            "--project",
            "futures",
            "--site",
            "voru",
            "--lang",
            "vro",
            "--from",
            "2025-01-01",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(out.resolve())
    html = (out / "briefing.html").read_text(encoding="utf-8")
    assert '<html lang="vro" dir="ltr">' in html
    assert "Nuuri helü" in html  # the theme's Võro label, first in the fallback chain
    assert "15. märts 2025" in html  # dates in Estonian CLDR
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (
        manifest["parameters"] | {"from": "2025-01-01", "language": "vro", "site": "voru"}
        == manifest["parameters"]
    )


def _build(*args: str) -> subprocess.CompletedProcess:
    command = Path(sys.executable).parent / "civicfutures"
    return subprocess.run(
        [str(command), "briefing", "build", "--project", "futures", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=checkout_env(),
    )


async def test_out_creates_a_missing_folder_shows_progress_and_never_overwrites_another(
    client, admin, world, tmp_path
):
    from civicfutures.briefings.progress import step_label, steps
    from civicfutures.i18n import use_locale

    out = tmp_path / "reports" / "2025" / "gdansk"
    first = _build("--site", "gdansk", "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1] == str(out.resolve())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    total = len(steps())
    # Not a terminal: one line per step on stderr, in English although the briefing is in
    # Polish; stdout is left to the results.
    with use_locale("en"):
        expected = [f"[{n}/{total}] {step_label(key)}" for n, key in enumerate(steps(), start=1)]
    assert first.stderr.splitlines() == expected
    assert expected[2] == f"[3/{total}] Drawing the charts"

    again = _build("--site", "gdansk", "--out", str(out))  # the same briefing: rebuilt alike
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest

    other = _build("--site", "voru", "--out", str(out))
    assert other.returncode == 1
    assert "holds another briefing" in other.stderr and manifest["briefing"] in other.stderr
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest

    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine", encoding="utf-8")
    refused = _build("--site", "voru", "--out", str(a_file))
    # Click refuses a file given as the folder before anything is built (usage error: 2).
    assert refused.returncode == 2 and "is a file" in refused.stderr
    assert a_file.read_text(encoding="utf-8") == "mine"


async def test_the_summary_and_recommendations_come_from_files(client, admin, world, tmp_path):
    body = story_body(world, "gdansk")
    assert (await client.post("/api/v1/stories", json=body, headers=admin)).status_code == 201
    summary = tmp_path / "summary.txt"
    summary.write_text("Młodzi chcą być pytani.\n\nAutobusy kończą kursy za wcześnie.\n", "utf-8")
    recommendations = tmp_path / "recommendations.txt"
    recommendations.write_text("Nocne autobusy w weekendy.", encoding="utf-8")
    out = tmp_path / "gdansk"
    built = _build(
        "--site",
        "gdansk",
        "--summary",
        str(summary),
        "--recommendations",
        str(recommendations),
        "--out",
        str(out),
    )
    assert built.returncode == 0, built.stderr
    data = json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    by_key = {s["key"]: s for s in data["sections"]}
    assert [b["text"] for b in by_key["summary"]["blocks"]] == [
        "Młodzi chcą być pytani.",
        "Autobusy kończą kursy za wcześnie.",
    ]
    assert [b["text"] for b in by_key["recommendations"]["blocks"]] == [
        "Nocne autobusy w weekendy."
    ]
