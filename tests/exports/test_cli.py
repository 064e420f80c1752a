"""`civicfutures export`, run as users run it: the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyreadstat

from builders import checkout_env


def civicfutures(*args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("civicfutures")
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, env=checkout_env(), timeout=120
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


async def test_out_to_a_missing_folder_creates_it_and_never_overwrites(demo, tmp_path):
    folder = tmp_path / "exports" / "april"
    written = []
    for _ in range(2):
        done = civicfutures("export", "dta", "--project", "euarenas-futures", "--out", str(folder))
        assert done.returncode == 0, done.stderr
        written.append(Path(done.stdout.strip().splitlines()[-1]))
    assert written == [
        folder / "euarenas-futures-en-dta.dta",
        folder / "euarenas-futures-en-dta-2.dta",
    ]
    assert sorted(p.name for p in folder.iterdir()) == [
        "euarenas-futures-en-dta-2.dta",
        "euarenas-futures-en-dta-2.dta.notes.json",
        "euarenas-futures-en-dta.dta",
        "euarenas-futures-en-dta.dta.notes.json",
    ]

    named = tmp_path / "deliveries" / "city.dta"
    done = civicfutures("export", "dta", "--project", "euarenas-futures", "--out", str(named))
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip().splitlines()[-1]) == named and named.is_file()
    before = named.read_bytes()
    refused = civicfutures("export", "dta", "--project", "euarenas-futures", "--out", str(named))
    assert refused.returncode == 1
    assert f"{named} exists already" in refused.stderr
    assert named.read_bytes() == before

    blocked = tmp_path / "taken"
    blocked.write_text("mine", encoding="utf-8")
    refused = civicfutures(
        "export", "dta", "--project", "euarenas-futures", "--out", str(blocked / "inside")
    )
    assert refused.returncode == 1 and "a file is in the way" in refused.stderr
    assert blocked.read_text(encoding="utf-8") == "mine"
