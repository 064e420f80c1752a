"""Assemble a briefing from a snapshot, its curation inputs and parameters; write every format.

`assemble` and `write_briefing` are synchronous and pure of I/O except the files written, so
the service can run them in a worker thread and the benchmark can call them on a synthetic
snapshot.

Charts and the PDF are drawn in a child process started with the build (`drawing`): it gets
its engines ready while the analyses run, draws each chart while the next sections are made,
and lays out the printable HTML (WeasyPrint, the longest step of all) on the other core while
this process writes every other format.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

import polars as pl

from civicfutures.analysis.dataset import Snapshot
from civicfutures.briefings import charts
from civicfutures.briefings.compute import Results, compute
from civicfutures.briefings.document import Briefing
from civicfutures.briefings.drawing import DrawingProcess, drawing_process
from civicfutures.briefings.inputs import Inputs
from civicfutures.briefings.manifest import write_manifest
from civicfutures.briefings.outline import build_sections
from civicfutures.briefings.params import BRIEFING_FORMAT, BriefingParams
from civicfutures.briefings.progress import Reporter
from civicfutures.briefings.renderers import RENDERERS
from civicfutures.briefings.renderers.to_pdf import finish_pdf, start_pdf
from civicfutures.briefings.renderers.to_zip import write_archive
from civicfutures.briefings.sections import Context, listing, period
from civicfutures.briefings.tables import hidden_note
from civicfutures.briefings.vocabulary import vocabulary
from civicfutures.i18n import gettext as _
from civicfutures.i18n import use_locale
from civicfutures.i18n.formatting import format_number
from civicfutures.i18n.languages import text_direction


def _labels(briefing_id: str, snapshot_id: str, params: BriefingParams) -> dict[str, str]:
    return {
        "contents": _("Contents"),
        "empty": _("No rows."),
        "outcomes": _("Outcomes"),
        "leads_to": _("Leads to"),
        "about": _("About"),
        "sheet": _("Sheet"),
        "briefing_id": _("Briefing"),
        "snapshot": _("Snapshot"),
        "suppression": _("Disclosure control"),
        "suppression_note": (
            _("Figures resting on fewer than %(k)s stories or storytellers are hidden.")
            % {"k": format_number(params.k)}
            + " "
            + hidden_note(params.k)
            if params.suppressed
            else _("Off: every figure is published.")
        ),
        "publication": _("Publication"),
        "publication_note": (
            _("Publishable: counts perturbed by the cell key method.")
            if params.suppressed
            else _("Not for publication: exact counts, for the project's own work.")
        ),
        "colophon": _(
            "Built by civicfutures from snapshot %(snapshot)s as briefing %(id)s; manifest.json "
            "lists the parameters and the sha256 of every file."
        )
        % {"snapshot": snapshot_id or "–", "id": briefing_id},
    }


def _titles(
    params: BriefingParams, inputs: Inputs, sites: pl.DataFrame, overview: dict[str, Any]
) -> tuple[str, str]:
    when = period(overview.get("first"), overview.get("last"))
    if params.site:
        names = dict(zip(sites["site"], sites["name"], strict=True))
        name = names.get(params.site, params.site)
        return (
            _("Insight briefing: %(site)s") % {"site": name},
            _("Local synthesis · %(project)s · %(period)s")
            % {"project": inputs.project_name, "period": when},
        )
    return (
        _("Insight briefing: %(project)s") % {"project": inputs.project_name},
        _("Cross-site synthesis: %(sites)s · %(period)s")
        % {"sites": listing(sorted(sites["name"].to_list()), params.language), "period": when},
    )


def assemble(
    snapshot: Snapshot,
    params: BriefingParams,
    inputs: Inputs,
    briefing_id: str,
    results: Results | None = None,
    progress: Reporter | None = None,
    drawing: DrawingProcess | None = None,
) -> Briefing:
    """Compute (unless given the results), label and lay out the briefing; charts as SVG,
    drawn by `drawing` as soon as they are specified if given, else here."""
    report = progress or _quiet
    drawn: dict[str, Future[bytes]] = {}

    def draw(spec: charts.ChartSpec) -> None:
        if drawing is not None:
            drawn[spec.name] = drawing.chart(*charts.drawing_request(spec))

    with use_locale(params.language):
        if results is None:
            report("analyses")
            results = compute(snapshot, params)
        vocab = vocabulary(
            params.language, results.themes, results.theme_labels, results.sites, inputs
        )
        ctx = Context(
            results=results,
            inputs=inputs,
            vocab=vocab,
            params=params,
            snapshot_id=snapshot.id,
            on_chart=draw,
        )
        report("sections")
        sections = build_sections(ctx)
        report("charts")
        rendered = {
            name: charts.render(
                spec, drawing.wait(drawn[name]).decode() if drawing and name in drawn else None
            )
            for name, spec in sorted(ctx.chart_specs.items())
        }
        title, subtitle = _titles(params, inputs, results.sites, results.overview)
        return Briefing(
            id=briefing_id,
            language=params.language,
            direction=text_direction(params.language),
            title=title,
            subtitle=subtitle,
            k=params.k,
            sections=sections,
            tables=ctx.tables,
            charts=rendered,
            parameters=params.canonical(),
            snapshot=snapshot.id,
            labels=_labels(briefing_id, snapshot.id, params),
        )


def manifest_facts(briefing: Briefing, snapshot: Snapshot, inputs: Inputs) -> dict[str, Any]:
    return {
        "briefing": briefing.id,
        "format": BRIEFING_FORMAT,
        "snapshot": {
            "id": snapshot.id,
            "content_hash": snapshot.manifest.get("content_hash"),
        },
        "parameters": briefing.parameters,
        "curation_sha256": inputs.digest(),
        "formats": [*RENDERERS, "zip"],
    }


def write_briefing(
    briefing: Briefing,
    directory: Path,
    facts: dict[str, Any],
    progress: Reporter | None = None,
    drawing: DrawingProcess | None = None,
) -> dict[str, Any]:
    """Every format into `directory`, then the manifest, then the ZIP of all; the manifest.

    The PDF is laid out by `drawing` (a child process; if none is given, `drawing_process`
    gives one) while the other writers run; its step is announced in the registry's order like
    every other, so the progress only moves forward, and the manifest waits for its file. The
    child is released for the next build once the PDF is written, and closed on a failure.
    """
    report = progress or _quiet
    directory.mkdir(parents=True, exist_ok=True)
    drawing = drawing or drawing_process()
    try:
        with use_locale(briefing.language):
            pdf = start_pdf(briefing, drawing)
            for name, writer in RENDERERS.items():
                report(f"write:{name}")
                if name != "pdf":
                    writer(briefing, directory)
            finish_pdf(drawing, pdf, directory)
    except BaseException:
        drawing.close()
        raise
    drawing.release()
    report("manifest")
    manifest = write_manifest(directory, facts)
    write_archive(directory, briefing.id)
    return manifest


def build_from_snapshot(
    snapshot: Snapshot,
    params: BriefingParams,
    inputs: Inputs,
    briefing_id: str,
    directory: Path,
    progress: Reporter | None = None,
) -> dict[str, Any]:
    """The whole build after the reads: analyses, sections and charts, writers, manifest."""
    (progress or _quiet)("analyses")
    drawing = drawing_process()
    try:
        with use_locale(params.language):
            results = compute(snapshot, params)
        briefing = assemble(snapshot, params, inputs, briefing_id, results, progress, drawing)
    except BaseException:
        drawing.close()
        raise
    facts = manifest_facts(briefing, snapshot, inputs)
    return write_briefing(briefing, directory, facts, progress, drawing)


def _quiet(step: str) -> None:
    """No one follows this build's steps (the benchmark, a direct call)."""
