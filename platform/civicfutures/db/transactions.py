"""One transaction per write, the same way on both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from civicfutures.db.lifecycle import engine


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for read-then-write work; nested calls join the outer one.

    SQLite takes the write lock at BEGIN IMMEDIATE, so two writers never both read a state
    and then collide on upgrading their locks (which SQLite answers with an instant error).
    """
    db = engine()
    if isinstance(db, SQLiteEngine):
        async with db.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with db.transaction():
            yield
