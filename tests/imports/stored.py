"""What an import leaves stored: rows per table it writes."""

from __future__ import annotations

from civicfutures.db.tables import (
    AuditEvent,
    Coding,
    Story,
    StoryStoryteller,
    Storyteller,
    Translation,
    Workshop,
)

TABLES = (Workshop, Storyteller, Story, StoryStoryteller, Translation, Coding, AuditEvent)


async def counts() -> dict[str, int]:
    return {table._meta.tablename: await table.count() for table in TABLES}
