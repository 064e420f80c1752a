"""Snapshots from the real database: consent filtering, stable content-addressed ids, schemas."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from civicfutures.analysis import duckdb_suite
from civicfutures.analysis.params import AnalysisParams
from civicfutures.analysis.schema import TABLES
from civicfutures.analysis.snapshot import build_snapshot, load_snapshot
from civicfutures.analysis.suite import run

# The database is emptied before any other fixture writes to it.
pytestmark = pytest.mark.usefixtures("database")


async def post(client, headers, path: str, body: dict) -> dict:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def teller(site: str, code: str, scopes: list[str], age: str = "16-24") -> dict:
    return {
        "site": site,
        "code": code,
        "demographics": {"age_band": age},
        "consent": {"version": "v1", "given_at": "2025-03-15T10:00:00Z", "scopes": scopes},
    }


@pytest.fixture
async def consent_world(client, admin, world) -> dict:
    """The harness's world plus storytellers without research consent and one who withdraws.

    Stories: g1 (GDANSK-1, youth_voice), g2 (GDANSK-2, future, digital_tools), g3 (GDANSK-1 with
    a storyteller lacking research consent: left out), g4 (that storyteller alone: left out),
    v1 (VORU-1, youth_voice), v2 (a storyteller who later withdraws: left out).
    """
    from builders import story_body

    no_research = await post(
        client, admin, "/api/v1/storytellers", teller("gdansk", "GDANSK-X", ["quote"])
    )
    leaving = await post(
        client, admin, "/api/v1/storytellers", teller("voru", "VORU-X", ["research"], "65+")
    )
    gd, vo = world["storytellers"]["gdansk"], world["storytellers"]["voru"]
    stories = {
        "g1": story_body(world, "gdansk", storytellers=[gd[0]["id"]]),
        "g2": story_body(
            world, "gdansk", storytellers=[gd[1]["id"]], kind="future", horizon_year=2050,
            codings=[{"theme": "digital_tools", "coder": "coder-a"}],
        ),
        "g3": story_body(world, "gdansk", storytellers=[gd[0]["id"], no_research["id"]]),
        "g4": story_body(world, "gdansk", storytellers=[no_research["id"]]),
        "v1": story_body(world, "voru", storytellers=[vo[0]["id"]], title="Buss", body="Bussiliin kaotati ära."),
        "v2": story_body(world, "voru", storytellers=[leaving["id"]], title="Kool", body="Kool suleti."),
    }  # fmt: skip
    ids = {
        name: (await post(client, admin, "/api/v1/stories", body))["id"]
        for name, body in stories.items()
    }
    return {"ids": ids, "leaving": leaving["id"], "no_research": no_research["id"]}


async def withdraw(storyteller_id: int) -> None:
    from civicfutures.db.tables import Storyteller

    await Storyteller.update(
        {Storyteller.consent_withdrawn_at: dt.datetime(2025, 6, 1, tzinfo=dt.UTC)}
    ).where(Storyteller.id == storyteller_id)


async def test_consent_decides_what_enters_a_snapshot(consent_world, tmp_path) -> None:
    await withdraw(consent_world["leaving"])
    info = await build_snapshot("futures", tmp_path)
    snapshot = load_snapshot(info.path)
    ids = consent_world["ids"]
    stories = snapshot["stories"].collect()
    assert sorted(stories["story_id"]) == sorted([ids["g1"], ids["g2"], ids["v1"]])
    tellers = snapshot["storytellers"].collect()["storyteller_id"].to_list()
    assert consent_world["no_research"] not in tellers
    assert consent_world["leaving"] not in tellers
    assert len(tellers) == 4
    links = snapshot["story_storytellers"].collect()
    assert set(links["story_id"]) == set(stories["story_id"])
    assert info.manifest["left_out_for_consent"] == {"stories": 3, "storytellers": 2}
    # One row per site: g3 and g4 at Gdańsk with GDANSK-X; v2 at Võru with VORU-X.
    sites = dict(snapshot["sites"].select("site_id", "site").collect().iter_rows())
    exclusions = snapshot["exclusions"].collect()
    assert {
        sites[row["site_id"]]: (row["reason"], row["stories"], row["storytellers"])
        for row in exclusions.iter_rows(named=True)
    } == {"gdansk": ("consent", 2, 1), "voru": ("consent", 1, 1)}
    codings = snapshot["codings"].collect()
    assert set(codings["story_id"]) <= set(stories["story_id"])


async def test_record_keys_are_drawn_at_creation_and_carried(consent_world, tmp_path) -> None:
    from civicfutures.db.tables import Storyteller

    stored = {
        row["id"]: row["record_key"]
        for row in await Storyteller.select(Storyteller.id, Storyteller.record_key)
    }
    assert all(0 <= key < 256 for key in stored.values())
    info = await build_snapshot("futures", tmp_path)
    tellers = load_snapshot(info.path)["storytellers"].collect()
    carried = dict(zip(tellers["storyteller_id"], tellers["record_key"], strict=True))
    assert carried == {teller: stored[teller] for teller in carried}
    # Drawn at random: a dozen storytellers sharing one key would be a constant, not a key.
    assert len(set(stored.values())) > 1, stored


async def test_codes_never_enter_a_snapshot(consent_world, tmp_path) -> None:
    info = await build_snapshot("futures", tmp_path)
    snapshot = load_snapshot(info.path)
    for name in TABLES:
        table = snapshot[name].collect()
        assert "code" not in table.columns
        for column in table.select(pl.col(pl.String)).columns:
            assert not table[column].cast(pl.String).str.contains("GDANSK-|VORU-").any(), (
                name,
                column,
            )


async def test_same_content_same_id_and_bytes(
    consent_world, client, admin, world, tmp_path
) -> None:
    first = await build_snapshot("futures", tmp_path)
    again = await build_snapshot("futures", tmp_path)
    assert (first.id, first.created, again.created) == (again.id, True, False)
    assert first.path == tmp_path / "snapshots" / first.id
    elsewhere = await build_snapshot("futures", tmp_path / "other")
    assert elsewhere.id == first.id
    for name in TABLES:
        assert (first.path / f"{name}.parquet").read_bytes() == (
            elsewhere.path / f"{name}.parquet"
        ).read_bytes()
    from builders import story_body

    await post(client, admin, "/api/v1/stories", story_body(world, "gdansk", title="Nowa"))
    changed = await build_snapshot("futures", tmp_path)
    assert changed.id != first.id
    assert (
        changed.manifest["tables"]["stories"]["rows"]
        == first.manifest["tables"]["stories"]["rows"] + 1
    )


async def test_a_snapshot_is_found_by_the_data_version_and_never_outlives_a_write(
    consent_world, tmp_path
) -> None:
    import json

    from civicfutures.db.version import data_version

    first = await build_snapshot("futures", tmp_path)
    # Recorded under the version it is the content of, so the next request at that version
    # is answered from the record.
    used = json.loads((tmp_path / "snapshots" / f"{first.id}.used.json").read_text())
    assert used["version"] == await data_version() and used["project"] == "futures"
    again = await build_snapshot("futures", tmp_path)
    assert (again.id, again.created) == (first.id, False)

    # Any write moves the version: a storyteller withdrawn since is not in the next one.
    await withdraw(await _teller_of(consent_world["ids"]["v1"]))
    after = await build_snapshot("futures", tmp_path)
    assert after.id != first.id
    stories = load_snapshot(after.path)["stories"].collect()
    assert consent_world["ids"]["v1"] not in stories["story_id"].to_list()
    assert (
        consent_world["ids"]["v1"]
        in load_snapshot(first.path)["stories"].collect()["story_id"].to_list()
    )


async def _teller_of(story_id: int) -> int:
    from civicfutures.db.tables import StoryStoryteller

    row = (
        await StoryStoryteller.select(StoryStoryteller.storyteller)
        .where(StoryStoryteller.story == story_id)
        .first()
    )
    return row["storyteller"]


async def test_manifest_and_schemas(consent_world, tmp_path) -> None:
    info = await build_snapshot("futures", tmp_path)
    manifest = info.manifest
    assert manifest["snapshot_id"] == info.id == manifest["content_hash"][:16]
    assert manifest["schema_version"] == 4
    assert manifest["disclosure_threshold"] == 2
    assert manifest["demographic_attributes"] == ["age_band"]
    snapshot = load_snapshot(info.path)
    for name, schema in TABLES.items():
        table = snapshot[name].collect()
        assert table.schema == schema
        assert table.height == manifest["tables"][name]["rows"]
    themes = snapshot["themes"].collect()
    assert themes.select("theme", "kind").rows() == [
        ("youth_voice", "challenge"),
        ("digital_tools", "vision"),
    ]
    labels = snapshot["theme_labels"].collect()
    assert ("youth_voice", "vro", "Nuuri helü") in labels.rows()
    assert snapshot["stories"].collect()["date"].to_list()[0] == dt.date(2025, 3, 15)


async def test_an_empty_project_keeps_every_column(client, admin, tmp_path) -> None:
    await post(
        client,
        admin,
        "/api/v1/projects",
        {"slug": "empty", "name": "Empty", "default_language": "en"},
    )
    info = await build_snapshot("empty", tmp_path)
    snapshot = load_snapshot(info.path)
    assert snapshot["stories"].collect().schema == TABLES["stories"]
    table = run("prevalence", snapshot, AnalysisParams(by="site"))
    assert table.height == 0
    assert "suppressed" in table.columns


async def test_unknown_project(tmp_path) -> None:
    from civicfutures.errors import NotFound

    with pytest.raises(NotFound):
        await build_snapshot("nope", tmp_path)


async def test_duckdb_agrees_on_a_snapshot_of_the_database(consent_world, tmp_path) -> None:
    info = await build_snapshot("futures", tmp_path)
    snapshot = load_snapshot(info.path)
    ours = run("prevalence", snapshot, AnalysisParams(by="site", unsuppressed=True))
    con = duckdb_suite.connect(info.path)
    raw = duckdb_suite.prevalence(con, "site")
    theirs = duckdb_suite.finish("prevalence", raw, k=2, disclose=True)
    assert_frame_equal(ours, theirs.select(ours.columns).cast(dict(ours.schema)))
    # A cell is published exactly when its stories and storytellers both reach k = 2.
    published = run("prevalence", snapshot, AnalysisParams(by="site"))
    reached = (pl.col("stories") >= 2) & (pl.col("storytellers") >= 2)
    assert published["suppressed"].to_list() == ours.select(~reached).to_series().to_list()
    assert published["suppressed"].any()


async def test_a_snapshot_on_each_backend_is_scanned_where_it_is(
    consent_world, storage_url, tmp_path
) -> None:
    from civicfutures.analysis.snapshot import storyteller_ids
    from civicfutures.storage.objects import Storage

    store = Storage(storage_url)
    local = await build_snapshot("futures", tmp_path)
    info = await build_snapshot("futures", store)
    assert (info.id, info.created) == (local.id, True)
    assert info.location == store.location(f"snapshots/{info.id}")
    if storage_url.startswith("s3://"):
        assert info.location.startswith(f"{storage_url}/snapshots/")
        assert info.storage_options and "aws_endpoint_url" in info.storage_options
    stored = {o.key for o in await store.list(f"snapshots/{info.id}")}
    assert stored == {f"snapshots/{info.id}/{name}.parquet" for name in TABLES} | {
        f"snapshots/{info.id}/manifest.json"
    }
    for name in TABLES:
        stored_bytes = await store.read(f"snapshots/{info.id}/{name}.parquet")
        assert stored_bytes == (local.path / f"{name}.parquet").read_bytes()
    # Read back by range, as a download or a scan does: Parquet's magic number at both ends.
    key = f"snapshots/{info.id}/stories.parquet"
    size = (await store.head(key)).size
    assert await store.get_range(key, 0, 4) == await store.get_range(key, size - 4, size) == b"PAR1"

    # Scanned in place (Polars reads the bucket), the same tables and analyses as on disk.
    scanned, plain = load_snapshot(info), load_snapshot(local.path)
    for name in TABLES:
        assert_frame_equal(scanned[name].collect(), plain[name].collect())
    params = AnalysisParams()
    assert_frame_equal(run("prevalence", scanned, params), run("prevalence", plain, params))
    assert storyteller_ids(info) == storyteller_ids(local.path) != set()

    again = await build_snapshot("futures", store)
    assert (again.id, again.created) == (info.id, False)


def test_a_store_keeps_a_projects_two_newest_snapshots(storage_url) -> None:
    from civicfutures.analysis.schema import frame
    from civicfutures.analysis.snapshot import write_snapshot
    from civicfutures.storage.objects import Storage

    store = Storage(storage_url)

    def write(name: str, project: str = "futures"):
        tables = {"project": frame("project", [{"project": project, "name": name}])}
        return write_snapshot(tables, store, {"project": project})

    other = write("Elsewhere", project="elsewhere")
    written = [write(f"Futures {n}") for n in range(4)]
    # Reusing the oldest kept one makes it the newest: the next write prunes the other.
    assert write("Futures 2").created is False
    newest = write("Futures 4")

    def held() -> set[str]:
        return {
            o.key.split("/")[1]
            for o in store.list_sync("snapshots")
            if o.key.endswith("/manifest.json")
        }

    assert held() == {other.id, written[2].id, newest.id}
    for gone in (written[0], written[1], written[3]):
        assert store.list_sync(f"snapshots/{gone.id}") == []
        assert not store.exists_sync(f"snapshots/{gone.id}.used.json")
