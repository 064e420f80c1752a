"""Section builders: pure functions from analysis results and curation to localized section data.

Each builder returns a `Section` (headings, paragraphs, references to tables and charts) and
adds its tables to the briefing; none of them reads a database, a file or the clock. They run
inside `use_locale(language)`, so every `_()` and every number is in the briefing's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import polars as pl
from babel.lists import format_list

from civicfutures.analysis.disclosure import reason_column
from civicfutures.briefings import charts
from civicfutures.briefings.compute import QUALITY_DETAIL_LIMIT, Results
from civicfutures.briefings.document import (
    Block,
    ChartRef,
    Fact,
    InsightView,
    Notes,
    Paragraph,
    QuoteView,
    Section,
    TableRef,
)
from civicfutures.briefings.inputs import Inputs
from civicfutures.briefings.params import BriefingParams
from civicfutures.briefings.tables import (
    COUNT,
    DATE,
    DECIMAL,
    FLAG,
    LIST,
    PVALUE,
    SHARE,
    TEXT,
    Column,
    Table,
    hidden_note,
    hidden_text,
)
from civicfutures.briefings.vocabulary import Vocabulary
from civicfutures.curation.quotes import same_language
from civicfutures.forms.definitions import story_kind_label
from civicfutures.i18n import gettext as _
from civicfutures.i18n import ngettext
from civicfutures.i18n.formatting import format_date, format_number, format_percent
from civicfutures.i18n.languages import cldr_locale

HIDDEN = ("suppressed",)
HIDDEN_TOTAL = ("total_suppressed",)
HIDDEN_ANY = ("suppressed", "total_suppressed")
TOP = 3


@dataclass
class Context:
    """What every builder reads; builders add their tables and chart specs here."""

    results: Results
    inputs: Inputs
    vocab: Vocabulary
    params: BriefingParams
    snapshot_id: str
    tables: dict[str, Table] = field(default_factory=dict)
    chart_specs: dict[str, charts.ChartSpec] = field(default_factory=dict)
    on_chart: Callable[[charts.ChartSpec], None] | None = None
    """Told of each chart as soon as it is specified (the build starts drawing it then)."""
    _made: dict[Callable[[Context], charts.ChartSpec], str] = field(default_factory=dict)

    def add(self, table: Table) -> TableRef:
        self.tables[table.name] = table
        return TableRef(table=table.name)

    def chart(self, spec: charts.ChartSpec) -> ChartRef:
        self.chart_specs[spec.name] = spec
        if self.on_chart is not None:
            self.on_chart(spec)
        return ChartRef(chart=spec.name)

    def chart_from(self, make: Callable[[Context], charts.ChartSpec]) -> ChartRef:
        """The chart `make` specifies, specified once: the build may ask for a chart before
        the section that shows it, so that it is drawn while the sections are made."""
        if make not in self._made:
            self._made[make] = self.chart(make(self)).chart
        return ChartRef(chart=self._made[make])

    @property
    def k(self) -> int:
        return self.params.k


# ---------------------------------------------------------------- shared pieces


def listing(items: Iterable[str], language: str) -> str:
    """ "A, B and C" in the briefing's language."""
    items = list(items)
    return format_list(items, locale=cldr_locale(language)) if items else ""


def period(first, last) -> str:
    if first is None:
        return "–"
    if first == last:
        return format_date(first, "long")
    return _("%(first)s to %(last)s") % {
        "first": format_date(first, "long"),
        "last": format_date(last, "long"),
    }


def test_name(test: str | None) -> str:
    names = {
        "chi_square": _("chi-square"),
        "fisher_exact": _("Fisher's exact test"),
        "permutation": _("permutation test"),
        "none": _("none"),
    }
    return names.get(test or "none", test or "")


def mapped(frame: pl.DataFrame, column: str, name: Callable[[str], str], alias: str) -> pl.Expr:
    """A column of names for a column of keys, looked up here rather than inside Polars.

    Polars may call a Python function from its own threads, where the briefing's locale
    (a ContextVar) is not set: names are computed in this thread and mapped as data.
    """
    keys = [key for key in frame[column].unique().to_list() if key is not None]
    return (
        pl.col(column)
        .replace_strict({key: name(key) for key in keys}, default=None, return_dtype=pl.String)
        .alias(alias)
    )


def theme_columns() -> list[Column]:
    return [Column("theme", _("Theme key"), people=False), Column("theme_label", _("Theme"))]


def site_columns() -> list[Column]:
    return [Column("site", _("Site key"), people=False), Column("site_name", _("Site"))]


def site_name(vocab: Vocabulary, column: str = "site") -> pl.Expr:
    """`site_name`: the site's name for a column of site slugs (the slug when unknown)."""
    return (
        pl.col(column).replace_strict(vocab.site_names, default=pl.col(column)).alias("site_name")
    )


def share_columns() -> list[Column]:
    return [
        Column("stories", _("Stories"), COUNT, HIDDEN),
        Column("total", _("All stories"), COUNT, HIDDEN_TOTAL),
        Column("share", _("Share"), SHARE, HIDDEN_ANY),
        Column("ci_low", _("95% CI from"), SHARE, HIDDEN_ANY),
        Column("ci_high", _("95% CI to"), SHARE, HIDDEN_ANY),
    ]


def flag_columns() -> list[Column]:
    return [
        Column("suppressed", _("Suppressed"), FLAG, people=False),
        Column("total_suppressed", _("Total suppressed"), FLAG, people=False),
        *reason_columns(),
    ]


def reason_columns(*flags: str) -> list[Column]:
    """The columns saying why each flag hides a cell (`few`, `few_storytellers`, `protects`)."""
    headers = {
        "suppressed": _("Why suppressed"),
        "total_suppressed": _("Why the total is suppressed"),
    }
    return [
        Column(reason_column(flag), headers[flag], TEXT, people=False)
        for flag in flags or tuple(headers)
    ]


def with_theme_labels(
    frame: pl.DataFrame, vocab: Vocabulary, column: str = "theme"
) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(column)
        .replace_strict(vocab.theme_labels, default=pl.col(column))
        .alias(f"{column}_label"),
        pl.col(column)
        .replace_strict(vocab.theme_order, default=len(vocab.theme_order), return_dtype=pl.Int64)
        .alias(f"_{column}_order"),
    )


def themes_of_kind(frame: pl.DataFrame, vocab: Vocabulary, kind: str) -> pl.DataFrame:
    keys = [key for key, k in vocab.theme_kinds.items() if k == kind]
    return frame.filter(pl.col("theme").is_in(keys))


def by_share(frame: pl.DataFrame) -> pl.DataFrame:
    """Most frequent first; suppressed and empty cells last; then codebook order."""
    return frame.sort(["share", "_theme_order"], descending=[True, False], nulls_last=True)


def top_items(frame: pl.DataFrame, n: int = TOP) -> list[str]:
    shown = frame.filter(
        ~pl.col("suppressed") & (pl.col("stories") > 0) & pl.col("share").is_not_null()
    )
    return [
        f"{row['theme_label']} ({format_percent(row['share'])})"
        for row in by_share(shown).head(n).iter_rows(named=True)
    ]


def figure(value: int | None, hidden: bool, k: int, reason: str | None = None) -> str:
    if hidden:
        return hidden_text(reason, COUNT, k)
    return format_number(value or 0)


# ---------------------------------------------------------------- sections


def annex(heading: str) -> str:
    """An annex section's heading."""
    return _("Annex: %(title)s") % {"title": heading}


def method_facts(ctx: Context) -> tuple[list[Fact], pl.DataFrame, list[str]]:
    """The scope's key figures, its languages, and the method told in plain sentences."""
    r, vocab, k = ctx.results, ctx.vocab, ctx.k
    overview = r.overview
    # Published people counts come perturbed from the scope's prevalence (`compute`).
    small = bool(overview.get("people_hidden"))
    why = overview.get("people_hidden_reason")
    storytellers = overview.get("storytellers") or 0
    stories = overview.get("stories") or 0
    languages = r.languages.with_columns(
        mapped(r.languages, "language", vocab.language_name, "language_name")
    )
    language_list = listing(sorted(languages["language_name"].to_list()), vocab.language) or "–"
    plain = [
        _(
            "The briefing draws on stories told at storytelling and future-thinking workshops. "
            "Each story was coded with themes from the project's codebook; a theme counts as "
            "present in a story when any coder applied it. Only submitted and reviewed stories "
            "whose storytellers all consented to research are included."
        ),
        _(
            "In all: %(stories)s stories told by %(storytellers)s storytellers at %(workshops)s "
            "workshops, in %(languages)s."
        )
        % {
            "stories": figure(stories, small, k, why),
            "storytellers": figure(storytellers, small, k, why),
            "workshops": format_number(overview.get("workshops") or 0),
            "languages": language_list,
        },
    ]
    if not stories and not small:
        plain.append(_("No stories match this briefing's scope."))
    facts = [
        Fact(label=_("Stories"), value=figure(stories, small, k, why)),
        Fact(label=_("Storytellers"), value=figure(storytellers, small, k, why)),
        Fact(label=_("Workshops"), value=format_number(overview.get("workshops") or 0)),
    ]
    if not ctx.params.local:
        facts.append(Fact(label=_("Sites"), value=format_number(overview.get("sites") or 0)))
    facts += [
        Fact(label=_("Period"), value=period(overview.get("first"), overview.get("last"))),
        Fact(label=_("Languages"), value=language_list),
        Fact(
            label=_("Disclosure control"),
            value=(
                _(
                    "counts perturbed by the cell key method; figures resting on fewer than "
                    "%(k)s storytellers are hidden"
                )
                % {"k": format_number(k)}
                if ctx.params.suppressed
                else _("off: every figure is published")
            ),
        ),
        Fact(label=_("Snapshot"), value=ctx.snapshot_id or "–"),
    ]
    return facts, languages, plain


def annex_stories(ctx: Context) -> Section:
    """The stories by language and by kind."""
    r = ctx.results
    _facts, languages, _plain = method_facts(ctx)
    count_columns = [
        Column("stories", _("Stories"), COUNT, HIDDEN),
        Column("share", _("Share"), SHARE, HIDDEN),
        Column("suppressed", _("Suppressed"), FLAG, people=False),
        *reason_columns("suppressed"),
    ]
    kinds = r.kinds.with_columns(mapped(r.kinds, "kind", story_kind_label, "kind_label"))
    blocks: list[Block] = [
        ctx.add(
            Table(
                name="method_languages",
                title=_("Stories by language"),
                columns=[
                    Column("language", _("Language tag"), people=False),
                    Column("language_name", _("Language")),
                    *count_columns,
                ],
                frame=languages.sort("language"),
            )
        ),
        ctx.add(
            Table(
                name="method_story_kinds",
                title=_("Stories by kind"),
                columns=[
                    Column("kind", _("Kind key"), people=False),
                    Column("kind_label", _("Kind of story")),
                    *count_columns,
                ],
                frame=kinds.sort("kind"),
            )
        ),
    ]
    return Section(key="annex_stories", heading=annex(_("The stories")), blocks=blocks, annex=True)


def _prevalence_table(ctx: Context, name: str, title: str, kind: str) -> Table:
    frame = by_share(
        with_theme_labels(themes_of_kind(ctx.results.scope, ctx.vocab, kind), ctx.vocab)
    )
    return Table(
        name=name,
        title=title,
        # `%%` and `% {}`: a percent sign that gettext tools do not read as a placeholder.
        description=_(
            "Share of stories in which each theme appears, with a 95%% confidence interval (Wilson)."
        )
        % {},
        columns=[*theme_columns(), *share_columns(), *flag_columns()],
        frame=frame,
    )


def annex_themes(ctx: Context) -> Section:
    """Every theme's prevalence by kind, and the links from challenges to visions."""
    vocab = ctx.vocab
    blocks: list[Block] = [
        ctx.add(
            _prevalence_table(ctx, "key_challenges", _("Challenges in the stories"), "challenge")
        ),
        ctx.add(_prevalence_table(ctx, "future_visions", _("Visions in the stories"), "vision")),
        ctx.add(_prevalence_table(ctx, "enablers", _("Enablers in the stories"), "enabler")),
    ]
    links = ctx.results.links
    links = with_theme_labels(with_theme_labels(links, vocab, "challenge"), vocab, "vision").sort(
        ["links", "_challenge_order", "_vision_order"],
        descending=[True, False, False],
        nulls_last=True,
    )
    blocks.append(
        Paragraph(
            text=_(
                "A link joins a challenge raised in a present-day story to a vision described in a "
                "future story by the same storyteller. The share is of the storytellers who raised "
                "the challenge."
            )
        )
    )
    blocks.append(
        ctx.add(
            Table(
                name="challenge_vision_links",
                title=_("From challenges to visions"),
                columns=[
                    Column("challenge", _("Challenge key"), people=False),
                    Column("challenge_label", _("Challenge")),
                    Column("vision", _("Vision key"), people=False),
                    Column("vision_label", _("Vision")),
                    Column("links", _("Storytellers with both"), COUNT, HIDDEN),
                    Column(
                        "units_challenge",
                        _("Storytellers with the challenge"),
                        COUNT,
                        HIDDEN_TOTAL,
                    ),
                    Column("share", _("Share"), SHARE, HIDDEN_ANY),
                    *flag_columns(),
                ],
                frame=links,
            )
        )
    )
    return Section(
        key="annex_themes", heading=annex(_("Themes in figures")), blocks=blocks, annex=True
    )


def site_profiles(ctx: Context) -> Section:
    r, vocab = ctx.results, ctx.vocab
    by_site = with_theme_labels(r.by_site, vocab)
    distinctive = with_theme_labels(r.distinctive, vocab)
    rows = []
    for facts in r.site_facts.iter_rows(named=True):
        cells = by_site.filter(pl.col("group") == facts["site"])
        totals = cells.head(1).to_dicts()
        total = totals[0] if totals else {}
        rows.append(
            {
                "site": facts["site"],
                "name": facts["name"],
                "country": vocab.country(facts["country"]),
                "languages": [vocab.language_name(tag) for tag in facts["languages"] or []],
                "workshops": facts["workshops"],
                "stories": total.get("total"),
                "storytellers": total.get("total_storytellers"),
                "first": facts["first"],
                "last": facts["last"],
                "top_themes": top_items(cells),
                "distinctive": distinctive.filter(pl.col("site") == facts["site"])[
                    "theme_label"
                ].to_list(),
                "total_suppressed": bool(total.get("total_suppressed")),
                "total_suppressed_reason": total.get("total_suppressed_reason"),
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "site": pl.String,
            "name": pl.String,
            "country": pl.String,
            "languages": pl.List(pl.String),
            "workshops": pl.Int64,
            "stories": pl.Int64,
            "storytellers": pl.Int64,
            "first": pl.Date,
            "last": pl.Date,
            "top_themes": pl.List(pl.String),
            "distinctive": pl.List(pl.String),
            "total_suppressed": pl.Boolean,
            "total_suppressed_reason": pl.String,
        },
    )
    table = Table(
        name="site_profiles",
        title=_("The sites at a glance"),
        columns=[
            Column("site", _("Site key"), people=False),
            Column("name", _("Site")),
            Column("country", _("Country")),
            Column("languages", _("Languages"), LIST),
            Column("workshops", _("Workshops"), COUNT),
            Column("stories", _("Stories"), COUNT, HIDDEN_TOTAL),
            Column("storytellers", _("Storytellers"), COUNT, HIDDEN_TOTAL),
            Column("first", _("First workshop"), DATE),
            Column("last", _("Last workshop"), DATE),
            Column("top_themes", _("Most frequent themes"), LIST),
            Column("distinctive", _("Distinctive themes"), LIST),
            Column("total_suppressed", _("Total suppressed"), FLAG, people=False),
            *reason_columns("total_suppressed"),
        ],
        frame=frame,
    )
    return Section(
        key="site_profiles",
        heading=annex(_("Site profiles")),
        blocks=[ctx.add(table)],
        annex=True,
    )


def prevalence_chart(ctx: Context) -> charts.ChartSpec:
    """Each theme's share of each site's stories: a heatmap (bars for one site)."""
    r, vocab = ctx.results, ctx.vocab
    heatmap = (
        by_share(with_theme_labels(r.by_site, vocab))
        if not ctx.params.local
        else by_share(with_theme_labels(r.scope, vocab))
    )
    return charts.prevalence_by_site(
        heatmap.with_columns(site_name(vocab, "group")),
        title=_("Theme prevalence by site"),
        description=_("Share of each site's stories in which each theme appears."),
        axis_title=_("Share of stories"),
        theme_title=_("Theme"),
        site_title=_("Site"),
        suppressed_label=hidden_text(None, SHARE, ctx.k),
        language=vocab.language,
        k=ctx.k,
    )


def comparison(ctx: Context) -> Section:
    r, vocab, params = ctx.results, ctx.vocab, ctx.params
    compared = with_theme_labels(r.comparison, vocab).with_columns(
        mapped(r.comparison, "test", test_name, "test_label"),
        site_name(vocab),
    )
    distinctive = with_theme_labels(r.distinctive, vocab).with_columns(site_name(vocab))
    if params.local:
        compared = compared.filter(pl.col("site") == params.site)
        distinctive = distinctive.filter(pl.col("site") == params.site)
    compared = compared.sort(["_theme_order", "site"])
    distinctive = distinctive.sort(
        ["site", "residual", "_theme_order"], descending=[False, True, False]
    )
    blocks: list[Block] = [
        Paragraph(
            text=_(
                "A theme is distinctive for a site when its share there is clearly above what the "
                "other sites would lead one to expect (adjusted standardized residual above 1.96) "
                "and the theme's test of independence across sites is significant at the 5%% level."
            )
            % {}
        )
    ]
    named = [
        _("%(site)s: %(themes)s")
        % {
            "site": vocab.site(site),
            "themes": listing(group["theme_label"].to_list(), vocab.language),
        }
        for (site,), group in distinctive.group_by("site", maintain_order=True)
    ]
    blocks.append(
        Notes(items=named) if named else Paragraph(text=_("No theme is distinctive for any site."))
    )
    blocks.append(ctx.chart_from(prevalence_chart))
    blocks.append(
        ctx.add(
            Table(
                name="distinctive_themes",
                title=_("Distinctive themes"),
                columns=[
                    *site_columns(),
                    *theme_columns(),
                    Column("share", _("Share"), SHARE),
                    Column("expected", _("Expected stories"), DECIMAL),
                    Column("stories", _("Stories"), COUNT),
                    Column("residual", _("Adjusted residual"), DECIMAL),
                    Column("p_value", _("p-value"), PVALUE),
                ],
                frame=distinctive,
            )
        )
    )
    blocks.append(
        ctx.add(
            Table(
                name="comparison",
                title=_("Theme shares by site"),
                columns=[
                    *theme_columns(),
                    *site_columns(),
                    Column("stories", _("Stories"), COUNT, HIDDEN),
                    Column("total", _("All stories"), COUNT, HIDDEN_TOTAL),
                    Column("share", _("Share"), SHARE, HIDDEN_ANY),
                    Column("residual", _("Adjusted residual"), DECIMAL, HIDDEN_ANY),
                    Column("distinctive", _("Distinctive"), FLAG, HIDDEN_ANY),
                    *flag_columns(),
                ],
                frame=compared,
            )
        )
    )
    tests = (
        with_theme_labels(r.comparison, vocab)
        .with_columns(mapped(r.comparison, "test", test_name, "test_label"))
        .unique("theme", keep="first")
        .sort("_theme_order")
    )
    blocks.append(
        ctx.add(
            Table(
                name="comparison_tests",
                title=_("Tests of independence across sites"),
                columns=[
                    *theme_columns(),
                    Column("test", _("Test key"), people=False),
                    Column("test_label", _("Test")),
                    Column("statistic", _("Statistic"), DECIMAL),
                    Column("dof", _("Degrees of freedom"), COUNT),
                    Column("p_value", _("p-value"), PVALUE),
                    Column("too_few_to_compare", _("Too few to compare"), FLAG),
                ],
                frame=tests,
            )
        )
    )
    heading = _("Compared with the other sites") if params.local else _("Comparison across sites")
    return Section(key="comparison", heading=annex(heading), blocks=blocks, annex=True)


def breakdowns(ctx: Context) -> Section:
    r, vocab = ctx.results, ctx.vocab
    blocks: list[Block] = [
        Paragraph(
            text=_(
                "Share of stories with each theme among the stories of storytellers in each group. "
                "A group story counts in every group its storytellers belong to."
            )
        )
    ]
    for attribute, frame in r.breakdowns.items():
        order = vocab.value_order.get(attribute, {})
        labelled = (
            with_theme_labels(frame, vocab)
            .with_columns(
                mapped(
                    frame, "group", lambda value, a=attribute: vocab.value(a, value), "value_label"
                ),
                _value_order=pl.col("group").replace_strict(
                    order, default=len(order), return_dtype=pl.Int64
                ),
            )
            .sort(["_theme_order", "_value_order", "group"])
        )
        blocks.append(
            ctx.add(
                Table(
                    name=f"breakdown_{attribute}",
                    title=_("Breakdown: %(attribute)s") % {"attribute": vocab.attribute(attribute)},
                    columns=[
                        *theme_columns(),
                        Column("group", _("Group key"), people=False),
                        Column("value_label", vocab.attribute(attribute)),
                        *share_columns(),
                        *flag_columns(),
                    ],
                    frame=labelled,
                )
            )
        )
    if not r.breakdowns:
        blocks.append(Paragraph(text=_("The project records no demographic attributes.")))
    return Section(
        key="breakdowns", heading=annex(_("Demographic breakdowns")), blocks=blocks, annex=True
    )


def quote_view(ctx: Context, quote) -> QuoteView:
    vocab, language = ctx.vocab, ctx.params.language
    view = QuoteView(
        text=quote.text,
        language=quote.language,
        language_name=vocab.language_name(quote.language),
        site=vocab.site(quote.site),
    )
    if same_language(quote.language, language):
        return view
    translation = quote.translation
    if translation is None:
        view.note = _(
            "No translation of this excerpt into %(language)s exists; quoted in the original "
            "language."
        ) % {"language": vocab.language_name(language)}
        return view
    view.translation = translation.text
    view.translation_language = translation.language
    if translation.scope == "aligned":
        view.note = (
            _(
                "The matching sentence of the story's machine translation; nobody has "
                "translated this excerpt yet."
            )
            if translation.by == "machine"
            else _(
                "The matching sentence of the story's translation; nobody has translated this "
                "excerpt yet."
            )
        )
    return view


def insights_and_quotes(ctx: Context) -> Section:
    vocab, params = ctx.vocab, ctx.params
    blocks: list[Block] = []
    quote_rows = []
    for insight in ctx.inputs.insights:
        quotes = [q for q in insight.quotes if not params.local or q.site == params.site]
        notes = []
        if insight.fallback_language:
            notes.append(
                _("Not yet available in %(language)s; shown in %(original)s.")
                % {
                    "language": vocab.language_name(params.language),
                    "original": vocab.language_name(insight.fallback_language),
                }
            )
        if insight.evidence_withdrawn:
            notes.append(
                ngettext(
                    "%(n)s excerpt is no longer cited: its storyteller withdrew consent.",
                    "%(n)s excerpts are no longer cited: their storytellers withdrew consent.",
                    insight.evidence_withdrawn,
                )
                % {"n": format_number(insight.evidence_withdrawn)}
            )
        views = [quote_view(ctx, q) for q in quotes]
        blocks.append(
            InsightView(
                title=insight.title,
                summary=insight.summary,
                scope=insight.site_name or _("All sites"),
                themes=[t.label for t in insight.themes],
                outcomes=[o.label for o in insight.outcomes],
                quotes=views,
                notes=notes,
                language=insight.fallback_language,
            )
        )
        for view in views:
            quote_rows.append(
                {
                    "insight": insight.title,
                    "site": view.site,
                    "language": view.language,
                    "language_name": ctx.vocab.language_name(view.language or ""),
                    "text": view.text,
                    "translation_language": view.translation_language,
                    "translation_language_name": ctx.vocab.language_name(
                        view.translation_language or ""
                    ),
                    "translation": view.translation,
                    "note": view.note,
                }
            )
    if not blocks:
        blocks.append(Paragraph(text=_("No insight has been agreed for this briefing yet.")))
    else:
        blocks.insert(
            0,
            Paragraph(
                text=_(
                    "Insights agreed by the project team, with quotes from storytellers who "
                    "consented to being quoted. Quotes appear in their original language, followed "
                    "by a translation where one exists."
                )
            ),
        )
    frame = pl.DataFrame(
        quote_rows,
        schema={
            "insight": pl.String,
            "site": pl.String,
            "language": pl.String,
            "language_name": pl.String,
            "text": pl.String,
            "translation_language": pl.String,
            "translation_language_name": pl.String,
            "translation": pl.String,
            "note": pl.String,
        },
    )
    ctx.add(
        Table(
            name="quotes",
            title=_("Quotes"),
            columns=[
                Column("insight", _("Insight")),
                Column("site", _("Site")),
                Column("language", _("Language tag"), people=False),
                Column("language_name", _("Language")),
                Column("text", _("Quote"), language="language"),
                Column("translation_language", _("Translation language tag"), people=False),
                Column("translation_language_name", _("Translation language")),
                Column("translation", _("Translation"), language="translation_language"),
                Column("note", _("Note")),
            ],
            frame=frame,
        )
    )
    return Section(key="insights", heading=_("Insights and quotes"), blocks=blocks)


def theory_of_change(ctx: Context) -> Section:
    params, inputs = ctx.params, ctx.inputs
    rows = []
    for row in inputs.theory:
        if params.local:
            titles = [
                i.title for i in inputs.insights if any(o.key == row.outcome for o in i.outcomes)
            ]
            stories = None
            sites = [name for name in row.sites if name == ctx.vocab.site(params.site or "")]
            missing: list[str] = []
        else:
            titles, stories, sites, missing = (
                list(row.insights),
                row.stories,
                list(row.sites),
                list(row.sites_without_evidence),
            )
        rows.append(
            {
                "outcome": row.outcome,
                "label": row.label,
                "parent_label": row.parent_label,
                "insights": titles,
                "stories": stories,
                "sites": sites,
                "sites_without_evidence": missing,
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "outcome": pl.String,
            "label": pl.String,
            "parent_label": pl.String,
            "insights": pl.List(pl.String),
            "stories": pl.Int64,
            "sites": pl.List(pl.String),
            "sites_without_evidence": pl.List(pl.String),
        },
    )
    columns = [
        Column("outcome", _("Outcome key"), people=False),
        Column("label", _("Outcome")),
        Column("parent_label", _("Part of")),
        Column("insights", _("Insights"), LIST),
    ]
    if not params.local:
        columns += [
            Column("stories", _("Evidence stories"), COUNT),
            Column("sites", _("Sites with evidence"), LIST),
            Column("sites_without_evidence", _("Sites without evidence"), LIST),
        ]
    else:
        columns.append(Column("sites", _("Evidence from this site"), LIST))
    blocks: list[Block] = [
        Paragraph(
            text=_(
                "Each outcome of the project's Theory of Change with the agreed insights mapped to "
                "it and the sites whose stories give evidence for them."
            )
            if rows
            else _("The project has no Theory-of-Change outcomes yet.")
        ),
        ctx.add(
            Table(
                name="theory_of_change",
                title=_("Theory-of-Change mapping"),
                columns=columns,
                frame=frame,
            )
        ),
    ]
    return Section(
        key="theory_of_change",
        heading=annex(_("Theory-of-Change mapping")),
        blocks=blocks,
        annex=True,
    )


QUALITY_CHECKS = ("uncoded", "missing_translation", "language_mismatch", "near_duplicate", "draft")


def _check_label(check: str) -> str:
    return {
        "uncoded": _("Stories without any theme"),
        "missing_translation": _("Stories without a translation into the project's language"),
        "language_mismatch": _("Stories whose text reads as another language than declared"),
        "near_duplicate": _("Pairs of near-duplicate stories"),
        "draft": _("Draft stories left out"),
        "missing_consent:stories": _("Stories left out for lack of research consent"),
        "missing_consent:storytellers": _("Storytellers left out for lack of research consent"),
    }.get(check, check)


def _quality_row(
    check: str, found: pl.DataFrame | None, exact: int | None = None
) -> dict[str, object]:
    """One row of the data quality table: a published count (`found`: its rows of the
    quality table, hidden with their reason) or an exact one."""
    row: dict[str, object] = {"check": check, "label": _check_label(check)}
    if found is None:
        return {**row, "count": exact, "suppressed": False, "suppressed_reason": None}
    hidden = found.filter(pl.col("suppressed"))
    if hidden.height:
        return {
            **row,
            "count": None,
            "suppressed": True,
            "suppressed_reason": hidden["suppressed_reason"][0],
        }
    count = int(found["value"].sum() or 0) if found.height else 0
    return {**row, "count": count, "suppressed": False, "suppressed_reason": None}


def data_note_items(ctx: Context) -> list[str]:
    """What a reader should know about the figures: protection, shares, labels, checks left out."""
    r, vocab, params, k = ctx.results, ctx.vocab, ctx.params, ctx.k
    notes = [
        _(
            "Counts are perturbed slightly by the cell key method, so that no small count can "
            "be worked out by comparing figures."
        )
        + " "
        + hidden_note(k)
        if params.suppressed
        else _(
            "Disclosure control was switched off for this briefing: every figure is published, "
            "however few storytellers it rests on."
        ),
        _(
            "Shares are of stories: a story told by several storytellers counts once. Intervals "
            "are 95% Wilson score intervals."
        ),
        _("Draft stories are not included."),
    ]
    if vocab.fallbacks:
        shown = [
            f"{vocab.theme(key)} ({vocab.language_name(tag) if tag else _('theme key')})"
            for key, tag in sorted(
                vocab.fallbacks.items(), key=lambda item: vocab.theme_order.get(item[0], 0)
            )
        ]
        notes.append(
            ngettext(
                "%(n)s theme label is not available in %(language)s and is shown in another language: %(themes)s.",
                "%(n)s theme labels are not available in %(language)s and are shown in another language: %(themes)s.",
                len(shown),
            )
            % {
                "n": format_number(len(shown)),
                "language": vocab.language_name(params.language),
                "themes": listing(shown, vocab.language),
            }
        )
    if not r.quality_detail:
        notes.append(
            _(
                "Language detection and the near-duplicate search were left out because the "
                "snapshot holds more than %(n)s stories."
            )
            % {"n": format_number(QUALITY_DETAIL_LIMIT)}
        )
    return notes


def quality_rows(ctx: Context) -> list[dict[str, object]]:
    """The data quality checks of this scope, as published (or exact, unsuppressed) counts."""
    quality, params = ctx.results.quality, ctx.params
    rows = []
    for check in QUALITY_CHECKS:
        if params.suppressed:
            # Published counts over every site of the scope (`site` empty).
            found = quality.filter((pl.col("check") == check) & pl.col("site").is_null())
            rows.append(_quality_row(check, found))
        else:
            count = quality.filter(pl.col("check") == check).height
            rows.append(_quality_row(check, None, count))
    for what in ("stories", "storytellers"):
        found = quality.filter((pl.col("check") == "missing_consent") & (pl.col("detail") == what))
        rows.append(_quality_row(f"missing_consent:{what}", found))
    return rows


def data_notes(ctx: Context) -> Section:
    r, vocab = ctx.results, ctx.vocab
    rows = quality_rows(ctx)
    quality_table = Table(
        name="data_quality",
        title=_("Data quality"),
        columns=[
            Column("check", _("Check key"), people=False),
            Column("label", _("Check")),
            Column("count", _("Findings"), COUNT, HIDDEN),
            Column("suppressed", _("Suppressed"), FLAG, people=False),
            *reason_columns("suppressed"),
        ],
        frame=pl.DataFrame(
            rows,
            schema={
                "check": pl.String,
                "label": pl.String,
                "count": pl.Int64,
                "suppressed": pl.Boolean,
                "suppressed_reason": pl.String,
            },
        ),
    )
    representativeness = (
        r.representativeness.select("site", "attribute", "score")
        .unique(["site", "attribute"], keep="first")
        .sort("site", "attribute")
        .with_columns(
            mapped(r.representativeness, "attribute", vocab.attribute, "attribute_label"),
            site_name(vocab),
        )
    )
    blocks: list[Block] = [
        ctx.add(quality_table),
        Paragraph(
            text=_(
                "How closely the storytellers resemble each site's population, per attribute with "
                "reference shares: 1 means the same distribution, 0 none in common."
            )
        ),
        ctx.add(
            Table(
                name="representativeness",
                title=_("Representativeness"),
                columns=[
                    *site_columns(),
                    Column("attribute", _("Attribute key"), people=False),
                    Column("attribute_label", _("Attribute")),
                    Column("score", _("Score"), DECIMAL),
                ],
                frame=representativeness,
            )
        ),
    ]
    return Section(key="data_notes", heading=annex(_("Data quality")), blocks=blocks, annex=True)
