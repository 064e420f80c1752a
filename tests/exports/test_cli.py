"""`civicfutures export`, run as users run it: the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyreadstat


def civicfutures(*args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("civicfutures")
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, env=os.environ.copy(), timeout=120
    )


async def test_export_writes_the_file_and_its_notes(demo, tmp_path):
    done = civicfutures(
        "export", "dta", "--project", "euarenas-futures", "--lang", "it", "--out", str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    written = Path(done.stdout.strip().splitlines()[-1])
    assert written == tmp_path / "euarenas-futures-it-dta.dta"
    _, meta = pyreadstat.read_dta(str(written), metadataonly=True, output_format="polars")
    assert meta.column_names_to_labels["t_youth_disengagement"] == "Disimpegno dei giovani"
    notes = json.loads(written.with_name(written.name + ".notes.json").read_text("utf-8"))
    assert notes["excluded"]["consent"] == 2 and notes["snapshot_id"]
