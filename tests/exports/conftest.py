"""Helpers of the export tests: download an export through the API into a temporary file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

Download = Callable[..., Awaitable[tuple[httpx.Response, Path]]]


@pytest.fixture
def download(client, tmp_path) -> Download:
    """GET an export with the given headers; returns the response and the saved file."""

    async def get(kind: str, headers: dict[str, str], **params: str) -> tuple[httpx.Response, Path]:
        params.setdefault("project", "euarenas-futures")
        response = await client.get(f"/api/v1/exports/{kind}", params=params, headers=headers)
        name = response.headers.get("content-disposition", "x").split("filename=")[-1].strip('"')
        path = tmp_path / name
        path.write_bytes(response.content)
        return response, path

    return get
