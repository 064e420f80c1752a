"""The parameters of an analysis request, validated once before any plan is built."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, fields

from civicfutures.errors import FieldError, InvalidInput
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_list

# Groupings that are not demographic attributes; any other `by` names a demographic attribute.
STRUCTURAL_BY = ("site", "country", "project", "story_kind", "workshop_kind")
STORY_KINDS = ("present", "future")
LINK_VIA = ("storyteller", "workshop")
DEFAULT_STATUSES = ("submitted", "reviewed")

# Fields that every analysis reads: which stories are in scope and how cells are published.
SCOPE_FIELDS = ("sites", "countries", "story_kind", "date_from", "date_to", "statuses")
DISCLOSURE_FIELDS = ("k", "unsuppressed")
# Where a client calls a field by another name (the query string and the command line).
CLIENT_NAMES = {"date_from": "from", "date_to": "to"}


@dataclass(frozen=True)
class AnalysisParams:
    """What to analyse and how; every field has a default so `AnalysisParams()` is a valid request."""

    by: str | None = None
    """Grouping: site, country, project, story_kind, workshop_kind or a demographic attribute."""
    sites: tuple[str, ...] = ()
    """Site slugs to keep (empty: all)."""
    countries: tuple[str, ...] = ()
    """ISO 3166-1 alpha-2 codes to keep (empty: all)."""
    story_kind: str | None = None
    """`present` or `future` (None: both)."""
    date_from: dt.date | None = None
    """Earliest workshop date kept (inclusive)."""
    date_to: dt.date | None = None
    """Latest workshop date kept (inclusive)."""
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    """Story statuses analysed; drafts are left out unless asked for."""
    presence: str = "any"
    """When a theme counts as present in a story: `any` coder, a `majority` of the story's
    coders, or one chosen coder as `coder:<name>`."""
    via: str = "storyteller"
    """Links: join present and future stories by the same `storyteller` or the same `workshop`."""
    coders: tuple[str, ...] = ()
    """Agreement: the coders compared (empty: every coder in scope)."""
    permutations: int = 9999
    """Monte-Carlo permutation test: number of simulated tables."""
    seed: int = 20250315
    """Seed of the permutation test: the same request gives the same p-values."""
    alpha: float = 0.05
    """Significance level used to flag distinctive themes."""
    near_duplicate_threshold: float = 0.8
    """Quality: word-shingle Jaccard similarity from which two stories are near-duplicates."""
    detect_language: bool = True
    """Quality: compare declared with detected language (slow on very large corpora)."""
    near_duplicates: bool = True
    """Quality: look for near-duplicate stories."""
    k: int | None = None
    """Disclosure threshold; None takes the project's."""
    unsuppressed: bool = False
    """Publish small cells as they are; the caller checks the right to ask for this."""

    @property
    def scope(self) -> tuple:
        """The fields that choose which stories are analysed (a key for sharing them)."""
        return (
            self.sites, self.countries, self.story_kind, self.date_from, self.date_to,
            self.statuses,
        )  # fmt: skip

    def validate(self, demographic_attributes: list[str] | None = None) -> AnalysisParams:
        """Raise InvalidInput listing every bad field; return self for chaining."""
        errors: list[FieldError] = []
        if self.by is not None and self.by not in STRUCTURAL_BY:
            known = demographic_attributes or []
            if self.by not in known:
                choices = format_list([*STRUCTURAL_BY, *known], "or")
                errors.append(
                    FieldError(
                        "by",
                        _("“{value}” is not a grouping: choose one of {choices}.").format(
                            value=self.by, choices=choices
                        ),
                    )
                )
        if self.story_kind is not None and self.story_kind not in STORY_KINDS:
            errors.append(FieldError("story_kind", _("Choose present or future.")))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            errors.append(FieldError("from", _("The first date must not be after the last.")))
        if not (
            self.presence in ("any", "majority")
            or (self.presence.startswith("coder:") and len(self.presence) > len("coder:"))
        ):
            errors.append(FieldError("presence", _("Choose any, majority or coder:<name>.")))
        if self.via not in LINK_VIA:
            errors.append(FieldError("via", _("Choose storyteller or workshop.")))
        if self.permutations < 99:
            errors.append(FieldError("permutations", _("Must be at least {n}.").format(n=99)))
        if not 0 < self.alpha < 1:
            errors.append(FieldError("alpha", _("Enter a number between 0 and 1.")))
        if not 0 < self.near_duplicate_threshold <= 1:
            errors.append(
                FieldError("near_duplicate_threshold", _("Enter a number above 0 and at most 1."))
            )
        if self.k is not None and self.k < 1:
            errors.append(FieldError("k", _("Must be at least {n}.").format(n=1)))
        if errors:
            raise InvalidInput(_("The analysis cannot run with these parameters."), errors)
        return self


def client_name(field_name: str) -> str:
    """The name a client uses for a field (`date_from` is `from`)."""
    return CLIENT_NAMES.get(field_name, field_name)


def unsupported(kind: str, params: AnalysisParams, reads: Collection[str]) -> list[FieldError]:
    """One error for each field set away from its default that analysis `kind` does not read.

    A parameter an analysis would ignore is refused: the table would not answer the question.
    """
    return [
        FieldError(
            client_name(f.name),
            _("The {kind} analysis does not take the parameter “{name}”.").format(
                kind=kind, name=client_name(f.name)
            ),
        )
        for f in fields(params)
        if f.name not in reads and getattr(params, f.name) != f.default
    ]
