"""The Theory of Change as a diagram: Graphviz DOT (rendered to SVG by `dot`) and Mermaid text.

Every text in a diagram is user data (labels, titles): in DOT it is escaped with
`graphviz.escape` (backslashes lose their `\\N`/`\\l` meaning, `<...>` is never an HTML label)
and `dot` XML-escapes it into the SVG; in Mermaid every character that could end a label or
start markup is written as a numeric entity code. Node names are generated (`o1`, `i2`), never
taken from user text.
"""

from __future__ import annotations

import asyncio
import shutil
import textwrap
from collections.abc import Awaitable, Callable, Mapping

import graphviz
import msgspec

from civicfutures.curation import schemas as c
from civicfutures.errors import FieldError, Unavailable
from civicfutures.i18n import gettext as _
from civicfutures.i18n import ngettext
from civicfutures.i18n.formatting import format_list

FONT = "DejaVu Sans"
WRAP = 38
# Characters that end a quoted Mermaid label or open markup/entities inside it.
_MERMAID_SPECIAL = frozenset('"<>&#`{}[]|\\')


def svg_available() -> bool:
    """True when Graphviz's `dot` is installed to render SVG."""
    return shutil.which("dot") is not None


def _lines(node: c.OutcomeNode, site_name: Callable[[str], str]) -> list[str]:
    lines = [
        node.label,
        ngettext("%(num)d insight", "%(num)d insights", len(node.insights))
        % {"num": len(node.insights)}
        + " · "
        + ngettext("%(num)d story", "%(num)d stories", node.stories) % {"num": node.stories}
        + " · "
        + ngettext("%(num)d site", "%(num)d sites", len(node.sites)) % {"num": len(node.sites)},
    ]
    if node.sites_without_evidence:
        lines.append(
            _("No evidence yet: {sites}").format(
                sites=format_list(site_name(slug) for slug in node.sites_without_evidence)
            )
        )
    return lines


def _dot_label(lines: list[str]) -> graphviz.quoting.NoHtml:
    """Lines wrapped at spaces (long titles make a very wide diagram), each escaped."""
    wrapped = [
        part
        for line in lines
        for part in textwrap.wrap(line, WRAP, break_long_words=False, break_on_hyphens=False)
        or [""]
    ]
    return graphviz.nohtml(r"\n".join(graphviz.escape(part) for part in wrapped))


def to_graph(
    theory: c.TheoryOfChange, site_names: Mapping[str, str] | None = None
) -> graphviz.Digraph:
    """Outcomes as boxes (parent above child), insights as notes pointing at their outcomes."""
    names = dict(site_names or {})

    def site_name(slug: str) -> str:
        return names.get(slug, slug)

    graph = graphviz.Digraph("theory_of_change")
    graph.attr(rankdir="BT", fontname=FONT)
    graph.attr("node", fontname=FONT, fontsize="11")
    graph.attr("edge", fontname=FONT)
    outcome_ids = {node.key: f"o{index}" for index, node in enumerate(theory.outcomes, 1)}
    insight_ids: dict[int, str] = {}
    for node in theory.outcomes:
        graph.node(
            outcome_ids[node.key],
            label=_dot_label(_lines(node, site_name)),
            shape="box",
            style="rounded,filled",
            fillcolor="#e8f1fb" if node.insights else "#f4f4f4",
        )
        if node.parent in outcome_ids:
            graph.edge(outcome_ids[node.key], outcome_ids[node.parent], style="bold")
        for insight in node.insights:
            if insight.id not in insight_ids:
                insight_ids[insight.id] = f"i{insight.id}"
                graph.node(
                    insight_ids[insight.id],
                    label=_dot_label([insight.title]),
                    shape="note",
                    fontsize="10",
                    style="dashed" if insight.status != "agreed" else "solid",
                )
            graph.edge(insight_ids[insight.id], outcome_ids[node.key], color="#5a6b7b")
    return graph


def to_dot(theory: c.TheoryOfChange, site_names: Mapping[str, str] | None = None) -> str:
    return to_graph(theory, site_names).source


async def to_svg(theory: c.TheoryOfChange, site_names: Mapping[str, str] | None = None) -> bytes:
    """The diagram as SVG through `dot`, off the event loop; raises `graphviz.ExecutableNotFound`."""
    graph = to_graph(theory, site_names)
    return await asyncio.to_thread(graph.pipe, format="svg")


def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: special characters as `#code;` entities."""
    return "".join(
        f"#{ord(ch)};" if ch in _MERMAID_SPECIAL else ch for ch in text.replace("\n", " ")
    )


def to_mermaid(theory: c.TheoryOfChange, site_names: Mapping[str, str] | None = None) -> str:
    """The same diagram as Mermaid flowchart text, for tools that render Mermaid."""
    names = dict(site_names or {})
    lines = ["flowchart BT"]
    outcome_ids = {node.key: f"o{index}" for index, node in enumerate(theory.outcomes, 1)}
    seen: set[int] = set()
    for node in theory.outcomes:
        text = "<br/>".join(mermaid_text(line) for line in _lines(node, lambda s: names.get(s, s)))
        lines.append(f'  {outcome_ids[node.key]}["{text}"]')
        if node.parent in outcome_ids:
            lines.append(f"  {outcome_ids[node.key]} ==> {outcome_ids[node.parent]}")
        for insight in node.insights:
            if insight.id not in seen:
                seen.add(insight.id)
                lines.append(f'  i{insight.id}[/"{mermaid_text(insight.title)}"/]')
            lines.append(f"  i{insight.id} -.-> {outcome_ids[node.key]}")
    return "\n".join(lines) + "\n"


class Rendered(msgspec.Struct, kw_only=True):
    """A diagram ready to send: bytes, media type and a download file name."""

    content: bytes
    media_type: str
    filename: str


async def _svg(theory: c.TheoryOfChange, names: Mapping[str, str]) -> Rendered:
    if not svg_available():
        raise Unavailable(
            _(
                "The diagram cannot be drawn here (Graphviz is not installed); download it as DOT or Mermaid text instead."
            ),
            [FieldError("format", _("Use format=dot or format=mermaid."))],
        )
    return Rendered(
        content=await to_svg(theory, names),
        media_type="image/svg+xml",
        filename="theory-of-change.svg",
    )


async def _dot(theory: c.TheoryOfChange, names: Mapping[str, str]) -> Rendered:
    return Rendered(
        content=to_dot(theory, names).encode(),
        media_type="text/vnd.graphviz; charset=utf-8",
        filename="theory-of-change.gv",
    )


async def _mermaid(theory: c.TheoryOfChange, names: Mapping[str, str]) -> Rendered:
    return Rendered(
        content=to_mermaid(theory, names).encode(),
        media_type="text/plain; charset=utf-8",
        filename="theory-of-change.mmd",
    )


# Diagram formats of `GET /api/v1/theory-of-change?format=`; JSON is the default answer.
DIAGRAMS: dict[str, Callable[[c.TheoryOfChange, Mapping[str, str]], Awaitable[Rendered]]] = {
    "svg": _svg,
    "dot": _dot,
    "mermaid": _mermaid,
}
