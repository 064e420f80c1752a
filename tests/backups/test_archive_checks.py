"""What `civicfutures restore` refuses before touching anything, and the older backups (the
bare database file) it still reads."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

from builders import checkout_env, story_body

ROOT = Path(__file__).resolve().parents[2]


def civicfutures(*args: str) -> subprocess.CompletedProcess:
    command = Path(sys.executable).with_name("civicfutures")
    return subprocess.run(
        [str(command), *args],
        capture_output=True,
        text=True,
        env=checkout_env(),
        timeout=300,
        cwd=ROOT,
    )


def forged(path: Path, engine: str, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as archive:
        for name, data in {
            "manifest.json": json.dumps({"format": 1, "engine": engine}).encode(),
            **members,
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


async def _titles() -> list[str]:
    from civicfutures.db.tables import Story

    return [row["title"] for row in await Story.select(Story.title)]


async def test_names_outside_the_store_or_folder_are_refused_before_anything_changes(
    client, admin, world, engine_name, tmp_path
):
    from civicfutures.backups.archive import DATABASE
    from civicfutures.settings import get_settings

    added = await client.post(
        "/api/v1/stories", json=story_body(world, title="Stays"), headers=admin
    )
    assert added.status_code == 201
    database = DATABASE[engine_name]
    outside = get_settings().exports_dir.parent / "escaped.txt"
    cases = {
        "exports/../escaped.txt": "outside its folder",
        "storage/../escaped.txt": "bad storage key",
        "storage//etc/passwd": "bad storage key",
        "elsewhere.txt": "unknown file",
    }
    for name, message in cases.items():
        backup = forged(tmp_path / "forged.backup", engine_name, {database: b"x", name: b"x"})
        result = civicfutures("restore", "--yes", str(backup))
        assert result.returncode == 1, name
        assert message in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.stderr
    linked = tmp_path / "linked.backup"
    forged(linked, engine_name, {database: b"x"})
    with tarfile.open(linked, "a") as archive:
        link = tarfile.TarInfo("exports/passwd")
        link.type = tarfile.LNKTYPE
        link.linkname = "/etc/passwd"
        archive.addfile(link)
    result = civicfutures("restore", "--yes", str(linked))
    assert result.returncode == 1 and "to no earlier file" in result.stderr, result.stderr
    assert not (get_settings().exports_dir / "passwd").exists()
    assert not outside.exists()
    assert await _titles() == ["Stays"]


async def test_a_backup_of_the_other_engine_or_format_is_refused(engine_name, tmp_path):
    from civicfutures.backups.archive import DATABASE

    other = "postgresql" if engine_name == "sqlite" else "sqlite"
    backup = forged(tmp_path / "other.backup", other, {DATABASE[other]: b"x"})
    result = civicfutures("restore", "--yes", str(backup))
    assert result.returncode == 1
    assert f"the backup holds a {other} database" in result.stderr
    with tarfile.open(tmp_path / "future.backup", "w") as archive:
        data = json.dumps({"format": 99, "engine": engine_name}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    result = civicfutures("restore", "--yes", str(tmp_path / "future.backup"))
    assert result.returncode == 1 and "unknown backup format" in result.stderr


async def test_an_older_backup_of_the_database_alone_still_restores(client, admin, world, tmp_path):
    from civicfutures.db.backup import backup
    from civicfutures.db.lifecycle import close_database, open_database
    from civicfutures.settings import get_settings

    kept = await client.post("/api/v1/stories", json=story_body(world, title="Old"), headers=admin)
    assert kept.status_code == 201
    bare = backup(get_settings(), tmp_path / "database-only.backup")
    later = await client.post("/api/v1/stories", json=story_body(world, title="New"), headers=admin)
    assert later.status_code == 201
    await close_database()
    try:
        result = civicfutures("restore", "--yes", str(bare))
    finally:
        await open_database()
    assert result.returncode == 0, result.stderr
    assert "0 stored objects" in result.stdout
    assert await _titles() == ["Old"]
