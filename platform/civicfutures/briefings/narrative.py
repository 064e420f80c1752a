"""The briefing proper, read before any table: summary, findings with their evidence, what would
help, recommendations, and the method and its limits in plain words.

Pure functions like the other section builders: they read the collected results and the
curation inputs, and leave every table to the annex (`sections.py`).
"""

from __future__ import annotations

import polars as pl

from civicfutures.briefings import charts
from civicfutures.briefings.document import (
    Block,
    Facts,
    Notes,
    Paragraph,
    QuoteView,
    Section,
    ThemeView,
)
from civicfutures.briefings.drafting import drafted_paragraph
from civicfutures.briefings.params import paragraphs
from civicfutures.briefings.sections import (
    Context,
    by_share,
    data_note_items,
    listing,
    method_facts,
    quality_rows,
    quote_view,
    themes_of_kind,
    top_items,
    with_theme_labels,
)
from civicfutures.briefings.tables import COUNT, SHARE, hidden_note, hidden_text
from civicfutures.i18n import gettext as _
from civicfutures.i18n import ngettext
from civicfutures.i18n.formatting import format_number, format_percent

THEMES_SHOWN = 3
"""Themes of a kind told as findings: the most frequent ones..."""
THEMES_WITH_QUOTES = 5
"""...and, up to this many, the next ones that storytellers' quotes speak to."""
QUOTES_PER_THEME = 3


def summary(ctx: Context) -> Section:
    """The author's summary; without one, the most frequent challenges and visions."""
    texts = paragraphs(ctx.inputs.summary)
    if not texts:
        scope = ctx.results.scope
        found = [
            lead % {"list": listing(top, ctx.vocab.language)}
            for kind, lead in (
                ("challenge", _("The challenges raised most often: %(list)s.")),
                ("vision", _("The visions described most often: %(list)s.")),
            )
            if (
                top := top_items(
                    with_theme_labels(themes_of_kind(scope, ctx.vocab, kind), ctx.vocab)
                )
            )
        ]
        texts = found or [_("No insight has been agreed for this briefing yet.")]
    # A drafted paragraph left as it was keeps the language its insight is shown in.
    languages = {
        drafted_paragraph(i): i.fallback_language
        for i in ctx.inputs.insights
        if i.fallback_language
    }
    return Section(
        key="summary",
        heading=_("Summary"),
        blocks=[Paragraph(text=text, language=languages.get(text)) for text in texts],
    )


def _quotes_by_theme(ctx: Context) -> dict[str, list[QuoteView]]:
    """Quotes of the agreed insights on each theme, in this briefing's scope, each once."""
    found: dict[str, list[QuoteView]] = {}
    seen: dict[str, set[tuple[int, str]]] = {}
    for insight in ctx.inputs.insights:
        quotes = [q for q in insight.quotes if not ctx.params.local or q.site == ctx.params.site]
        for theme in insight.themes:
            for quote in quotes:
                if (quote.story, quote.text) in seen.setdefault(theme.key, set()):
                    continue
                seen[theme.key].add((quote.story, quote.text))
                found.setdefault(theme.key, []).append(quote_view(ctx, quote))
    return found


def _figure(row: dict, k: int) -> str:
    if row["suppressed"] or row["share"] is None:
        return _("Share of the stories: %(hidden)s.") % {
            "hidden": hidden_text(row.get("suppressed_reason"), SHARE, k)
        }
    if row["stories"] is None or row["total"] is None:
        return _("In %(share)s of the stories (95%% confidence interval: %(low)s to %(high)s).") % {
            "share": format_percent(row["share"]),
            "low": format_percent(row["ci_low"]),
            "high": format_percent(row["ci_high"]),
        }
    # The count and its total name the share's denominator: the chart beside it gives shares
    # of present-day or of future stories, which differ from shares of all the stories.
    return ngettext(
        "In %(stories)s of %(total)s story (%(share)s; 95%% confidence interval: %(low)s to "
        "%(high)s).",
        "In %(stories)s of %(total)s stories (%(share)s; 95%% confidence interval: %(low)s to "
        "%(high)s).",
        row["total"],
    ) % {
        "stories": format_number(row["stories"]),
        "total": format_number(row["total"]),
        "share": format_percent(row["share"]),
        "low": format_percent(row["ci_low"]),
        "high": format_percent(row["ci_high"]),
    }


def _places(ctx: Context, theme: str) -> str | None:
    distinctive = ctx.results.distinctive.filter(pl.col("theme") == theme)
    if ctx.params.local:
        if distinctive.filter(pl.col("site") == ctx.params.site).height:
            return _("Distinctive for this site: more frequent here than at the other sites.")
        return None
    names = sorted(ctx.vocab.site(site) for site in distinctive["site"].unique().to_list())
    if not names:
        return None
    return _("Distinctive for %(sites)s: more frequent there than at the other sites.") % {
        "sites": listing(names, ctx.vocab.language)
    }


def _outcomes(ctx: Context, theme: str) -> list[str]:
    """The Theory-of-Change outcomes agreed insights on `theme` are mapped to."""
    parents = {row.outcome: row.parent_label for row in ctx.inputs.theory}
    labels: list[str] = []
    for insight in ctx.inputs.insights:
        if not any(t.key == theme for t in insight.themes):
            continue
        for outcome in insight.outcomes:
            parent = parents.get(outcome.key)
            label = (
                _("%(outcome)s (part of %(parent)s)") % {"outcome": outcome.label, "parent": parent}
                if parent
                else outcome.label
            )
            if label not in labels:
                labels.append(label)
    return labels


def theme_views(ctx: Context, kind: str, outcomes: bool = False) -> list[ThemeView]:
    """The most frequent themes of a kind (and those the quotes speak to) as findings."""
    quotes = _quotes_by_theme(ctx)
    frame = by_share(
        with_theme_labels(themes_of_kind(ctx.results.scope, ctx.vocab, kind), ctx.vocab)
    ).filter(~pl.col("suppressed") & (pl.col("stories") > 0) & pl.col("share").is_not_null())
    rows = frame.to_dicts()
    chosen = (
        rows[:THEMES_SHOWN]
        + [row for row in rows[THEMES_SHOWN:] if quotes.get(row["theme"])][
            : THEMES_WITH_QUOTES - THEMES_SHOWN
        ]
    )
    views = []
    for row in chosen:
        cited = quotes.get(row["theme"], [])[:QUOTES_PER_THEME]
        views.append(
            ThemeView(
                theme=row["theme"],
                title=row["theme_label"],
                figure=_figure(row, ctx.k),
                places=_places(ctx, row["theme"]),
                outcomes=_outcomes(ctx, row["theme"]) if outcomes else [],
                quotes=cited,
                note=None
                if cited
                else _("No agreed insight quotes a storyteller on this theme yet."),
            )
        )
    return views


def _findings(
    ctx: Context,
    key: str,
    heading: str,
    kind: str,
    texts: tuple[str, str, str],
    outcomes: bool = False,
) -> Section:
    """`texts`: the lead, the sentence when no theme of the kind was coded, and the one when
    every such theme is hidden as small."""
    lead, empty, hidden = texts
    views = theme_views(ctx, kind, outcomes)
    if views:
        opening = lead
    else:
        coded = themes_of_kind(ctx.results.scope, ctx.vocab, kind)
        opening = hidden if coded.filter(pl.col("suppressed")).height else empty
    blocks: list[Block] = [Paragraph(text=opening), *views]
    return Section(key=key, heading=heading, blocks=blocks)


def key_challenges(ctx: Context) -> Section:
    return _findings(
        ctx,
        "key_challenges",
        _("Key challenges"),
        "challenge",
        (
            _("The challenges storytellers raised most often, with the evidence behind each."),
            _("No challenge was coded in these stories."),
            _(
                "No challenge in these stories rests on enough storytellers to be shown here; "
                "the annex lists every challenge."
            ),
        ),
    )


def future_visions(ctx: Context) -> Section:
    section = _findings(
        ctx,
        "future_visions",
        _("Future visions"),
        "vision",
        (
            _("The futures storytellers described most often, with the evidence behind each."),
            _("No vision was coded in these stories."),
            _(
                "No vision in these stories rests on enough storytellers to be shown here; "
                "the annex lists every vision."
            ),
        ),
    )
    vocab = ctx.vocab
    by_kind = with_theme_labels(ctx.results.by_kind, vocab)
    present = themes_of_kind(by_kind.filter(pl.col("group") == "present"), vocab, "challenge")
    future = themes_of_kind(by_kind.filter(pl.col("group") == "future"), vocab, "vision")
    section.blocks.append(
        ctx.chart(
            charts.present_and_future(
                by_share(present),
                by_share(future),
                title=_("Present challenges and future visions"),
                description=_(
                    "Share of present-day stories raising each challenge, beside the share of "
                    "future stories describing each vision."
                ),
                challenges_title=_("Challenges in present-day stories"),
                visions_title=_("Visions in future stories"),
                axis_title=_("Share of stories"),
                suppressed_label=hidden_text(None, SHARE, ctx.k),
                language=vocab.language,
            )
        )
    )
    return section


def what_would_help(ctx: Context) -> Section:
    section = _findings(
        ctx,
        "what_would_help",
        _("What would help"),
        "enabler",
        (
            _(
                "What storytellers said would help, and the Theory-of-Change outcomes the agreed "
                "insights link it to."
            ),
            _("No enabler was coded in these stories."),
            _(
                "No enabler in these stories rests on enough storytellers to be shown here; "
                "the annex lists every enabler."
            ),
        ),
        outcomes=True,
    )
    supported = [
        _("%(outcome)s: %(insights)s")
        % {
            "outcome": row.label,
            "insights": listing(row.insights, ctx.vocab.language),
        }
        for row in ctx.inputs.theory
        if row.insights
        and (
            not ctx.params.local
            or any(any(o.key == row.outcome for o in i.outcomes) for i in ctx.inputs.insights)
        )
    ]
    if supported:
        section.blocks.append(
            Paragraph(text=_("Theory-of-Change outcomes and the agreed insights behind them:"))
        )
        section.blocks.append(Notes(items=supported))
    return section


def recommendations(ctx: Context) -> Section | None:
    """The author's recommendations; no section when there are none."""
    texts = paragraphs(ctx.inputs.recommendations)
    if not texts:
        return None
    return Section(
        key="recommendations",
        heading=_("Recommendations"),
        blocks=[Paragraph(text=text) for text in texts],
    )


def _left_out(ctx: Context) -> list[str]:
    """What was left out of this scope and why, as published counts."""
    rows = {row["check"]: row for row in quality_rows(ctx)}
    k = ctx.k

    def count(check: str) -> str:
        row = rows[check]
        if row["suppressed"]:
            return hidden_text(row["suppressed_reason"], COUNT, k)
        return format_number(row["count"] or 0)

    return [
        _(
            "Stories left out because a storyteller did not consent to research: %(stories)s "
            "(storytellers: %(storytellers)s)."
        )
        % {
            "stories": count("missing_consent:stories"),
            "storytellers": count("missing_consent:storytellers"),
        },
        _("Draft stories left out because they were not submitted: %(n)s.") % {"n": count("draft")},
    ]


def method_and_limits(ctx: Context) -> Section:
    facts, _languages, plain = method_facts(ctx)
    blocks: list[Block] = [Paragraph(text=text) for text in plain]
    blocks.append(Facts(items=facts))
    blocks.append(Paragraph(text=_("What was left out, and why:")))
    blocks.append(Notes(items=_left_out(ctx)))
    limits = [
        _(
            "Agreed insights and quotes come from the project team's reading of the stories; "
            "quotes are shown only where their storytellers consented to being quoted."
        )
    ]
    if ctx.params.suppressed:
        limits += [
            hidden_note(ctx.k),
            _(
                "Every count is perturbed slightly and on its own, so that no small group can "
                "be worked out by comparing figures. A total and the sum of its parts may "
                "therefore differ a little; where a total is shown as the sum of its parts, "
                "the parts are the figures published."
            ),
        ]
    blocks.append(Paragraph(text=_("Limits of the figures:")))
    blocks.append(Notes(items=[*limits, *data_note_items(ctx)]))
    return Section(key="method", heading=_("Method and limits"), blocks=blocks)
