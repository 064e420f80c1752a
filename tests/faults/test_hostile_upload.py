"""A spreadsheet whose one cell sits at XFD1048576, posted to the real server: it is refused and
the process is still there and answering (the reader would have asked for 512 GiB and aborted)."""

import csv
import io

import httpx
import pytest

from faults.support import Seed, environment, serve
from imports.bombs import far_cell

pytestmark = pytest.mark.faults

HEADER = ["Site", "Workshop date", "Workshop type", "Storyteller code", "Consent version",
          "Consent scopes", "Story type", "Story language", "Title", "Story"]  # fmt: skip


def _stories() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerow(
        ["gdansk", "2026-02-01", "storytelling", "HOSTILE-1", "2025-01", "research", "present",
         "pl", "Po ataku", "Serwer wciąż odpowiada mieszkańcom."]
    )  # fmt: skip
    return out.getvalue().encode()


def _upload(url: str, auth: dict[str, str], data: bytes, name: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/imports",
        params={"project": "euarenas-futures", "site": "gdansk", "filename": name, "dry_run": "1"},
        content=data,
        headers={**auth, "Content-Type": "application/octet-stream"},
        timeout=60,
    )


def test_the_server_survives_a_sheet_reaching_xfd1048576(fault_database: Seed, tmp_path):
    env = environment(fault_database.url, tmp_path)
    with serve(fault_database.url, tmp_path, fault_database.token, env) as served:
        refused = _upload(served.url, served.auth, far_cell("XFD1048576"), "far.xlsx")
        assert refused.status_code == 422, refused.text
        assert "more than 100,000 rows" in refused.json()["problems"][0]["message"]
        assert served.process.poll() is None
        assert httpx.get(f"{served.url}/health", timeout=10).status_code == 200
        normal = _upload(served.url, served.auth, _stories(), "stories.csv")
        assert normal.status_code == 200, normal.text
        assert normal.json()["created"]["stories"] == 1
