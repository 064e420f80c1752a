"""The `civicfutures` command, run as users run it: the installed console script."""

import os
import subprocess
import sys
from pathlib import Path

from civicfutures.db.tables import Project, Story, Storyteller, User


def civicfutures(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("civicfutures")
    result = subprocess.run(
        [str(script), *args], capture_output=True, text=True, env=os.environ.copy(), timeout=120
    )
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


async def test_migrate_is_idempotent():
    assert "migrations applied" in civicfutures("migrate").stdout
    assert "migrations applied" in civicfutures("migrate").stdout


async def test_demo_loads_the_shipped_project_once(demo):
    # The fixture loaded it through the services; the command finds it and adds nothing.
    assert "already present" in civicfutures("demo").stdout
    assert await Project.count() == 1
    assert await Story.count() == len(demo["stories"])
    assert await Storyteller.count() == len(demo["storytellers"])
    assert await User.exists().where(User.email == "gdansk@demo.civicfutures.eu")


async def test_users_and_tokens_from_the_shell(client, world):
    created = civicfutures(
        "users", "create", "Partner@Gdansk.example", "--role", "partner", "--site", "gdansk"
    )
    assert "partner" in created.stdout
    token = (
        civicfutures("tokens", "create", "partner@gdansk.example", "--expires-days", "7")
        .stdout.strip()
        .splitlines()[-1]
    )
    assert token.startswith("cf_")
    listed = civicfutures("tokens", "list", "--email", "PARTNER@gdansk.example").stdout
    fields = listed.strip().split("\t")
    assert (fields[1], fields[2], fields[5]) == ("partner@gdansk.example", "-", "active")
    assert token not in listed
    sites = await client.get("/api/v1/sites", headers={"Authorization": f"Bearer {token}"})
    assert [site["slug"] for site in sites.json()] == ["gdansk"]
    assert civicfutures("tokens", "revoke", token).stdout.strip() == "revoked"
    everyone = civicfutures("tokens", "list").stdout.splitlines()
    assert everyone[0].startswith(fields[0] + "\t") and everyone[0].endswith("\trevoked")
    assert len(everyone) == 2  # the world's admin token too, still active
    assert everyone[1].endswith("\tactive")
    bad = civicfutures(
        "users", "create", "x@example.org", "--role", "partner", "--site", "atlantis", check=False
    )
    assert bad.returncode == 1
    assert "atlantis" in bad.stderr
    assert "Traceback" not in bad.stderr


async def test_backup_and_restore_round_trip(client, admin, world, tmp_path):
    from builders import story_body

    kept = await client.post(
        "/api/v1/stories", json=story_body(world, title="Zostaje"), headers=admin
    )
    assert kept.status_code == 201
    civicfutures("backup", str(tmp_path / "before.backup"))
    later = await client.post(
        "/api/v1/stories", json=story_body(world, title="Zniknie"), headers=admin
    )
    assert later.status_code == 201
    assert await Story.count() == 2
    from civicfutures.db.lifecycle import close_database, open_database

    # Let the restore replace tables without our pool holding them.
    await close_database()
    try:
        civicfutures("restore", "--yes", str(tmp_path / "before.backup"))
    finally:
        await open_database()
    titles = [row["title"] for row in await Story.select(Story.title)]
    assert titles == ["Zostaje"]
