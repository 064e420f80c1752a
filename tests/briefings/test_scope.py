"""Every count of a local briefing is its site's, every count of the cross-site one the
project's: each demo site's briefing and the cross-site one, read back from `briefing.json`,
against direct queries on the database's tables (never through the briefing code).

Built with disclosure control off (exact counts) the figures must be equal; built as
published (k = 3) a shown count lies within the perturbation of the exact one and a count
hidden as small is small.
"""

from __future__ import annotations

import json
from pathlib import Path

from briefings.demo import PROJECT

SITES = ("gdansk", "voru", "reggio-emilia", "greater-manchester")
ANALYSED = ("submitted", "reviewed")
K = 3


async def counts_in_database(site: str | None) -> dict[str, object]:
    """What a briefing of `site` (or of the whole project) must report, from the tables."""
    from civicfutures.db.tables import Story, StoryStoryteller, Storyteller

    in_project = Story.site.project.slug == PROJECT
    stories = await Story.select(
        Story.id,
        Story.site.slug.as_alias("site"),
        Story.workshop,
        Story.language,
        Story.status,
    ).where(in_project)
    tellers = (
        await Storyteller.select(
            Storyteller.id,
            Storyteller.site.slug.as_alias("site"),
            Storyteller.consent_scopes,
            Storyteller.consent_withdrawn_at,
        )
        .where(Storyteller.site.project.slug == PROJECT)
        .output(load_json=True)
    )
    links = await StoryStoryteller.select(
        StoryStoryteller.story, StoryStoryteller.storyteller
    ).where(StoryStoryteller.story.site.project.slug == PROJECT)
    consented = {
        t["id"]
        for t in tellers
        if "research" in (t["consent_scopes"] or []) and t["consent_withdrawn_at"] is None
    }
    tellers_of: dict[int, set[int]] = {}
    for link in links:
        tellers_of.setdefault(link["story"], set()).add(link["storyteller"])
    here = [s for s in stories if site is None or s["site"] == site]
    kept = [s for s in here if tellers_of.get(s["id"]) and tellers_of[s["id"]] <= consented]
    analysed = [s for s in kept if s["status"] in ANALYSED]
    languages: dict[str, int] = {}
    for story in analysed:
        languages[story["language"]] = languages.get(story["language"], 0) + 1
    return {
        "stories": len(analysed),
        "storytellers": len({t for s in analysed for t in tellers_of[s["id"]]}),
        "workshops": len({s["workshop"] for s in analysed}),
        "languages": languages,
        "draft": sum(s["status"] == "draft" for s in kept),
        "missing_consent:stories": len(here) - len(kept),
        "missing_consent:storytellers": sum(
            t["id"] not in consented for t in tellers if site is None or t["site"] == site
        ),
    }


def counts_in_briefing(directory: Path) -> dict[str, object]:
    """The same counts as the briefing states them (English labels, keyed tables)."""
    data = json.loads((directory / "briefing.json").read_text(encoding="utf-8"))
    method = next(s for s in data["sections"] if s["key"] == "method")
    facts = next(b for b in method["blocks"] if b["type"] == "facts")["items"]
    fact = {f["label"]: f["value"] for f in facts}

    def table(name: str) -> list[dict]:
        t = data["tables"][name]
        keys = [c["key"] for c in t["columns"]]
        return [dict(zip(keys, row, strict=True)) for row in t["rows"]]

    quality = {row["check"]: row for row in table("data_quality")}
    return {
        "stories": fact["Stories"],
        "storytellers": fact["Storytellers"],
        "workshops": fact["Workshops"],
        "languages": {row["language"]: row for row in table("method_languages")},
        **{
            check: quality[check]
            for check in ("draft", "missing_consent:stories", "missing_consent:storytellers")
        },
    }


async def _add_a_draft(site: str) -> None:
    """A draft story at one site, told by a consenting storyteller there: left out of the
    analyses and counted among the drafts of that site only."""
    from civicfutures.db.tables import Story, StoryStoryteller

    story = (
        await Story.objects()
        .where((Story.site.slug == site) & (Story.status == "reviewed"))
        .order_by(Story.id)
        .first()
    )
    teller = (
        await StoryStoryteller.select(StoryStoryteller.storyteller)
        .where(StoryStoryteller.story == story.id)
        .first()
    )
    draft = Story(
        workshop=story.workshop,
        site=story.site,
        kind=story.kind,
        language=story.language,
        title="Szkic",
        body="Szkic historii, jeszcze nieprzesłany.",
        status="draft",
    )
    await draft.save()
    await StoryStoryteller(story=draft.id, storyteller=teller["storyteller"]).save()


async def scoped_builds() -> dict[str, dict[str, Path]]:
    """Each site's briefing and the cross-site one, exact and published, over the demo
    with one draft added at Gdańsk; with the database's counts of each scope."""
    from civicfutures.auth.actor import SYSTEM
    from civicfutures.briefings.params import BriefingIn
    from civicfutures.briefings.service import BriefingService
    from civicfutures.demo import load_demo

    await load_demo()
    await _add_a_draft("gdansk")
    service = BriefingService()
    built: dict[str, dict[str, Path]] = {}
    for site in (*SITES, None):
        built[site or "all"] = {
            "exact": await service.build_into(
                SYSTEM, BriefingIn(project=PROJECT, site=site, language="en", suppression=0)
            ),
            "published": await service.build_into(
                SYSTEM, BriefingIn(project=PROJECT, site=site, language="en")
            ),
        }
    return built


async def test_every_count_is_the_scope_s_own():
    """One build of every scope serves all the checks: ten briefings in every format are
    the slow part, so they are made once."""
    built = await scoped_builds()
    for site in (*SITES, None):
        await check_scope(built, site)
    check_exclusions(built)


async def check_scope(scoped_builds, site):
    from civicfutures.analysis.ptable import largest_change
    from civicfutures.briefings.tables import hidden_text
    from civicfutures.i18n import use_locale

    truth = await counts_in_database(site)
    exact = counts_in_briefing(scoped_builds[site or "all"]["exact"])
    assert exact["stories"] == str(truth["stories"])
    assert exact["storytellers"] == str(truth["storytellers"])
    assert exact["workshops"] == str(truth["workshops"])
    assert {tag: row["stories"] for tag, row in exact["languages"].items()} == truth["languages"]
    for check in ("draft", "missing_consent:stories", "missing_consent:storytellers"):
        assert exact[check]["count"] == truth[check], check

    published = counts_in_briefing(scoped_builds[site or "all"]["published"])
    # A cross-site figure is the sum of the sites' perturbed cells: each may move by D.
    tolerance = largest_change(K) * (1 if site else len(SITES))
    with use_locale("en"):
        few = hidden_text("few", "count", K)
    for what in ("stories", "storytellers"):
        if published[what] == few:
            assert truth[what] < K, what
        else:
            # The cell key method moves a count by at most D per site; never a hidden one.
            assert abs(int(published[what]) - truth[what]) <= tolerance, what
    assert published["workshops"] == str(truth["workshops"])
    assert set(published["languages"]) == set(truth["languages"])
    for tag, row in published["languages"].items():
        if row["suppressed"]:
            assert row["suppressed_reason"] != "few" or truth["languages"][tag] < K, tag
        else:
            assert abs(row["stories"] - truth["languages"][tag]) <= tolerance, tag
    for check in ("draft", "missing_consent:stories", "missing_consent:storytellers"):
        row = published[check]
        if row["suppressed"]:
            assert row["suppressed_reason"] != "few" or truth[check] < K, check
        else:
            assert abs(row["count"] - truth[check]) <= tolerance, check


def check_exclusions(scoped_builds):
    """The figures the report expected: each site its own exclusions, none the project's."""
    expected = {}
    for site in (*SITES, None):
        exact = counts_in_briefing(scoped_builds[site or "all"]["exact"])
        expected[site] = tuple(
            exact[check]["count"]
            for check in ("missing_consent:stories", "missing_consent:storytellers", "draft")
        )
    per_site = [expected[site] for site in SITES]
    assert expected[None] == tuple(sum(column) for column in zip(*per_site, strict=True))
    assert expected["gdansk"][2] == 1 and expected["voru"][2] == 0
    assert expected["voru"][:2] == (0, 0)
    assert sum(1 for site in SITES if expected[site][:2] != (0, 0)) >= 2
