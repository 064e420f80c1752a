"""The README documents every setting and every command: a new one without docs fails here."""

import re
from pathlib import Path

import click

from civicfutures.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SETTINGS = (Path(__file__).resolve().parent.parent / "platform/civicfutures/settings.py").read_text(
    encoding="utf-8"
)


def test_every_setting_is_documented():
    names = sorted(set(re.findall(r'"(CIVICFUTURES_[A-Z_]+)"', SETTINGS)))
    assert names, "no settings found"
    missing = [name for name in names if f"`{name}`" not in README]
    assert not missing, f"settings missing from README.md: {missing}"


def _commands(group: click.Group, prefix: str = "civicfutures") -> list[str]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found += _commands(command, path)
        else:
            found.append(path)
    return found


def test_every_command_is_documented():
    missing = [command for command in _commands(main) if command not in README]
    assert not missing, f"commands missing from README.md: {missing}"


def test_readme_gives_the_two_commands():
    assert "make demo" in README and "make test" in README
