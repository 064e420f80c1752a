"""The audit log page: paginated, filtered by actor, record, action and dates, each filter
checked with the field named; each entry names the fields that changed, never their content."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from civicfutures import audit
from civicfutures.auth.accounts import create_user
from civicfutures.auth.actor import SYSTEM
from civicfutures.auth.records import AUDIT_MAX_PAGE, AUDIT_PAGE_SIZE
from civicfutures.db.tables import AuditEvent, User
from civicfutures.db.transactions import write_transaction

PLATFORM = Path(__file__).resolve().parents[2] / "platform/civicfutures"
ROW = re.compile(r"<tr>\s*<td class=\"nowrap\">.*?</tr>", re.S)


def _rows(page: str) -> list[str]:
    return ROW.findall(page)


def _fields(row: str) -> str:
    """The changed fields' names: machine names, in one left-to-right `<code>`, comma-joined in
    every language."""
    cell = re.search(r'<td class="breakable audit-fields">(.*?)</td>', row, re.S).group(1)
    return re.sub(r'</?code(?: dir="ltr")?>', "", cell)


async def _events(n: int, action: str = "export", entity: str = "project") -> None:
    """One event per write, each in its own transaction, numbered in the order written."""
    for i in range(n):
        async with write_transaction():
            await audit.record(SYSTEM, action, entity, i + 1, detail={"kind": "stories"})


def test_every_recorded_kind_and_action_is_offered_by_the_filters():
    """Each `audit.record(actor, action, entity, ...)` call names a known action and kind."""
    found = set()
    for path in PLATFORM.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and getattr(node.func.value, "id", None) == "audit"
            ):
                actions = [c.value for c in ast.walk(node.args[1]) if isinstance(c, ast.Constant)]
                entity = node.args[2]
                assert isinstance(entity, ast.Constant), f"{path}: the kind is not a literal"
                found |= {(a, entity.value) for a in actions}
    assert len(found) > 20
    assert {a for a, _ in found} <= set(audit.ACTIONS)
    assert {e for _, e in found} <= set(audit.ENTITIES)


def test_changed_fields_name_nested_keys_one_level_down_never_values():
    before = {"id": 1, "version": 1, "code": "GD-1", "consent": {"scopes": ["a"], "version": "v1"}}
    after = {"id": 1, "version": 2, "code": "GD-1", "consent": {"scopes": [], "version": "v1"}}
    assert audit.changed_fields(before, after) == ["consent.scopes"]
    deep = {"labels": {"en": {"text": "a"}}}
    assert audit.changed_fields(deep, {"labels": {"en": {"text": "b"}}}) == ["labels.en"]
    assert audit.changed_fields(None, {"title": "T", "body": "B", "note": None}) == [
        "body",
        "title",
    ]


async def test_entries_name_the_changed_fields_and_never_personal_data(
    client, admin, sign_in, world
):
    teller = world["storytellers"]["gdansk"][0]
    patched = await client.patch(
        f"/api/v1/storytellers/{teller['id']}",
        json={
            "demographics": {"age_band": "65+"},
            "consent": {
                "version": "v1",
                "given_at": "2025-03-15T10:00:00Z",
                "scopes": ["research"],
            },
        },
        headers=admin,
    )
    assert patched.status_code == 200, patched.text
    await sign_in("admin")
    page = await client.get(f"/en/admin/audit?entity=storyteller&entity_id={teller['id']}")
    assert page.status_code == 200
    rows = _rows(page.text)
    assert len(rows) == 2  # created, then updated
    assert _fields(rows[0]) == "consent.scopes, demographics.age_band"
    assert _fields(rows[1]) == "code, consent, demographics, site"  # what a creation set
    # Field names only: the code, the age band and the scopes themselves are never shown.
    for secret in ("GDANSK-1", "65+", "16-24", "research"):
        assert secret not in page.text.split("<table", 1)[1], secret
    # Hashes: eight characters shown, the full value only in the title.
    event = await AuditEvent.select().where(AuditEvent.action == "update").first()
    full = event["after_hash"]
    assert f'<span title="{full}" dir="ltr">{full[:8]}…</span>' in rows[0]
    assert re.search(r">[0-9a-f]{64}<", page.text) is None


async def test_old_entries_without_field_names_show_a_dash(client, sign_in):
    await sign_in("admin")
    await _events(1)
    page = await client.get("/en/admin/audit?action=export")
    rows = _rows(page.text)
    assert len(rows) == 1 and _fields(rows[0]) == "—"


async def test_account_changes_name_what_changed(client, sign_in):
    await sign_in("admin")
    user = await create_user("someone@example.org", "researcher", password="x" * 12)
    from civicfutures.auth.accounts import add_membership, set_active, set_password

    await add_membership(SYSTEM, user, "author", None)
    await set_active(SYSTEM, user, False)
    await set_password(SYSTEM, user, "a long new passphrase")
    page = await client.get(f"/en/admin/audit?entity=user&entity_id={user}")
    fields = [_fields(row) for row in _rows(page.text)]
    assert fields == ["password", "is_active", "memberships", "email, role, sites"]
    assert "a long new passphrase" not in page.text


async def test_filters_by_actor_record_action_and_dates(client, sign_in):
    admin_email = await sign_in("admin")
    admin_id = (await User.select(User.id).where(User.email == admin_email).first())["id"]
    from civicfutures.auth.accounts import actor_for_user, set_active

    other = await create_user("other@example.org", "researcher", password="x" * 12)
    await set_active(await actor_for_user(admin_id), other, False)
    await _events(3)

    by_email = _rows((await client.get(f"/en/admin/audit?actor={admin_email.upper()}")).text)
    by_id = _rows((await client.get(f"/en/admin/audit?actor={admin_id}")).text)
    # Actions are named in the page's language, not by their stored code.
    assert len(by_email) == len(by_id) == 1 and "<td>Deactivated</td>" in by_email[0]
    system = _rows((await client.get("/en/admin/audit?actor=system&action=export")).text)
    assert len(system) == 3
    record = _rows((await client.get("/en/admin/audit?entity=project&entity_id=2")).text)
    assert len(record) == 1 and "<td>Exported</td>" in record[0]
    action = _rows((await client.get("/en/admin/audit?action=deactivate")).text)
    assert len(action) == 1
    today = dt.datetime.now(dt.UTC).date()
    dated = await client.get(f"/en/admin/audit?from={today}&to={today}&action=export")
    assert len(_rows(dated.text)) == 3
    before = await client.get(f"/en/admin/audit?to={today - dt.timedelta(days=1)}")
    assert before.status_code == 200 and _rows(before.text) == []
    assert "No events match these filters." in before.text
    polish = await client.get(f"/pl/admin/audit?actor={admin_id}")
    assert "<td>Dezaktywowano</td>" in polish.text
    assert '<option value="deactivate">Dezaktywowano</option>' in polish.text
    # The filters are kept in the form.
    kept = await client.get("/en/admin/audit?entity=project&action=export&actor=system")
    assert '<option value="project" selected>' in kept.text
    assert '<option value="export" selected>' in kept.text
    assert 'id="filter-actor" name="actor" type="text" value="system"' in kept.text


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2025-13-01", "date_from", "Enter a date between 2000-01-01 and today"),
        ("from=yesterday", "date_from", "Enter a date between 2000-01-01 and today"),
        ("to=1999-12-31", "date_to", "Enter a date between 2000-01-01 and today"),
        ("to=9999-01-01", "date_to", "Enter a date between 2000-01-01 and today"),
        ("from=2025-05-02&to=2025-05-01", "date_to", "The end date comes before the start date."),
        ("page=99999999999999999999", "page", "Choose a page between 1 and 1000"),
        ("page=1001", "page", "Choose a page between 1 and 1000"),
        ("page=0", "page", "Choose a page between 1 and 1000"),
        ("page=-1", "page", "Choose a page between 1 and 1000"),
        ("page=²", "page", "Choose a page between 1 and 1000"),
        ("entity=app_user", "entity", "Choose a kind of record from the list."),
        ("action=drop", "action", "Choose an action from the list."),
        ("entity_id=" + "9" * 65, "entity_id", "At most 64 characters."),
        ("actor=99999999999", "actor", "No account has this number."),
        ("actor=" + "a" * 255, "actor", "Enter an e-mail address or an account number."),
    ],
)
async def test_bad_filters_are_refused_naming_the_field(client, sign_in, query, field, message):
    await sign_in("admin")
    page = await client.get(f"/en/admin/audit?{query}")
    assert page.status_code == 422
    assert f'<a href="#filter-{field}">{message}' in page.text
    assert f'id="filter-{field}-error"' in page.text
    assert "<table" not in page.text


async def test_several_bad_filters_are_named_at_once_in_the_page_language(client, sign_in):
    await sign_in("admin", lang="pl")
    page = await client.get("/pl/admin/audit?from=nope&page=0&action=drop")
    assert page.status_code == 422
    assert page.text.count('class="field-error"') == 3
    for field in ("date_from", "page", "action"):
        assert f'href="#filter-{field}"' in page.text
    assert "Choose a page" not in page.text  # said in Polish


async def test_pages_of_fifty_newest_first_with_the_filters_kept(client, sign_in):
    await sign_in("admin")
    await _events(2 * AUDIT_PAGE_SIZE + 20)
    first = await client.get("/en/admin/audit?action=export")
    rows = _rows(first.text)
    assert len(rows) == AUDIT_PAGE_SIZE
    assert "120 events · page 1 of 3" in first.text
    assert 'href="/en/admin/audit?action=export&amp;page=2" rel="next">Older</a>' in first.text
    assert 'rel="prev"' not in first.text
    ids = [int(m) for m in re.findall(r"entity_id=(\d+)\">", first.text)]
    assert ids == list(range(120, 120 - AUDIT_PAGE_SIZE, -1))
    last = await client.get("/en/admin/audit?action=export&page=3")
    assert len(_rows(last.text)) == 20
    assert 'href="/en/admin/audit?action=export&amp;page=2" rel="prev">Newer</a>' in last.text
    assert 'rel="next"' not in last.text
    beyond = await client.get(f"/en/admin/audit?action=export&page={AUDIT_MAX_PAGE}")
    assert beyond.status_code == 200 and _rows(beyond.text) == []


async def test_the_table_scrolls_in_its_own_focusable_region(client, sign_in):
    await sign_in("admin")
    await _events(1)
    page = await client.get("/en/admin/audit")
    assert (
        '<div class="table-wrap audit-wrap" role="region" aria-labelledby="audit-caption" '
        'tabindex="0">' in page.text
    )
    assert '<caption id="audit-caption">' in page.text
