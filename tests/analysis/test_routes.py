"""`GET /api/v1/analysis/{kind}` through the real app: formats, filters, roles, errors."""

from __future__ import annotations

import io

import polars as pl
import pytest

from civicfutures.analysis.params import client_name
from civicfutures.analysis.suite import INSIGHTS, KINDS
from civicfutures.i18n import gettext, use_locale

# The database is emptied before any other fixture writes to it.
pytestmark = pytest.mark.usefixtures("database")

PATH = "/api/v1/analysis"


@pytest.fixture
async def analysis_world(app, client, admin, world) -> dict:
    """The harness's world with two youth_voice stories per site, each by its own storyteller."""
    from builders import story_body

    for site in ("gdansk", "voru"):
        for teller in world["storytellers"][site]:
            body = story_body(world, site, storytellers=[teller["id"]])
            response = await client.post("/api/v1/stories", json=body, headers=admin)
            assert response.status_code == 201, response.text
    return world


async def test_prevalence_as_json(client, analysis_world, token_for) -> None:
    researcher = await token_for("researcher")
    response = await client.get(
        f"{PATH}/prevalence", params={"project": "futures"}, headers=researcher
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "prevalence"
    assert body["disclosure"] == {
        "k": 2,
        "suppression": "applied",
        "method": "cell key",
        "publication": "published",
    }
    assert response.headers["x-publication"] == "published"
    assert response.headers["x-snapshot-id"] == body["snapshot"]
    assert body["columns"][:8] == [
        "group",
        "theme",
        "stories",
        "total",
        "share",
        "ci_low",
        "ci_high",
        "storytellers",
    ]
    rows = {(r["group"], r["theme"]): r for r in body["rows"]}
    # Two stories per site about youth_voice by two storytellers (k = 2): published.
    # A count of k moves only upwards of k, and here there is no room: published as is.
    assert rows[("gdansk", "youth_voice")]["stories"] == 2
    assert rows[("gdansk", "youth_voice")]["share"] == 1.0
    # A cell of no stories is not published: it would tell zero apart from the small cells.
    assert rows[("voru", "digital_tools")]["suppressed"]
    assert rows[("voru", "digital_tools")]["stories"] is None
    assert "key" not in body["columns"] and "total_key" not in body["columns"]


async def test_small_cells_are_suppressed_in_the_answer(
    client, admin, analysis_world, token_for
) -> None:
    from builders import story_body

    teller = analysis_world["storytellers"]["gdansk"][0]["id"]
    future = story_body(
        analysis_world, "gdansk", storytellers=[teller], kind="future", horizon_year=2050,
        codings=[{"theme": "digital_tools", "coder": "coder-a"}],
    )  # fmt: skip
    assert (await client.post("/api/v1/stories", json=future, headers=admin)).status_code == 201
    researcher = await token_for("researcher")
    response = await client.get(
        f"{PATH}/prevalence", params={"project": "futures", "by": "story_kind"}, headers=researcher
    )
    rows = response.json()["rows"]
    # The one future story rests on one storyteller: its cell and total go. Nothing else is
    # hidden to protect it (perturbation, not subtraction-proof patterns, guards the sums).
    future_rows = [r for r in rows if r["group"] == "future"]
    assert all(r["suppressed"] and r["stories"] is None and r["share"] is None for r in future_rows)
    assert all(r["total_suppressed"] and r["total"] is None for r in future_rows)
    present = {r["theme"]: r for r in rows if r["group"] == "present"}
    assert not present["youth_voice"]["suppressed"] and present["youth_voice"]["stories"] >= 2
    assert not present["youth_voice"]["total_suppressed"] and present["youth_voice"]["total"] >= 2


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
async def test_other_formats(client, analysis_world, token_for, fmt: str) -> None:
    author = await token_for("author")
    response = await client.get(
        f"{PATH}/prevalence",
        params={"project": "futures", "by": "country", "format": fmt},
        headers=author,
    )
    assert response.status_code == 200, response.text
    reader = pl.read_csv if fmt == "csv" else pl.read_parquet
    table = reader(io.BytesIO(response.content))
    assert sorted(set(table["group"])) == ["EE", "PL"]
    assert "suppressed" in table.columns


async def test_filters_reach_the_analysis(client, analysis_world, token_for) -> None:
    researcher = await token_for("researcher")
    response = await client.get(
        f"{PATH}/prevalence",
        params={
            "project": "futures",
            "sites": "voru,gdansk",
            "from": "2025-01-01",
            "to": "2025-12-31",
        },
        headers=researcher,
    )
    assert {r["group"] for r in response.json()["rows"]} == {"voru", "gdansk"}
    response = await client.get(
        f"{PATH}/prevalence", params={"project": "futures", "sites": "voru"}, headers=researcher
    )
    assert {r["group"] for r in response.json()["rows"]} == {"voru"}
    response = await client.get(
        f"{PATH}/prevalence", params={"project": "futures", "to": "2025-01-01"}, headers=researcher
    )
    assert response.json()["rows"] == []


async def test_roles(client, analysis_world, token_for) -> None:
    query = {"project": "futures"}
    assert (await client.get(f"{PATH}/prevalence", params=query)).status_code == 401
    partner = await token_for("partner", "gdansk")
    assert (
        await client.get(f"{PATH}/prevalence", params=query, headers=partner)
    ).status_code == 403


async def test_unsuppressed_tables_need_the_right(client, analysis_world, token_for) -> None:
    query = {"project": "futures", "unsuppressed": "true"}
    plain = await token_for("researcher")
    refused = await client.get(f"{PATH}/prevalence", params=query, headers=plain)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["field"] == "unsuppressed"
    granted = await token_for("researcher", unsuppressed=True)
    response = await client.get(f"{PATH}/prevalence", params=query, headers=granted)
    assert response.status_code == 200
    assert response.headers["x-suppression"] == "none"
    assert not any(r["suppressed"] for r in response.json()["rows"])


@pytest.mark.parametrize(
    ("kind", "query", "status", "field"),
    [
        ("horoscope", {"project": "futures"}, 404, None),
        ("prevalence", {"project": "nope"}, 404, None),
        ("prevalence", {"project": "futures", "by": "shoe_size"}, 422, "by"),
        ("prevalence", {"project": "futures", "from": "yesterday"}, 422, "from"),
        ("prevalence", {"project": "futures", "format": "xlsx"}, 422, "format"),
    ],
)
async def test_errors(client, analysis_world, token_for, kind, query, status, field) -> None:
    researcher = await token_for("researcher")
    response = await client.get(f"{PATH}/{kind}", params=query, headers=researcher)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == status
    if field:
        assert [e["field"] for e in body["errors"]] == [field]


# What a client may state in the query string, with a value for each.
QUERY = {
    "by": "country",
    "sites": "gdansk",
    "countries": "PL",
    "story_kind": "future",
    "from": "2025-01-01",
    "to": "2025-12-31",
    "unsuppressed": "true",
}


def _unread_in_query() -> list[tuple[str, str]]:
    return [
        (kind, name)
        for kind in KINDS
        for name in QUERY
        if name not in {client_name(f) for f in INSIGHTS[kind].parameters}
    ]


def test_every_kind_is_checked_for_grouping() -> None:
    assert ("comparison", "by") in _unread_in_query()
    assert ("prevalence", "by") not in _unread_in_query()


@pytest.mark.parametrize(("kind", "name"), _unread_in_query())
async def test_a_parameter_the_kind_ignores_is_refused(
    client, analysis_world, token_for, kind, name
) -> None:
    researcher = await token_for("researcher", unsuppressed=True)
    response = await client.get(
        f"{PATH}/{kind}",
        params={"project": "futures", name: QUERY[name]},
        headers={**researcher, "Accept-Language": "pl"},
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == name
    assert error["message"] == f"Analiza {kind} nie przyjmuje parametru „{name}”."


async def test_a_grouping_the_kind_reads_is_taken(client, analysis_world, token_for) -> None:
    researcher = await token_for("researcher")
    response = await client.get(
        f"{PATH}/prevalence", params={"project": "futures", "by": "country"}, headers=researcher
    )
    assert response.status_code == 200, response.text
    assert {row["group"] for row in response.json()["rows"]} == {"PL", "EE"}


@pytest.mark.parametrize(
    "kind",
    [
        "comparison",
        "distinctive",
        "breakdown",
        "cooccurrence",
        "links",
        "agreement",
        "quality",
        "representativeness",
    ],
)
async def test_every_kind_answers(client, analysis_world, token_for, kind: str) -> None:
    researcher = await token_for("researcher")
    response = await client.get(f"{PATH}/{kind}", params={"project": "futures"}, headers=researcher)
    assert response.status_code == 200, response.text
    assert response.json()["kind"] == kind


async def test_a_new_story_shows_in_the_next_answer(
    client, admin, analysis_world, token_for
) -> None:
    """The API keeps recent snapshots loaded; new data makes a new snapshot, never a stale answer."""
    from builders import story_body

    # The exact working table, so that one more story reads as exactly one more.
    params = {"project": "futures", "format": "json", "unsuppressed": "true"}

    async def gdansk_youth_voice() -> tuple[str, int]:
        response = await client.get(f"{PATH}/prevalence", params=params, headers=admin)
        assert response.status_code == 200, response.text
        body = response.json()
        rows = {(r["group"], r["theme"]): r for r in body["rows"]}
        return body["snapshot"], rows[("gdansk", "youth_voice")]["stories"]

    first, before = await gdansk_youth_voice()
    assert (first, before) == await gdansk_youth_voice()  # same data: same snapshot, same answer
    teller = analysis_world["storytellers"]["gdansk"][0]["id"]
    polish = story_body(
        analysis_world, "gdansk", storytellers=[teller], title="Gęś w ratuszu", body="Żółć i gęś."
    )
    response = await client.post("/api/v1/stories", json=polish, headers=admin)
    assert response.status_code == 201, response.text
    second, after = await gdansk_youth_voice()
    assert second != first
    assert after == before + 1


async def test_exact_tables_are_marked_not_for_publication(
    client, analysis_world, token_for
) -> None:
    granted = await token_for("researcher", unsuppressed=True)
    params = {"project": "futures", "unsuppressed": "true"}
    response = await client.get(f"{PATH}/prevalence", params=params, headers=granted)
    assert response.status_code == 200, response.text
    assert response.json()["disclosure"]["publication"] == "not for publication"
    assert response.json()["disclosure"]["method"] == "none"
    rows = {(r["group"], r["theme"]): r for r in response.json()["rows"]}
    assert rows[("voru", "digital_tools")]["stories"] == 0  # exact: a zero reads as zero
    csv = await client.get(
        f"{PATH}/prevalence", params={**params, "format": "csv"}, headers=granted
    )
    assert csv.headers["x-publication"] == "not for publication"
    # The file itself says so too: a first column, on every row.
    exact = pl.read_csv(io.BytesIO(csv.content))
    assert exact.columns[0] == "publication"
    assert set(exact["publication"]) == {"not for publication"}
    published = await client.get(
        f"{PATH}/prevalence", params={"project": "futures", "format": "csv"}, headers=granted
    )
    assert "publication" not in pl.read_csv(io.BytesIO(published.content)).columns


@pytest.mark.parametrize(
    ("lang", "detail", "by"),
    [
        (
            "pl",
            "Analizy nie można uruchomić z tymi parametrami.",
            "„shoe_size” nie jest sposobem grupowania: wybierz site, country, project,",
        ),
        (
            "ar",
            "لا يمكن إجراء التحليل بهذه المعاملات.",
            "”shoe_size“ ليس تجميعًا: اختر site أو country أو project أو",
        ),
    ],
)
async def test_errors_are_in_the_readers_language_and_name_the_field(
    client, analysis_world, token_for, lang, detail, by
) -> None:
    researcher = await token_for("researcher")
    grouped = await client.get(
        f"{PATH}/prevalence",
        params={"project": "futures", "by": "shoe_size", "lang": lang},
        headers=researcher,
    )
    assert grouped.status_code == 422, grouped.text
    assert grouped.json()["detail"] == detail
    [error] = grouped.json()["errors"]
    assert error["field"] == "by" and error["message"].startswith(by), error
    dated = await client.get(
        f"{PATH}/prevalence",
        params={"project": "futures", "from": "soon", "lang": lang},
        headers=researcher,
    )
    assert dated.status_code == 422, dated.text
    with use_locale(lang):
        expected = gettext("Enter a date as YYYY-MM-DD.")
    assert expected != "Enter a date as YYYY-MM-DD."
    assert dated.json()["errors"] == [{"field": "from", "message": expected}]
