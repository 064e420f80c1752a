"""`manifest.json`: what a briefing was made from and the sha256 of every file it holds.

With the snapshot id, the curation digest, the parameters and the software versions, anyone
can rebuild the briefing and compare the hashes.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
SOFTWARE = (
    "civicfutures",
    "polars",
    "pyarrow",
    "altair",
    "vl-convert-python",
    "xlsxwriter",
    "babel",
    "jinja2",
    "msgspec",
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def software_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in SOFTWARE:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def content_files(directory: Path) -> list[Path]:
    """Every file of the briefing except the manifest itself, in a fixed order."""
    return sorted(
        (p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST),
        key=lambda p: p.relative_to(directory).as_posix(),
    )


def build_manifest(directory: Path, facts: dict[str, Any]) -> dict[str, Any]:
    files = [
        {
            "path": p.relative_to(directory).as_posix(),
            "sha256": sha256(p),
            "bytes": p.stat().st_size,
        }
        for p in content_files(directory)
    ]
    return {**facts, "software": software_versions(), "files": files}


def write_manifest(directory: Path, facts: dict[str, Any]) -> dict[str, Any]:
    manifest = build_manifest(directory, facts)
    (directory / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


def verify(directory: Path) -> list[str]:
    """The files whose bytes no longer match the manifest (empty when the briefing is intact)."""
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    return [
        entry["path"]
        for entry in manifest["files"]
        if not (directory / entry["path"]).is_file()
        or sha256(directory / entry["path"]) != entry["sha256"]
    ]
