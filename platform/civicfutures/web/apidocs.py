"""The OpenAPI viewers at `/schema` (Scalar) and `/schema/swagger` (Swagger UI), served offline.

Their scripts and styles are the npm packages pinned in `static/vendor/vendor.json`, shipped in
the package and served under `/static/vendor/`; a viewer never loads anything from another host.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

VENDOR_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor"
VENDOR_URL = "/static/vendor"
FAVICON = "<link rel='icon' href='data:,'>"
# Scalar fetches web fonts from its own host unless told not to (the system fonts do), and
# offers hosted services (an AI agent, SDK generation) that this platform does not use.
SCALAR_OPTIONS = {
    "withDefaultFonts": False,
    "hideClientButton": True,
    "showDeveloperTools": "never",
    "agent": {"disabled": True},
    "telemetry": False,
}


@cache
def vendored(package: str) -> str:
    """The URL folder of a vendored npm package, at the version `vendor.json` pins."""
    manifest = json.loads((VENDOR_DIR / "vendor.json").read_text(encoding="utf-8"))
    version = manifest["packages"][package]["version"]
    return f"{VENDOR_URL}/{package.lstrip('@').replace('/', '-')}-{version}"


def openapi_config(title: str, version: str, description: str) -> OpenAPIConfig:
    swagger = vendored("swagger-ui-dist")
    return OpenAPIConfig(
        title=title,
        version=version,
        description=description,
        path="/schema",
        render_plugins=[
            ScalarRenderPlugin(
                js_url=f"{vendored('@scalar/api-reference')}/standalone.js",
                css_url=f"{VENDOR_URL}/scalar.css",
                favicon=FAVICON,
                options=SCALAR_OPTIONS,
            ),
            SwaggerRenderPlugin(
                path="/swagger",
                js_url=f"{swagger}/swagger-ui-bundle.js",
                css_url=f"{swagger}/swagger-ui.css",
                standalone_preset_js_url=f"{swagger}/swagger-ui-standalone-preset.js",
                favicon=FAVICON,
            ),
        ],
    )
