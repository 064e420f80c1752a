"""The analysis explorer: the API's parameters as a form, the table as shown, its downloads.

No Litestar here. The form offers exactly what `GET /api/v1/analysis/{kind}` reads (checked
against `AnalysisRequest.parse` at import, so the two cannot drift); the table shown is the
service's table as it comes out of disclosure control, with theme labels in the page's
language beside the keys, and the downloads write that same table.
"""

from __future__ import annotations

import inspect
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from civicfutures.analysis import code_labels
from civicfutures.analysis.params import STORY_KINDS, STRUCTURAL_BY
from civicfutures.analysis.service import AnalysisRequest, AnalysisResult, AnalysisService
from civicfutures.analysis.suite import KINDS
from civicfutures.auth.actor import Actor
from civicfutures.db.tables import Project
from civicfutures.errors import FieldError, InvalidInput, NotFound
from civicfutures.exports.notes import ExportNotes
from civicfutures.exports.tabular import write_csv, write_parquet, write_xlsx
from civicfutures.i18n import gettext as _
from civicfutures.i18n.labels import LabelContext

SCOPE_FIELDS = ("project", "sites", "countries", "story_kind", "from", "to")
# Kinds whose plan reads the grouping; the others ignore it, so the form does not offer it.
GROUPED_KINDS = ("prevalence", "breakdown")
# Form names that differ from the keyword of `AnalysisRequest.parse`.
PARSE_NAMES = {"from": "date_from", "to": "date_to"}


def _check_fields() -> None:
    """Every field the form offers must be a parameter the API parses."""
    accepted = set(inspect.signature(AnalysisRequest.parse).parameters)
    for name in (*SCOPE_FIELDS, "by", "unsuppressed"):
        if PARSE_NAMES.get(name, name) not in accepted:
            raise RuntimeError(f"the explorer offers {name!r}, which the API does not read")


_check_fields()


def descriptions() -> dict[str, str]:
    """One sentence per kind saying what its method does, in the current language."""
    return {
        "prevalence": _(
            "Share of stories coding each theme per group, with its Wilson confidence interval at "
            "the 95 percent level."
        ),
        "comparison": _(
            "Theme shares compared across sites with a permutation chi-square test and adjusted "
            "standardized residuals."
        ),
        "distinctive": _(
            "Themes markedly more frequent at one site than elsewhere (adjusted residual above "
            "1.96)."
        ),
        "breakdown": _("Theme shares by a demographic attribute within each site."),
        "cooccurrence": _(
            "Pairs of themes coded in the same stories, with their Jaccard index and lift."
        ),
        "links": _(
            "Present-day challenges linked to future visions told by the same storyteller or at "
            "the same workshop."
        ),
        "agreement": _(
            "Agreement between coders per theme: Cohen's kappa for two coders, Krippendorff's "
            "alpha for more."
        ),
        "quality": _(
            "Data checks: uncoded stories, missing translations, language mismatches, "
            "near-duplicates and missing consent."
        ),
        "representativeness": _(
            "Storytellers' demographic shares compared with the reference population of each site."
        ),
    }


def titles() -> dict[str, str]:
    return {
        "prevalence": _("Prevalence"),
        "comparison": _("Comparison across sites"),
        "distinctive": _("Distinctive themes"),
        "breakdown": _("Demographic breakdown"),
        "cooccurrence": _("Co-occurrence"),
        "links": _("Present → future links"),
        "agreement": _("Coder agreement"),
        "quality": _("Data quality"),
        "representativeness": _("Representativeness"),
    }


def column_headers() -> dict[str, str]:
    """The table's column headers in the page's language; downloads keep the column names."""
    return {
        "group": _("Group"),
        "theme": _("Theme key"),
        "theme_label": _("Theme"),
        "stories": _("Stories"),
        "total": _("Total"),
        "share": _("Share"),
        "ci_low": _("Interval, lower bound"),
        "ci_high": _("Interval, upper bound"),
        "storytellers": _("Storytellers"),
        "total_storytellers": _("Storytellers in total"),
        "suppressed": _("Suppressed"),
        "total_suppressed": _("Total suppressed"),
        "suppressed_reason": _("Why suppressed"),
        "total_suppressed_reason": _("Why the total is suppressed"),
        "site": _("Site"),
        "site_label": _("Site"),
        "group_label": _("Group"),
        "attribute_label": _("Attribute"),
        "value_label": _("Value"),
        "expected": _("Expected"),
        "residual": _("Adjusted residual"),
        "distinctive": _("Distinctive"),
        "test": _("Test"),
        "statistic": _("Statistic"),
        "dof": _("Degrees of freedom"),
        "p_value": _("p-value"),
        "too_few_to_compare": _("Too few to compare"),
        "theme_a": _("First theme key"),
        "theme_a_label": _("First theme"),
        "theme_b": _("Second theme key"),
        "theme_b_label": _("Second theme"),
        "stories_a": _("Stories with the first theme"),
        "stories_b": _("Stories with the second theme"),
        "jaccard": _("Jaccard index"),
        "lift": _("Lift"),
        "challenge": _("Challenge key"),
        "challenge_label": _("Challenge"),
        "vision": _("Vision key"),
        "vision_label": _("Vision"),
        "via": _("Linked through"),
        "links": _("Links"),
        "units_challenge": _("Units with the challenge"),
        "units_vision": _("Units with the vision"),
        "method": _("Method"),
        "coders": _("Coders"),
        "units": _("Units"),
        "positive": _("Coded by any coder"),
        "observed_agreement": _("Observed agreement"),
        "value": _("Value"),
        "statistic_suppressed": _("Statistic suppressed"),
        "check": _("Check"),
        "story_id": _("Story"),
        "detail": _("Detail"),
        "attribute": _("Attribute"),
        "left_out": _("Left out"),
        "reference_share": _("Reference share"),
        "difference": _("Difference"),
        "tvd": _("Total variation distance"),
        "score": _("Score"),
        "site_score": _("Site score"),
    }


def field_messages() -> dict[str, str]:
    """What to tell the user about each field the API may refuse, in the page's language."""
    return {
        "project": _("Choose a project you may analyse."),
        "from": _("Enter a date as year-month-day, e.g. 2025-03-15."),
        "to": _("Enter a date as year-month-day, e.g. 2025-03-15."),
        "by": _("Choose a grouping from the list."),
        "story_kind": _("Choose present or future."),
        "sites": _("Enter site slugs separated by commas."),
        "countries": _("Enter two-letter country codes separated by commas."),
        "unsuppressed": _("Your account may not see unsuppressed tables."),
    }


def localized_errors(errors: list[FieldError]) -> dict[str, str]:
    """The API's field errors as messages in the page's language, keyed by form field."""
    messages = field_messages()
    found: dict[str, str] = {}
    for error in errors:
        name = "from" if error.field == "date_from" else error.field
        name = "to" if name == "date_to" else name
        found.setdefault(name, messages.get(name, error.message))
    return found


@dataclass(frozen=True)
class Field:
    """One input of the form: its query name, widget and, for a choice, its options."""

    name: str
    label: str
    widget: str  # text, date, select, checkbox
    options: list[tuple[str, str]] = field(default_factory=list)
    hint: str = ""


def fields(
    kind: str,
    projects: list[tuple[str, str]],
    attributes: list[tuple[str, str]],
    may_unsuppress: bool,
) -> list[Field]:
    """The form of one kind: the scope, the grouping where the kind reads it, the disclosure."""
    offered = [
        Field("project", _("Project"), "select", projects),
        # Translators: sites are the places where workshops are held, never websites.
        Field("sites", _("Sites"), "text", hint=_("Site slugs, separated by commas.")),
        Field(
            "countries", _("Countries"), "text", hint=_("Two-letter codes, separated by commas.")
        ),
        Field(
            "story_kind",
            _("Story kind"),
            "select",
            [("", _("Both")), *((k, story_kind_label(k)) for k in STORY_KINDS)],
        ),
        Field("from", _("Workshops from"), "date"),
        Field("to", _("Workshops until"), "date"),
    ]
    if kind == "prevalence":
        structural = [(b, grouping_label(b)) for b in STRUCTURAL_BY]
        offered.append(Field("by", _("Grouping"), "select", [*structural, *attributes]))
    elif kind == "breakdown":
        offered.append(Field("by", _("Demographic attribute"), "select", attributes))
    if may_unsuppress:
        offered.append(
            Field(
                "unsuppressed",
                _("Exact working table (not for publication)"),
                "checkbox",
                hint=_("Small cells are shown as they are; never publish this table."),
            )
        )
    return offered


def story_kind_label(kind: str) -> str:
    return {"present": _("Present (experience)"), "future": _("Future (vision)")}.get(kind, kind)


def grouping_label(by: str) -> str:
    return {
        "site": _("Site"),
        "country": _("Country"),
        "project": _("Project"),
        "story_kind": _("Story kind"),
        "workshop_kind": _("Workshop kind"),
    }.get(by, by)


def may_unsuppress(actor: Actor) -> bool:
    return bool(actor.unsuppressed or actor.is_admin)


def read_form(kind: str, values: Mapping[str, str]) -> AnalysisRequest:
    """The query string as the API's request (InvalidInput / NotFound as the API raises them)."""
    return AnalysisRequest.parse(
        kind,
        values.get("project") or None,
        by=values.get("by") or None,
        sites=values.get("sites") or None,
        countries=values.get("countries") or None,
        story_kind=values.get("story_kind") or None,
        date_from=values.get("from") or None,
        date_to=values.get("to") or None,
        unsuppressed=values.get("unsuppressed") in ("1", "true", "on"),
    )


@dataclass(frozen=True)
class Explored:
    """An analysis as the explorer shows it: the table (with labels) and its facts."""

    result: AnalysisResult
    table: pl.DataFrame
    foreign: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per label column, the language of each label read in another language than the page's."""

    @property
    def shown_columns(self) -> list[str]:
        """The page's columns: a label column stands for its code column (kept in `data-code`)."""
        return [c for c in self.table.columns if c + code_labels.LABEL_SUFFIX not in self.table]

    @property
    def exact(self) -> bool:
        return self.result.params.unsuppressed


async def project_choices(
    slugs: list[str], language: str
) -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """The projects as (slug, name) and, per project, its demographic attributes as
    (name, label in `language`, along the fallback chain)."""
    rows = await (
        Project.select(Project.slug, Project.name, Project.default_language, Project.demographics)
        .where(Project.slug.is_in(slugs or [""]))
        .output(load_json=True)
        .order_by(Project.slug)
    )
    attributes = {}
    for row in rows:
        context = LabelContext(tag=language, project_default=row["default_language"])
        attributes[row["slug"]] = [
            (a["name"], context.label(a.get("labels"), a["name"]).text)
            for a in row["demographics"] or []
        ]
    return [(row["slug"], row["name"]) for row in rows], attributes


async def explore(actor: Actor, request: AnalysisRequest, language: str) -> Explored:
    """Run the analysis through the API's service and label it for the page."""
    try:
        result = await AnalysisService().analyse(actor, request)
    except NotFound as missing:
        # The kind is known (checked when parsing): what is missing is the project.
        raise InvalidInput(missing.detail, [FieldError("project", missing.detail)]) from missing
    labels = await code_labels.load(request.project, language)
    if labels is None:
        return Explored(result, result.table)
    labelled = code_labels.label_table(result.table, result.kind, result.params.by, labels)
    return Explored(result, labelled.table, labelled.foreign)


Writer = Callable[..., None]
DOWNLOADS: dict[str, tuple[Writer, str]] = {
    "csv": (write_csv, "text/csv; charset=utf-8"),
    "xlsx": (write_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "parquet": (write_parquet, "application/vnd.apache.parquet"),
}


def download(explored: Explored, fmt: str, language: str) -> tuple[bytes, str, str]:
    """The shown table in one format: (bytes, media type, file name)."""
    writer, media_type = DOWNLOADS[fmt]
    result = explored.result
    notes = ExportNotes(
        project=result.project,
        kind=result.kind,
        format=fmt,
        lang=language,
        sites=list(result.params.sites),
        snapshot_id=result.snapshot.id,
    )
    with tempfile.TemporaryDirectory(prefix="civicfutures-explorer-") as work:
        path = Path(work) / f"table.{fmt}"
        writer([explored.table.lazy()], path, notes, Path(work))
        content = path.read_bytes()
    suffix = "-exact" if explored.exact else ""
    return content, media_type, f"{result.project}-{result.kind}-{result.snapshot.id}{suffix}.{fmt}"


def known(kind: str) -> bool:
    return kind in KINDS


def cell_text(value: Any) -> str:
    """A raw value as the downloads write it (the table's `data-value`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
