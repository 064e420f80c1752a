"""Fixtures of the job tests: the import's rows, for jobs that import them."""

from __future__ import annotations

from imports.conftest import polish_rows  # noqa: F401
