"""What a briefing covers and how it is published: the request, and its resolved, canonical form."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from civicfutures.analysis.params import DEFAULT_STATUSES, AnalysisParams
from civicfutures.intake.schemas import LanguageTag, Slug

# Bumped when the content or layout of briefings changes, so old ids are not reused for new bytes.
BRIEFING_FORMAT = 3
# The author's texts: a summary fits one printed page, recommendations about two.
SUMMARY_LIMIT = 4_000
RECOMMENDATIONS_LIMIT = 8_000


class BriefingIn(
    msgspec.Struct,
    forbid_unknown_fields=True,
    kw_only=True,
    rename={"date_from": "from", "date_to": "to"},
):
    """`POST /api/v1/briefings`: a local briefing (`site`) or a cross-site one (no site)."""

    project: Slug
    site: Slug | None = None
    language: LanguageTag | None = None
    """Default: the site's first language (local) or the project's default language."""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    # At most a project's largest k: the perturbation table grows with k.
    suppression: Annotated[int, Meta(ge=0, le=1000)] | None = None
    """Disclosure threshold k; default the project's. Below the project's k (0 = off) needs the
    right to publish unsuppressed tables."""
    summary: str | None = None
    """The author's summary, paragraphs separated by blank lines; default: drafted from the
    agreed insights."""
    recommendations: str | None = None
    """The author's recommendations; none: the briefing has no such section."""


@dataclass(frozen=True)
class BriefingParams:
    """A briefing request resolved against its project: every default filled in."""

    project: str
    site: str | None
    language: str
    date_from: dt.date | None
    date_to: dt.date | None
    k: int
    """Cells resting on fewer than k storytellers are suppressed; 0 publishes them all."""
    summary: str | None = None
    """The author's summary as given (None: drafted from the insights when inputs are read).
    Author texts are hashed with the inputs, not listed among the parameters."""
    recommendations: str = ""

    @property
    def local(self) -> bool:
        return self.site is not None

    @property
    def suppressed(self) -> bool:
        return self.k > 0

    def canonical(self) -> dict[str, Any]:
        """The parameters as recorded in the manifest (and hashed into the id)."""
        return {
            "project": self.project,
            "site": self.site,
            "language": self.language,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "suppression": self.k,
            "statuses": list(DEFAULT_STATUSES),
            "presence": "any",
            "format": BRIEFING_FORMAT,
        }

    def analysis(
        self, *, sites: tuple[str, ...] | None = None, by: str | None = None
    ) -> AnalysisParams:
        """The analysis request for this briefing's scope (or the given sites)."""
        return AnalysisParams(
            by=by,
            sites=sites if sites is not None else ((self.site,) if self.site else ()),
            date_from=self.date_from,
            date_to=self.date_to,
            k=self.k or None,
            unsuppressed=self.k == 0,
        )


# Characters XML 1.0 cannot hold (C0 controls but tab and line ends, lone surrogates, U+FFFE/F).
# Invisible in any text, they would stop the Word and XML files of a briefing being written.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """The text without the characters XML cannot hold; every other character kept."""
    return _NOT_XML.sub("", text)


def author_text(value: str | None) -> str | None:
    """A text from a form or a request in one canonical form: the same words give the same
    briefing whether typed in a browser (CRLF line ends) or sent by the API."""
    if value is None:
        return None
    value = xml_text(value.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in value.split("\n")]
    return "\n".join(lines).strip()


def paragraphs(text: str) -> list[str]:
    """An author's text as paragraphs: blank lines separate them, single line ends do not."""
    blocks = [" ".join(block.split()) for block in text.split("\n\n")]
    return [block for block in blocks if block]


def canonical_json(value: Any) -> bytes:
    """JSON with sorted keys and no whitespace variation: the form that gets hashed."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def briefing_id(snapshot_id: str, params: BriefingParams, curation_digest: str) -> str:
    """Same snapshot, curation and parameters → same id (24 hex digits of a sha256)."""
    material = canonical_json(
        {"snapshot": snapshot_id, "params": params.canonical(), "curation": curation_digest}
    )
    return hashlib.sha256(material).hexdigest()[:24]
