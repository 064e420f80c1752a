"""An attacker with an author's or a default researcher's token tries to pin small cells.

A project is built through the API with small site × theme cells on purpose (k = 3), every
story coded alike by two coders, and a few uncoded stories per site. The attacker asks
prevalence for every subset of up to three sites (and all four), by project, by site and by
country, per country, per story kind, per age band and per date window; the breakdown by age
band, coder agreement (its positive units per theme are the same cells) and the quality
counts (uncoded stories per site) for every subset; and reads every figure of every briefing
of the project (cross-site and one per site) from its JSON tables. Every
published number is a linear relation over the true site × theme counts: a published value P
of a sum means the sum lies within P ± D (D, the most any count moves, is public), a hidden one
that the sum lies below k. The attacker keeps, for each small cell (0 < count < k), every value
consistent with all relations at once; a cell left with a single value is pinned.

The attacker knows the method: a group over n sites publishes the sum of n published cells,
each within `largest_change(k)` of its true count.
"""

from __future__ import annotations

import itertools

import pytest

from civicfutures.analysis.ptable import largest_change
from civicfutures.briefings import storage
from civicfutures.storage.objects import get_storage

pytestmark = pytest.mark.usefixtures("database")

PATH = "/api/v1/analysis"
K = 3
SITES = {"gdansk": "PL", "krakow": "PL", "voru": "EE", "tartu": "EE"}
THEMES = ("housing", "transport", "green")
# Stories per site, each told by its own storyteller: the themes each story carries.
# Cells of 1 and 2 stories sit beside cells of 3 to 7, in every site and theme.
STORIES = {
    "gdansk": [("housing",)] * 5 + [("transport",)] * 1 + [("green", "housing")] * 2,
    "krakow": [("housing",)] * 2 + [("transport",)] * 4 + [("green",)] * 1,
    "voru": [("housing",)] * 1 + [("transport", "green")] * 2 + [("green",)] * 4,
    "tartu": [("housing", "transport")] * 3 + [("transport",)] * 2 + [("green",)] * 2,
}


# Stories per site that nobody coded: the quality report's cells.
UNCODED = {"gdansk": 1, "krakow": 2, "voru": 4, "tartu": 0}


def true_cells() -> dict[tuple[str, str], int]:
    return {
        (site, theme): sum(theme in themes for themes in STORIES[site])
        for site in SITES
        for theme in THEMES
    }


async def build(client, admin) -> None:
    async def post(path: str, body: dict) -> dict:
        response = await client.post(path, json=body, headers=admin)
        assert response.status_code == 201, response.text
        return response.json()

    project = {"slug": "attack", "name": "Attack", "default_language": "en"}
    project["disclosure_threshold"] = K
    project["demographics"] = [{"name": "age_band", "choices": [{"value": "16-24"}]}]
    await post("/api/v1/projects", project)
    for slug, country in SITES.items():
        await post(
            "/api/v1/sites",
            {"project": "attack", "slug": slug, "name": slug, "country": country,
             "languages": ["en"]},
        )  # fmt: skip
    for key in THEMES:
        await post(
            "/api/v1/themes",
            {"project": "attack", "key": key, "kind": "challenge", "labels": {"en": key}},
        )
    for slug, stories in STORIES.items():
        workshop = await post(
            "/api/v1/workshops",
            {"site": slug, "date": "2025-03-15", "kind": "storytelling", "language": "en"},
        )
        for n, themes in enumerate([*stories, *([()] * UNCODED[slug])]):
            teller = await post(
                "/api/v1/storytellers",
                {
                    "site": slug,
                    "code": f"{slug.upper()}-{n}",
                    "demographics": {"age_band": "16-24"},
                    "consent": {"version": "v1", "given_at": "2025-03-15T10:00:00Z",
                                "scopes": ["research"]},
                },
            )  # fmt: skip
            await post(
                "/api/v1/stories",
                {
                    "workshop": workshop["id"],
                    "storytellers": [teller["id"]],
                    "kind": "present",
                    "language": "en",
                    "title": f"Story {n}",
                    # Bodies share no words: no two stories are near duplicates.
                    "body": " ".join(f"{slug}{n}word{i}" for i in range(8)),
                    "codings": [
                        {"theme": theme, "coder": coder}
                        for theme in themes
                        for coder in ("coder-a", "coder-b")
                    ],
                },
            )


Relation = tuple[frozenset[str], str, int | None]
"""(sites summed, theme, published stories or None when hidden)."""


async def harvest(client, headers, briefings: list[str]) -> tuple[list[Relation], dict]:
    """Every relation the attacker's requests publish, and the answers by request."""
    relations: list[Relation] = []
    answers: dict = {}
    methods: set[str] = set()

    quality: list[Relation] = []

    async def ask(key, kind="prevalence", **params) -> list[dict]:
        response = await client.get(
            f"{PATH}/{kind}", params={"project": "attack", **params}, headers=headers
        )
        assert response.status_code == 200, response.text
        methods.add(response.json()["disclosure"].get("method", "suppression"))
        rows = response.json()["rows"]
        answers[key] = rows
        return rows

    def add(rows: list[dict], sites_of_group) -> None:
        for row in rows:
            relations.append(
                (frozenset(sites_of_group(row["group"])), row["theme"], row["stories"])
            )

    subsets = [frozenset(c) for size in (1, 2, 3, 4) for c in itertools.combinations(SITES, size)]
    for subset in subsets:
        listed = ",".join(sorted(subset))
        add(await ask(("project", subset), by="project", sites=listed), lambda _g, s=subset: s)
        add(await ask(("site", subset), by="site", sites=listed), lambda g: {g})
        add(
            await ask(("country", subset), by="country", sites=listed),
            lambda g, s=subset: {site for site in s if SITES[site] == g},
        )
        # Every story is a present one, by someone 16-24, told on 2025-03-15: these groupings
        # and windows cover the same stories as the project does, and say so to the attacker.
        for by in ("story_kind", "workshop_kind", "age_band"):
            add(await ask((by, subset), by=by, sites=listed), lambda _g, s=subset: s)
        add(
            await ask(("window", subset), by="project", sites=listed, date_from="2025-03-01",
                      date_to="2025-03-31"),
            lambda _g, s=subset: s,
        )  # fmt: skip
    for country in ("PL", "EE"):
        add(
            await ask(("countries", country), by="site", countries=country),
            lambda g: {g},
        )
    for subset in subsets:
        listed = ",".join(sorted(subset))
        # Every storyteller is 16-24: the breakdown's cells are the sites' cells.
        for row in await ask(("breakdown", subset), kind="breakdown", by="age_band", sites=listed):
            relations.append((frozenset({row["site"]}), row["theme"], row["stories"]))
        # Both coders coded every coded story alike: a theme's positive units are its stories.
        for row in await ask(("agreement", subset), kind="agreement", sites=listed):
            relations.append((subset, row["theme"], row["positive"]))
        for row in await ask(("quality", subset), kind="quality", sites=listed):
            if row["check"] == "uncoded":
                summed = subset if row["site"] is None else frozenset({row["site"]})
                value = None if row["value"] is None else int(row["value"])
                quality.append((summed, "uncoded", value))
    await read_briefings(client, headers, briefings, relations, quality)
    # The attacker reads the method from the answers: perturbed counts move by up to
    # `largest_change(k)` each, suppressed tables publish exact counts.
    (method,) = methods
    answers["change"] = largest_change(K) if method == "cell key" else 0
    answers["quality"] = quality
    return relations, answers


async def build_briefings(client, admin) -> list[str]:
    """Every briefing of the project: the cross-site one and one per site, at the project's k."""
    built = []
    for site in (None, *SITES):
        body = {"project": "attack", "language": "en", **({"site": site} if site else {})}
        response = await client.post("/api/v1/briefings", json=body, headers=admin)
        assert response.status_code == 201, response.text
        built.append(response.json()["id"])
    return built


async def read_briefings(
    client, headers, briefings: list[str], relations: list, quality: list
) -> None:
    """Every count of every briefing, read from its JSON tables as relations."""
    for briefing in briefings:
        got = await client.get(f"/api/v1/briefings/{briefing}/files/briefing.json",
                               headers=headers)  # fmt: skip
        assert got.status_code == 200, got.text
        document = got.json()
        site = document["parameters"].get("site")
        scope = frozenset({site} if site else SITES)
        tables = {
            name: [dict(zip([c["key"] for c in t["columns"]], row, strict=True)) for row in t["rows"]]
            for name, t in document["tables"].items()
        }  # fmt: skip
        for row in tables["key_challenges"]:
            relations.append((scope, row["theme"], row["stories"]))
        # The comparison spans every site of the project.
        for row in tables["comparison"]:
            relations.append((frozenset({row["site"]}), row["theme"], row["stories"]))
        for row in tables.get("breakdown_age_band", []):
            relations.append((scope, row["theme"], row["stories"]))
        for row in tables["data_quality"]:
            if row["check"] == "uncoded":
                quality.append((scope, "uncoded", row["count"]))
        # No exact small count of people anywhere in the figures of the briefing.
        for row in tables["method_languages"] + tables["method_story_kinds"]:
            assert row["stories"] is None or row["stories"] >= K


def consistent_values(
    relations: list[Relation],
    change: int,
    hidden_below_k: bool = True,
    themes: tuple[str, ...] = THEMES,
) -> dict[tuple[str, str], set[int]]:
    """For each site × theme cell, every value some assignment consistent with all relations
    gives it (an exhaustive search per theme: cells of different themes share no relation).

    `hidden_below_k`: a hidden number is known to be below k (true of the cell key method,
    where nothing is hidden only to protect another cell); without it, a hidden cell of a
    site may hold anything up to the site's size (every site told at most 8 stories).
    """
    d = change
    out: dict[tuple[str, str], set[int]] = {}
    sites = list(SITES)
    for theme in themes:
        mine = [(s, v) for s, t, v in relations if t == theme]
        # Each cell's own relations first bound it; the sums then prune the combinations.
        domains = []
        for site in sites:
            values = set(range(0, 9))
            for summed, value in mine:
                if summed != {site}:
                    continue
                if value is not None:
                    values &= set(range(value - d, value + d + 1))
                elif hidden_below_k:
                    values &= set(range(K))
            domains.append(sorted(values))
        possible: dict[str, set[int]] = {site: set() for site in sites}
        for combination in itertools.product(*domains):
            assigned = dict(zip(sites, combination, strict=True))
            if all(
                (not hidden_below_k or sum(assigned[s] for s in summed) < K)
                if value is None
                else (abs(sum(assigned[s] for s in summed) - value) <= d * len(summed))
                for summed, value in mine
            ):
                for site in sites:
                    possible[site].add(assigned[site])
        for site in sites:
            out[(site, theme)] = possible[site]
    return out


@pytest.mark.parametrize("role", ["author", "researcher"])
async def test_no_small_cell_is_pinned(client, admin, token_for, role) -> None:
    await build(client, admin)
    truth = true_cells()
    small = {cell: n for cell, n in truth.items() if 0 < n < K}
    assert len(small) >= 6  # the project has small cells to attack

    briefings = await build_briefings(client, admin)
    try:
        relations, answers = await harvest(client, await token_for(role), briefings)
    finally:
        # Briefings live in the store, not in the database the next test empties.
        store = get_storage()
        for briefing in briefings:
            storage.remove(store, briefing)
            store.delete_sync(storage.status_key(briefing))
    # First an attacker who reads nothing into a hidden number but its site's size.
    loose = consistent_values(relations, answers["change"], hidden_below_k=False)
    assert sorted(cell for cell in small if len(loose[cell]) == 1) == []
    # Then one who knows a hidden number is below k.
    values = consistent_values(relations, answers["change"])
    # The truth always stays possible: the relations are honest about the perturbation.
    assert all(truth[cell] in values[cell] for cell in truth)
    pinned = sorted(cell for cell in small if len(values[cell]) == 1)
    assert pinned == []
    # The quality counts: uncoded stories per site (1 and 2 are small).
    uncoded = {(site, "uncoded"): n for site, n in UNCODED.items()}
    found = consistent_values(answers["quality"], answers["change"], themes=("uncoded",))
    assert all(uncoded[cell] in found[cell] for cell in uncoded)
    assert sorted(cell for cell, n in uncoded.items() if 0 < n < K and len(found[cell]) == 1) == []

    # The old attack: (sites A, B) minus (site B) by project, for each small cell of A.
    def published(subset, theme):
        rows = answers[("project", frozenset(subset))]
        return next(r["stories"] for r in rows if r["theme"] == theme)

    exact = 0
    tried = 0
    for (site, theme), n in small.items():
        for other in SITES:
            if other == site:
                continue
            both, alone = published({site, other}, theme), published({other}, theme)
            if both is None or alone is None:
                continue
            tried += 1
            exact += both - alone == n
    assert tried > 0
    assert exact < tried
