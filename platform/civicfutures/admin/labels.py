"""The admin pages' codes in the reader's language: roles, and the audit log's kinds of record
and actions (the database stores codes)."""

from __future__ import annotations

from civicfutures.i18n import pgettext


def entity_label(entity: str) -> str:
    """`storyteller` → `Storyteller`, `Osoba opowiadająca`…; an unknown code is shown as it is."""
    labels = {
        "agreed_coding": pgettext("audit record", "Agreed coding"),
        "api_token": pgettext("audit record", "API token"),
        "briefing": pgettext("audit record", "Briefing"),
        "coding": pgettext("audit record", "Coding"),
        "coding_done": pgettext("audit record", "Coding done mark"),
        "import": pgettext("audit record", "Import"),
        "insight": pgettext("audit record", "Insight"),
        "memo": pgettext("audit record", "Memo"),
        "outcome": pgettext("audit record", "Outcome"),
        "project": pgettext("audit record", "Project"),
        "quote": pgettext("audit record", "Quote"),
        "recording": pgettext("audit record", "Story recording"),
        "site": pgettext("audit record", "Site"),
        "story": pgettext("audit record", "Story"),
        "storyteller": pgettext("audit record", "Storyteller"),
        "subtitles": pgettext("audit record", "Subtitles"),
        "theme": pgettext("audit record", "Theme"),
        "user": pgettext("audit record", "Account"),
        "workshop": pgettext("audit record", "Workshop"),
    }
    return labels.get(entity, entity)


def action_label(action: str) -> str:
    """`withdraw_derived` → `Derived copies withdrawn`; an unknown code is shown as it is."""
    labels = {
        "activate": pgettext("audit action", "Activated"),
        "build": pgettext("audit action", "Built"),
        "create": pgettext("audit action", "Created"),
        "deactivate": pgettext("audit action", "Deactivated"),
        "delete": pgettext("audit action", "Deleted"),
        "done": pgettext("audit action", "Marked done"),
        "erase": pgettext("audit action", "Erased"),
        "export": pgettext("audit action", "Exported"),
        "grant": pgettext("audit action", "Role granted"),
        "import": pgettext("audit action", "Imported"),
        "merge": pgettext("audit action", "Merged"),
        "reopen": pgettext("audit action", "Reopened"),
        "restore": pgettext("audit action", "Restored"),
        "retire": pgettext("audit action", "Retired"),
        "revoke": pgettext("audit action", "Revoked"),
        "revoke_role": pgettext("audit action", "Role revoked"),
        "set_password": pgettext("audit action", "Password set"),
        "split": pgettext("audit action", "Split"),
        "update": pgettext("audit action", "Changed"),
        "upload": pgettext("audit action", "Uploaded"),
        "withdraw_derived": pgettext("audit action", "Derived copies withdrawn"),
    }
    return labels.get(action, action)


def role_label(role: str) -> str:
    """`author` → `Briefing author`; an unknown code is shown as it is."""
    labels = {
        "admin": pgettext("role", "Administrator"),
        "partner": pgettext("role", "Municipal partner"),
        "researcher": pgettext("role", "Researcher"),
        "author": pgettext("role", "Briefing author"),
    }
    return labels.get(role, role)
