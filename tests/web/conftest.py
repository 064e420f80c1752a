"""Fixtures of the shared web layer's tests: the demo project with its accounts."""

from __future__ import annotations

import pytest


@pytest.fixture
async def demo_project() -> str:
    """The demo project and one account per role (`civicfutures.demo.accounts`); its slug."""
    from civicfutures.demo.accounts import load_demo_with_users

    return (await load_demo_with_users()).project
