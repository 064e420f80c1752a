"""`GET /api/v1/themes/missing-labels`: which codebook labels each language still lacks."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import FromQuery, QueryParameter

from civicfutures.i18n.codebook import CodebookCoverage, codebook_coverage
from civicfutures.web.auth import readers


@get(
    "/api/v1/themes/missing-labels",
    guards=[readers],
    tags=["codebook"],
    summary="Codebook labels missing per language",
    description="Per language (the project's, its sites' and the interface's, or those named in `lang`), "
    "the theme keys without a label and without a description of their own.",
)
async def missing_labels(
    project: FromQuery[str],
    lang: Annotated[
        list[str] | None, QueryParameter(description="Languages to report (repeatable).")
    ] = None,
) -> CodebookCoverage:
    return await codebook_coverage(project, lang or None)
