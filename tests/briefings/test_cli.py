"""`civicfutures briefing build` as a user runs it: a Võro briefing, Estonian CLDR formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from builders import story_body


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
