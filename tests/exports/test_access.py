"""Consent, roles and sites: what an export lets through, and what it records leaving out."""

from __future__ import annotations

import json

import polars as pl

from civicfutures.db.tables import AuditEvent, StoryStoryteller, Storyteller


async def test_withdrawing_consent_removes_the_story(demo, admin, client, download):
    _, before = await download("stories", admin, format="parquet")
    titles = pl.read_parquet(before)["title"].to_list()
    assert "Młodzieżowa rada, której nikt nie słuchał" in titles
    teller = await Storyteller.select(Storyteller.id).where(Storyteller.code == "GDA-01").first()
    body = {
        "consent": {
            "version": "2025-01",
            "given_at": "2025-03-15T09:05:00Z",
            "scopes": ["archive", "quote"],
        }
    }
    patched = await client.patch(f"/api/v1/storytellers/{teller['id']}", json=body, headers=admin)
    assert patched.status_code == 200, patched.text
    response, after = await download("stories", admin, format="parquet")
    assert (
        "Młodzieżowa rada, której nikt nie słuchał" not in pl.read_parquet(after)["title"].to_list()
    )
    notes = json.loads(response.headers["x-export-notes"])
    told = await StoryStoryteller.count().where(StoryStoryteller.storyteller == teller["id"])
    assert told >= 1
    assert notes["stories_exported"] == len(titles) - told
    assert notes["excluded"]["consent"] == 2 + told


async def test_a_partner_exports_only_its_sites(demo, token_for, download):
    partner = await token_for("partner", "gdansk")
    response, path = await download("stories", partner, format="parquet", include_codes="true")
    frame = pl.read_parquet(path)
    assert set(frame["site"]) == {"gdansk"}
    assert "storyteller_codes" not in frame.columns
    notes = json.loads(response.headers["x-export-notes"])
    assert notes["sites"] == ["gdansk"] and notes["withheld_columns"] == ["storyteller_codes"]
    assert notes["codes_requested"] is True


async def test_another_partners_site_is_absent(demo, token_for, client):
    partner = await token_for("partner", "gdansk")
    other = await client.get(
        "/api/v1/exports/stories?project=euarenas-futures&sites=voru", headers=partner
    )
    unknown = await client.get(
        "/api/v1/exports/stories?project=euarenas-futures&sites=atlantis", headers=partner
    )
    assert other.status_code == unknown.status_code == 404
    assert other.json()["detail"] == unknown.json()["detail"]


async def test_sites_narrow_the_export_and_others_need_a_token(demo, token_for, client, download):
    researcher = await token_for("researcher")
    _, path = await download("sav", researcher, sites="voru,reggio-emilia", lang="it")
    import pyreadstat

    _, meta = pyreadstat.read_sav(str(path), output_format="polars")
    assert set(meta.variable_value_labels["site"].values()) == {"Võru", "Reggio Emilia"}
    anonymous = await client.get("/api/v1/exports/stories?project=euarenas-futures")
    assert anonymous.status_code == 401


async def test_every_export_is_audited(demo, admin, download):
    await download("qdc", admin)
    events = await AuditEvent.select().where(AuditEvent.action == "export")
    assert len(events) == 1 and events[0]["entity"] == "project"


async def test_the_work_area_is_gone_once_the_download_ends(demo, admin, download):
    from civicfutures.settings import get_settings

    work = get_settings().exports_dir / "work"
    # Exports kept for the exports page by earlier tests may be there; none may be added.
    before = set(work.iterdir()) if work.is_dir() else set()
    response, _ = await download("stories", admin, format="csv")
    assert int(response.headers["content-length"]) == len(response.content)
    assert set(work.iterdir()) == before
