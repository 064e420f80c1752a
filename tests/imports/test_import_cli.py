"""`civicfutures import`, run as an operator runs it: the installed console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from civicfutures.db.tables import Story
from imports.spreadsheets import csv_bytes, xlsx_by_xlsxwriter


def civicfutures(*args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("civicfutures")
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, env=os.environ.copy(), timeout=120
    )


async def test_dry_run_then_import_from_the_shell(world, polish_rows, tmp_path):
    broken = [list(row) for row in polish_rows]
    broken[1][8] = "polski"
    bad = tmp_path / "broken.csv"
    bad.write_bytes(csv_bytes(broken, "cp1250", ";"))
    refused = civicfutures("import", str(bad), "--project", "futures", "--site", "gdansk")
    assert refused.returncode == 1, refused.stderr
    assert "Język historii" in refused.stdout and "polski" in refused.stdout
    assert "nothing was imported" in refused.stdout.splitlines()[-1]

    good = tmp_path / "historie.xlsx"
    good.write_bytes(xlsx_by_xlsxwriter(polish_rows))
    checked = civicfutures(
        "import", str(good), "--project", "futures", "--site", "gdansk", "--dry-run"
    )
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert checked.stdout.splitlines()[-1].startswith("Ready to import: 2 new stories")
    assert "reading" in checked.stderr  # the progress bar
    assert await Story.count() == 0
    done = civicfutures("import", str(good), "--project", "futures", "--site", "gdansk")
    assert done.returncode == 0, done.stderr + done.stdout
    assert done.stdout.splitlines()[-1].startswith("Imported 2 new stories")
    assert await Story.count() == 2
