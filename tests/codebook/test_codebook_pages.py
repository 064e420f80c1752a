"""The codebook pages through the real HTTP stack: English and Arabic render with the fallback
chain, partners read without forms, and researchers add, rename, nest, merge, retire, split and
import themes through the forms (POST, redirect; a refused form comes back with its error)."""

from __future__ import annotations

from civicfutures.db.tables import AuditEvent, Theme
from pages.conftest import csrf_token

PAGE = "/{lang}/projects/futures/codebook"


async def _submit(client, action: str, fields: dict, page: str):
    """Post a form of `page` to `action` with the page's CSRF token, as the browser does."""
    shown = await client.get(page)
    assert shown.status_code == 200, shown.text
    return await client.post(action, data={**fields, "_csrf_token": csrf_token(shown.text)})


async def _theme(key: str) -> dict | None:
    return (
        await Theme.select(Theme.key, Theme.labels, Theme.parent.key, Theme.retired_at)
        .output(load_json=True)
        .where(Theme.key == key)
        .first()
    )


async def test_english_and_arabic_pages_show_the_tree_and_the_fallback_chain(
    client, world, admin, sign_in
):
    answer = await client.patch(
        "/api/v1/themes/futures/digital_tools", json={"parent": "youth_voice"}, headers=admin
    )
    assert answer.status_code == 200
    await sign_in("researcher")
    english = await client.get(PAGE.format(lang="en"))
    assert english.status_code == 200
    assert 'id="add-form"' in english.text and 'id="merge-form"' in english.text
    assert 'class="theme-depth-1"' in english.text
    assert "Labels are looked up in this order:" in english.text
    arabic = await client.get(PAGE.format(lang="ar"))
    assert arabic.status_code == 200
    assert '<html lang="ar" dir="rtl">' in arabic.text
    # No Arabic label: the English one is shown, marked with its language.
    assert '<span lang="en" dir="ltr">Young people unheard</span>' in arabic.text
    assert 'id="fallback-chain"' in arabic.text


async def test_a_partner_reads_the_codebook_without_the_forms(client, world, sign_in):
    await sign_in("partner", "gdansk")
    page = await client.get(PAGE.format(lang="pl"))
    assert page.status_code == 200
    assert "Niesłyszalny głos młodych" in page.text
    assert 'id="add-form"' not in page.text
    refused = await client.post(
        PAGE.format(lang="pl") + "/themes",
        data={"key": "x", "_csrf_token": csrf_token(page.text)},
    )
    assert refused.status_code == 403


async def test_add_rename_nest_merge_retire_and_split_through_the_forms(client, world, sign_in):
    await sign_in("researcher")
    base = PAGE.format(lang="en")
    added = await _submit(
        client, f"{base}/themes", {"key": "housing", "label": "Housing", "kind": "challenge"}, base
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"{base}?saved=added#codebook-heading"
    saved = await _submit(
        client,
        f"{base}/themes/housing",
        {"label.en": "Housing costs", "label.ar": "تكاليف السكن", "parent": "youth_voice"},
        f"{base}/themes/housing",
    )
    assert saved.status_code == 303, saved.text
    row = await _theme("housing")
    assert row["labels"] == {"en": "Housing costs", "ar": "تكاليف السكن"}
    assert row["parent.key"] == "youth_voice"
    merged = await _submit(
        client, f"{base}/merge", {"source": "housing", "into": "digital_tools"}, base
    )
    assert merged.status_code == 303
    assert (await _theme("housing"))["retired_at"] is not None
    shown = await client.get(f"{base}?saved=merged")
    assert "merged into digital_tools" in shown.text
    parted = await _submit(
        client,
        f"{base}/themes/digital_tools/split",
        {"new_key": "e_voting", "new_label": "E-voting"},
        f"{base}/themes/digital_tools",
    )
    assert parted.status_code == 303
    assert (await _theme("e_voting"))["labels"] == {"en": "E-voting"}
    retired = await _submit(
        client, f"{base}/themes/e_voting/retire", {"retired": "1"}, f"{base}/themes/e_voting"
    )
    assert retired.status_code == 303
    assert (await _theme("e_voting"))["retired_at"] is not None
    actions = [
        row["action"]
        for row in await AuditEvent.select(AuditEvent.action)
        .where(AuditEvent.entity == "theme")
        .order_by(AuditEvent.id)
    ]
    # A split's events (the new theme, the split) share one transaction: their order is free.
    recent = actions[-6:]
    assert recent[:3] == ["create", "update", "merge"]
    assert sorted(recent[3:5]) == ["create", "split"]
    assert recent[5:] == ["retire"]


async def test_a_refused_form_comes_back_with_the_error_and_writes_nothing(client, world, sign_in):
    await sign_in("researcher")
    base = PAGE.format(lang="en")
    bad_key = await _submit(client, f"{base}/themes", {"key": "Not A Key", "label": "H"}, base)
    assert bad_key.status_code == 422
    assert 'id="codebook-errors"' in bad_key.text
    assert 'value="Not A Key"' in bad_key.text
    await _submit(client, f"{base}/themes", {"key": "child", "parent": "youth_voice"}, base)
    circle = await _submit(
        client, f"{base}/themes/youth_voice", {"parent": "child"}, f"{base}/themes/youth_voice"
    )
    assert circle.status_code == 422
    assert 'id="theme-errors"' in circle.text
    assert (await _theme("youth_voice"))["parent.key"] is None
    assert await Theme.count() == 3


async def test_import_and_download_through_the_page(client, world, sign_in):
    await sign_in("researcher")
    base = PAGE.format(lang="pl")
    page = await client.get(base)
    answer = await client.post(
        f"{base}/import",
        data={"format": "csv", "language": "pl", "_csrf_token": csrf_token(page.text)},
        files={
            "file": (
                "codebook.csv",
                b"name,description,parent\r\nTransport,,\r\nAutobusy,Linie,Transport\r\n",
                "text/csv",
            )
        },
    )
    assert answer.status_code == 303, answer.text
    assert (await _theme("autobusy"))["parent.key"] == "transport"
    download = await client.get(f"{base}/download/csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "Autobusy,Linie,Transport" in download.content.decode("utf-8-sig")
    hostile = await client.post(
        f"{base}/import",
        data={"format": "qdc", "language": "pl", "_csrf_token": csrf_token(page.text)},
        files={"file": ("x.qdc", b'<!DOCTYPE x [<!ENTITY a "b">]><CodeBook/>', "application/xml")},
    )
    assert hostile.status_code == 422
    assert 'id="codebook-errors"' in hostile.text
    assert await Theme.count() == 4
