"""The Dockerfile runs as a non-root user, installs from the lock alone, checks liveness."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parent.parent / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            found.append((keyword.upper(), arguments.strip()))
    return found


def test_the_server_runs_as_a_non_root_user():
    users = [arguments for keyword, arguments in instructions() if keyword == "USER"]
    assert users, "no USER instruction: the container would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    keywords = [keyword for keyword, _ in instructions()]
    assert keywords.index("CMD") > max(i for i, k in enumerate(keywords) if k == "USER")


def test_packages_come_from_the_lock_alone():
    steps = instructions()
    copied = [shlex.split(a) for k, a in steps if k == "COPY"]
    assert any("uv.lock" in sources for sources in copied)
    runs = " ".join(arguments for keyword, arguments in steps if keyword == "RUN")
    assert "uv export --frozen" in runs
    assert "--require-hashes" in runs
    # The project itself goes in last, without pulling anything the lock did not name.
    assert "pip install --no-cache-dir --no-deps ." in runs


def test_the_health_check_asks_liveness_only():
    checks = [arguments for keyword, arguments in instructions() if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "/health/live'" in checks[0]
