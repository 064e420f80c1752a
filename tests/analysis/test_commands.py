"""The analysis commands, run in a separate process the way the shell runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import polars as pl
import pytest

from civicfutures.analysis.suite import INSIGHTS, KINDS

# The database is emptied before any other fixture writes to it.
pytestmark = pytest.mark.usefixtures("database")


def command(name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    code = f"import sys; from civicfutures.cli.analysis import {name}; {name}.main(sys.argv[1:])"
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


@pytest.fixture
async def stories(client, admin, world) -> dict:
    from builders import story_body

    for site in ("gdansk", "voru"):
        response = await client.post("/api/v1/stories", json=story_body(world, site), headers=admin)
        assert response.status_code == 201, response.text
    return world


async def test_snapshot_prints_its_id_last(stories) -> None:
    from civicfutures.analysis.snapshot import build_snapshot
    from civicfutures.settings import get_settings

    exports = get_settings().exports_dir
    lines = command("snapshot", "--project", "futures").stdout.strip().splitlines()
    assert lines[0].startswith("written")
    again = await build_snapshot("futures", exports)
    assert (lines[-1], again.created) == (again.id, False)
    assert (exports / "snapshots" / lines[-1] / "manifest.json").exists()


async def test_analyse_writes_a_file(stories, tmp_path) -> None:
    out = tmp_path / "prevalence.csv"
    result = command(
        "analyse",
        "prevalence",
        "--project",
        "futures",
        "--by",
        "country",
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert result.stdout.strip().splitlines()[-1] == str(out)
    table = pl.read_csv(out)
    assert sorted(set(table["group"])) == ["EE", "PL"]


async def test_analyse_to_stdout_unsuppressed(stories) -> None:
    result = command("analyse", "prevalence", "--project", "futures", "--unsuppressed")
    body = json.loads(result.stdout)
    assert body["disclosure"]["suppression"] == "none"
    assert {r["stories"] for r in body["rows"] if r["theme"] == "youth_voice"} == {1}


async def test_analyse_reports_bad_input_without_a_traceback(stories) -> None:
    result = command(
        "analyse", "prevalence", "--project", "futures", "--by", "shoe_size", check=False
    )
    assert result.returncode == 1
    assert "by: “shoe_size” is not a grouping: choose one of site," in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", [kind for kind in KINDS if "by" not in INSIGHTS[kind].parameters])
async def test_analyse_refuses_a_grouping_the_kind_ignores(stories, kind) -> None:
    result = command(
        "analyse", kind, "--project", "futures", "--by", "country", "--lang", "pl", check=False
    )
    assert result.returncode == 1
    assert f"by: Analiza {kind} nie przyjmuje parametru „by”." in result.stderr
    assert "Traceback" not in result.stderr
